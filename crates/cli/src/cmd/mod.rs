//! One module per command.

/// `println!` for read-only commands whose output another program reads: when that reader
/// has gone (`vigie rules test … | head`) the command ends quietly with success, where
/// `println!` would panic. Nothing is half-written by these commands, so ending is safe.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cmd::stdout_line(format_args!($($arg)*))
    };
}

pub(crate) mod audit;
pub(crate) mod backup;
pub(crate) mod bench;
pub(crate) mod bench_cluster;
pub(crate) mod bench_desk;
pub(crate) mod bench_detect;
pub(crate) mod bench_ioc;
pub(crate) mod bench_parse;
pub(crate) mod bench_reliability;
pub(crate) mod bench_scan;
pub(crate) mod bench_store;
pub(crate) mod bench_transport;
pub(crate) mod bench_ui;
pub(crate) mod cluster;
pub(crate) mod config;
pub(crate) mod hunt;
pub(crate) mod import;
pub(crate) mod intel;
pub(crate) mod intel_feeds;
pub(crate) mod intel_retro;
pub(crate) mod nis2;
pub(crate) mod notify;
pub(crate) mod pack;
pub(crate) mod reload;
pub(crate) mod report;
pub(crate) mod rules;
pub(crate) mod scan;
pub(crate) mod serve;
pub(crate) mod shared_state;
pub(crate) mod syslog;
pub(crate) mod tenant;
pub(crate) mod token;
pub(crate) mod user;

use std::path::{Path, PathBuf};
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

/// Creates `dir` (and missing parents) with mode 0700; when it exists and its group or others
/// have any access, takes that away and logs a warning naming it and its former mode. `what`
/// names the directory in messages. Fails, naming the directory and its mode, when the mode
/// cannot be changed (another owner).
pub(crate) fn private_dir(dir: &Path, what: &str) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create the {what} {}", dir.display()))?;
        let mode = std::fs::metadata(dir)
            .with_context(|| format!("cannot read the {what} {}", dir.display()))?
            .permissions()
            .mode()
            & 0o7777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).with_context(
                || {
                    format!(
                        "the {what} {} has mode {mode:04o}, open to group or others, and \
                         cannot be restricted to 0700 (make the account vigie runs as its owner)",
                        dir.display()
                    )
                },
            )?;
            tracing::warn!(
                path = %dir.display(),
                old_mode = %format!("{mode:04o}"),
                "the {what} was open to group or others; its mode is now 0700"
            );
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the {what} {}", dir.display()))?;
    Ok(())
}

/// Opens (and creates, with its migrations) the state database of a data directory.
pub(crate) async fn open_state(config: &VigieConfig) -> anyhow::Result<Arc<SqliteStore>> {
    private_dir(&config.data_dir, "data directory")?;
    backup::refuse_unfinished_restore(&config.data_dir)?;
    let store = match &config.cluster.postgres {
        // Cluster mode: the state every node shares (the error names the server, never the
        // password).
        Some(postgres) => SqliteStore::connect(&postgres.options()?).await?,
        None => {
            let path = config.data_dir.join("state.sqlite");
            SqliteStore::open(&path)
                .await
                .with_context(|| format!("cannot open the state database {}", path.display()))?
        }
    };
    let store = store.with_dedup_window(std::time::Duration::from_secs(
        config.pipeline.dedup_window_seconds,
    ));
    Ok(Arc::new(store))
}

/// Takes the data directory's writer lock (`vigie.lock`): one process at a time appends to
/// its durable log. Held until the returned file is dropped.
pub(crate) fn lock_data_dir(config: &VigieConfig) -> anyhow::Result<std::fs::File> {
    try_lock_data_dir(config)?.with_context(|| {
        format!(
            "another vigie process (a running `vigie serve`?) writes to {}; stop it first",
            config.data_dir.display()
        )
    })
}

/// [`lock_data_dir`], or `None` when another process holds the lock (a running `vigie
/// serve`).
pub(crate) fn try_lock_data_dir(config: &VigieConfig) -> anyhow::Result<Option<std::fs::File>> {
    private_dir(&config.data_dir, "data directory")?;
    backup::refuse_unfinished_restore(&config.data_dir)?;
    let path = config.data_dir.join("vigie.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

/// Reads a `--source-type` argument (the error names the value and the expected form).
pub(crate) fn parse_source_type(text: &str) -> Result<vigie_parse::SourceType, String> {
    vigie_parse::SourceType::new(text).map_err(|e| e.to_string())
}

/// Writes one line to standard output for [`outln!`]: a closed pipe ends the process
/// quietly (exit 0), another write error ends it with the error.
pub(crate) fn stdout_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(error) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("vigie: cannot write to standard output: {error}");
        std::process::exit(1);
    }
}
