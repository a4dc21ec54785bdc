//! `vigie intel import|check`: IOC sets in the `intel/` folder of the rules directory.
//!
//! `import` reads a MISP feed (its `manifest.json` and event files), one MISP event, or a
//! STIX 2.1 bundle, offline, and writes the indicators as one set file
//! (`intel/<name>.json`, or `intel/<tenant-slug>/<name>.json` for one tenant), replacing an
//! older one of the same name atomically; the server puts it in force at its next rules
//! reload (`[detection] reload_seconds`). `check` loads every set as the server would and
//! reports each set and each refused indicator.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use vigie_detect::Level;
use vigie_detect::intel::{INTEL_DIR, IocSet, import};
use vigie_event::TenantId;

/// Skipped indicators named in full at most.
const SHOWN: usize = 20;

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Import indicators from a MISP feed, a MISP event or a STIX 2.1 bundle into a set.
    Import {
        /// A MISP feed directory (`manifest.json` and one `<uuid>.json` per event).
        #[arg(long, value_name = "DIR", group = "input")]
        misp_feed: Option<PathBuf>,
        /// One MISP event (`{"Event": {...}}`).
        #[arg(long, value_name = "FILE", group = "input")]
        misp_event: Option<PathBuf>,
        /// A STIX 2.1 bundle (`{"type": "bundle", "objects": [...]}`).
        #[arg(long, value_name = "FILE", group = "input")]
        stix: Option<PathBuf>,
        /// Name of the set (letters, digits, `.`, `_`, `-`): its file name and what alerts
        /// say; an import under an existing name replaces that set.
        #[arg(long)]
        name: String,
        /// Where the indicators come from (a feed, a CERT, a sharing group).
        #[arg(long)]
        source: String,
        /// The tenant the set belongs to (default: every tenant).
        #[arg(long, value_name = "SLUG")]
        tenant: Option<String>,
        /// Level of the alerts the set raises.
        #[arg(long, default_value = "high")]
        level: Level,
        /// When the whole set stops matching (RFC 3339), unless an indicator says otherwise.
        #[arg(long)]
        expires: Option<jiff::Timestamp>,
        /// The rules directory (default: `[detection] rules_dir` of the configuration).
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Pull the `[[intel.feeds]]` (TAXII 2.1 collections, MISP servers) into their sets now,
    /// as the server does every `interval_minutes`. Exits 1 when a pull fails.
    Pull {
        /// Only this feed.
        #[arg(long)]
        feed: Option<String>,
        /// The rules directory (default: `[detection] rules_dir` of the configuration).
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Load every set under `<rules>/intel/` as the server would: each set with its
    /// indicators, expired and refused ones. Exits 1 when something is refused.
    Check {
        /// The rules directory (default: `[detection] rules_dir` of the configuration).
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
}

fn rules_dir(global: &super::Global, rules: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match rules {
        Some(dir) => Ok(dir),
        None => global.load_config()?.detection.rules_dir.context(
            "no rules directory: give --rules DIR, or a configuration with [detection] rules_dir",
        ),
    }
}

/// Whether a set name is safe as a file name.
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

pub(crate) async fn run(global: &super::Global, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Import {
            misp_feed,
            misp_event,
            stix,
            name,
            source,
            tenant,
            level,
            expires,
            rules,
        } => {
            anyhow::ensure!(
                valid_name(&name),
                "--name {name:?}: a set name is 1 to 100 letters, digits, `.`, `_` or `-`, not starting with `.`"
            );
            let dir = rules_dir(global, rules)?;
            let (imported, from) = match (&misp_feed, &misp_event, &stix) {
                (Some(feed), None, None) => (import::from_misp_feed(feed)?, feed.clone()),
                (None, Some(file), None) => {
                    let text = read_text(file)?;
                    (
                        import::from_misp_event(&text, &file.display().to_string())?,
                        file.clone(),
                    )
                }
                (None, None, Some(file)) => {
                    (import::from_stix_bundle(&read_text(file)?)?, file.clone())
                }
                _ => anyhow::bail!("give one of --misp-feed DIR, --misp-event FILE, --stix FILE"),
            };
            let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
            for indicator in &imported.indicators {
                *kinds.entry(indicator.kind.as_str()).or_default() += 1;
            }
            let set = IocSet {
                version: 1,
                name: name.clone(),
                source,
                description: Some(format!("imported from {}", from.display())),
                level,
                expires,
                indicators: imported.indicators,
            };
            let path = set_path(&dir, tenant.as_deref(), &name)?;
            write_set(&path, &serde_json::to_vec_pretty(&set)?)?;
            println!(
                "wrote {} indicator(s) to {} ({}), {} skipped",
                set.indicators.len(),
                path.display(),
                kinds
                    .iter()
                    .map(|(k, n)| format!("{k} {n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                imported.skipped.len()
            );
            let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
            for skipped in &imported.skipped {
                *reasons.entry(skipped.reason.as_str()).or_default() += 1;
            }
            for skipped in imported.skipped.iter().take(SHOWN) {
                println!(
                    "skipped  {} {:?}: {}",
                    skipped.reference, skipped.value, skipped.reason
                );
            }
            if imported.skipped.len() > SHOWN {
                println!("skipped  ... {} more", imported.skipped.len() - SHOWN);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Pull { feed, rules } => {
            let config = global.load_config()?;
            let dir = match rules {
                Some(dir) => dir,
                None => config.detection.rules_dir.clone().context(
                    "no rules directory: give --rules DIR, or a configuration with [detection] rules_dir",
                )?,
            };
            let feeds: Vec<_> = config
                .intel
                .feeds
                .iter()
                .filter(|f| feed.as_ref().is_none_or(|name| &f.name == name))
                .collect();
            if feeds.is_empty() {
                anyhow::bail!(
                    "no [[intel.feeds]]{} in the configuration",
                    feed.map(|f| format!(" named {f:?}")).unwrap_or_default()
                );
            }
            let mut failed = false;
            for feed in feeds {
                match super::intel_feeds::pull(feed, &dir).await {
                    Ok(pulled) => {
                        outln!(
                            "{}: {} indicator(s) in {}{}, {} skipped{}",
                            feed.name,
                            pulled.indicators,
                            pulled.path.display(),
                            if pulled.changed { "" } else { " (unchanged)" },
                            pulled.skipped.len(),
                            if pulled.truncated {
                                ", cut at max_indicators"
                            } else {
                                ""
                            }
                        );
                        for skipped in pulled.skipped.iter().take(SHOWN) {
                            outln!("skipped  {skipped}");
                        }
                    }
                    Err(error) => {
                        failed = true;
                        eprintln!("{}: {error:#}", feed.name);
                    }
                }
            }
            Ok(if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Check { rules } => {
            let dir = rules_dir(global, rules)?;
            // No tenant database here: each folder stands for its slug.
            let mut slugs: Vec<String> = Vec::new();
            let (intel, refused) = vigie_detect::intel::load_rules_dir(
                &dir,
                &mut |slug| {
                    let at = slugs.iter().position(|s| s == slug).unwrap_or_else(|| {
                        slugs.push(slug.to_owned());
                        slugs.len() - 1
                    });
                    Some(TenantId(at as i64 + 1))
                },
                jiff::Timestamp::now(),
            );
            for set in intel.sets() {
                let owner = set
                    .tenant
                    .map(|t| format!("tenant {}", slugs[(t.0 - 1) as usize]))
                    .unwrap_or_else(|| "every tenant".to_owned());
                outln!(
                    "set      {} ({}, {owner}, level {}): {} indicator(s) in force, {} expired [{}]",
                    set.name,
                    set.source,
                    set.level,
                    set.indicators,
                    set.expired,
                    set.path.display()
                );
            }
            for refused in &refused {
                if refused.position == 0 {
                    outln!("refused  {}: {}", refused.path.display(), refused.reason);
                } else {
                    outln!(
                        "refused  {} indicator {} {:?}: {}",
                        refused.path.display(),
                        refused.position,
                        refused.value,
                        refused.reason
                    );
                }
            }
            outln!(
                "{} set(s), {} indicator(s) in force, {} refused",
                intel.sets().len(),
                intel.len(),
                refused.len()
            );
            Ok(if refused.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    anyhow::ensure!(
        size <= vigie_detect::intel::MAX_SET_FILE_BYTES,
        "{}: {size} bytes, the limit is {}",
        path.display(),
        vigie_detect::intel::MAX_SET_FILE_BYTES
    );
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The file of set `name` under `rules` (`intel/<name>.json`, or
/// `intel/<tenant-slug>/<name>.json`), its folder created.
pub(crate) fn set_path(rules: &Path, tenant: Option<&str>, name: &str) -> anyhow::Result<PathBuf> {
    let folder = match tenant {
        Some(slug) => {
            vigie_event::TenantSlug::new(slug)
                .map_err(|e| anyhow::anyhow!("tenant {slug}: {e}"))?;
            rules.join(INTEL_DIR).join(slug)
        }
        None => rules.join(INTEL_DIR),
    };
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    Ok(folder.join(format!("{name}.json")))
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, then renames it over `path`:
/// a reload sees the old set or the new one, never half of one.
pub(crate) fn write_set(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("json.tmp");
    let mut file =
        std::fs::File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
