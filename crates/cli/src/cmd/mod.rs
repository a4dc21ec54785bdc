//! One module per command.

pub(crate) mod audit;
pub(crate) mod bench;
pub(crate) mod config;
pub(crate) mod rules;
pub(crate) mod serve;
pub(crate) mod tenant;
pub(crate) mod token;
pub(crate) mod user;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use vigie_soc::SqliteStore;

use crate::config::VigieConfig;

/// Flags shared by every command.
pub(crate) struct Global {
    pub(crate) config: Option<PathBuf>,
    pub(crate) data_dir: Option<PathBuf>,
}

impl Global {
    /// The configuration: the file if given (every problem reported), else the defaults;
    /// then the flags on top.
    pub(crate) fn load_config(&self) -> anyhow::Result<VigieConfig> {
        let mut config = match &self.config {
            Some(path) => VigieConfig::load(path)?,
            None => VigieConfig::default(),
        };
        if let Some(dir) = &self.data_dir {
            config.data_dir = dir.clone();
        }
        Ok(config)
    }
}

/// Opens (and creates, with its migrations) the state database of a data directory.
pub(crate) async fn open_state(config: &VigieConfig) -> anyhow::Result<Arc<SqliteStore>> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })?;
    let path = config.data_dir.join("state.sqlite");
    let store = SqliteStore::open(&path)
        .await
        .with_context(|| format!("cannot open the state database {}", path.display()))?;
    Ok(Arc::new(store))
}
