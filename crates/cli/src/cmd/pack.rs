//! `vigie pack keygen|build|sign|verify|import`: signed offline content packs (see
//! [`crate::pack`] for the format and docs/packs.md for users).
//!
//! `import` verifies the pack first (signed, by a trusted key, every file as the manifest
//! says) and refuses before writing anything otherwise; then loads its content with the
//! engines the server uses (Sigma rules and correlations, tenant filters, pySigma
//! pipelines, IOC sets), shows what changes against the version of that pack installed
//! before, puts it in force under `<rules>/packs/<name>/` in one atomic step
//! ([`crate::pack::install`]) and records `pack.import` in the audit log. The server loads it
//! at its next rules reload.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Subcommand;
use vigie_access::audit::AuditRecord;
use vigie_detect::LoadReport;
use vigie_detect::intel::{INTEL_DIR, Intel};
use vigie_event::{TenantId, TenantSlug};
use vigie_soc::prelude::*;

use crate::config::VigieConfig;
use crate::pack::{self, Kind, Manifest, Pack, PublicKey, install, keys};

/// Problems and warnings named in full at most (the rest are counted).
const SHOWN: usize = 50;

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Make a signing key pair: the private key in FILE (PKCS#8 PEM, mode 0600; never
    /// overwritten) and the public key in FILE.pub; prints the public key and its id.
    Keygen {
        /// Where to write the private key.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Pack every file of a rules-directory tree (Sigma rules, `filters/<slug>/`,
    /// `pipelines/`, `intel/`, `taxonomies/`, ...) into one unsigned pack file with its
    /// manifest. Hidden files are left out; links and files over the limits are refused.
    // `--version` is the pack's here, not vigie's.
    #[command(disable_version_flag = true)]
    Build {
        /// The directory to pack.
        dir: PathBuf,
        /// The pack's name (where it is installed: `packs/<name>/`).
        #[arg(long)]
        name: String,
        /// The pack's version.
        #[arg(long)]
        version: String,
        /// The pack file to write (replaced atomically if it exists).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Sign a pack with a private key: adds (or replaces) the signature of its manifest.
    /// Refused when its files do not match the manifest.
    Sign {
        /// The pack file.
        file: PathBuf,
        /// The private key (`vigie pack keygen`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Write the signed pack here instead of replacing FILE.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Verify a pack: signed, by a trusted key (`[detection] trusted_pack_keys` and
    /// --trusted-key), every file as its manifest says and none outside it; prints what it
    /// holds. Exits 1 with the reason otherwise.
    Verify {
        /// The pack file.
        file: PathBuf,
        /// A trusted public key (`ed25519:<base64>`, or a file holding it); repeat for
        /// several. Added to those of the configuration.
        #[arg(long = "trusted-key", value_name = "KEY")]
        trusted_keys: Vec<String>,
        /// Print the summary only, not every file.
        #[arg(long)]
        quiet: bool,
    },
    /// Verify a pack, check its content with the server's engines, show what changes, then
    /// put it in force under `<rules>/packs/<name>/` atomically and record it in the audit
    /// log. The server loads it at its next rules reload.
    Import {
        /// The pack file.
        file: PathBuf,
        /// The rules directory (default: `[detection] rules_dir` of the configuration).
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        /// A trusted public key (`ed25519:<base64>`, or a file holding it); repeat for
        /// several. Added to those of the configuration.
        #[arg(long = "trusted-key", value_name = "KEY")]
        trusted_keys: Vec<String>,
        /// Verify, check and show the changes; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Import even when the engines reject some of the content (rules, correlations,
        /// filters, pipelines, IOC set files): it stays rejected on the server, as `vigie
        /// rules check` shows.
        #[arg(long)]
        allow_rejected: bool,
    },
}

pub(crate) async fn run(global: &super::Global, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Keygen { out } => {
            let public = keys::generate(&out)?;
            outln!(
                "private key {} (mode 0600): keep it offline; whoever holds it can sign packs",
                out.display()
            );
            outln!("public key  {public}");
            outln!("key id      {}", public.id());
            outln!(
                "written to  {}; trust it with [detection] trusted_pack_keys = [\"{public}\"]",
                keys::public_key_path(&out).display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Build {
            dir,
            name,
            version,
            out,
        } => {
            let started = Instant::now();
            let built = pack::build(&dir, &name, &version, jiff::Timestamp::now())?;
            pack::write_atomically(&out, &built.bytes)?;
            outln!(
                "built {} {} from {}: {} file(s) ({}), {} bytes, {} bytes compressed, in {:.2} s",
                name,
                version,
                dir.display(),
                built.manifest.files.len(),
                kinds(&built.manifest),
                built.manifest.files.iter().map(|f| f.size).sum::<u64>(),
                built.bytes.len(),
                started.elapsed().as_secs_f64()
            );
            if !built.skipped.is_empty() {
                outln!(
                    "left out {} hidden entr{}: {}",
                    built.skipped.len(),
                    if built.skipped.len() == 1 { "y" } else { "ies" },
                    built.skipped.join(", ")
                );
            }
            outln!(
                "unsigned: sign it with `vigie pack sign {} --key KEY`",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Sign { file, key, out } => {
            let signing = keys::load_private(&key)?;
            let pack = Pack::read(&file)?;
            let replaced = pack.signature().ok().flatten().map(|(_, k)| k.id());
            let bytes = pack.signed(&signing)?;
            let out = out.unwrap_or(file);
            pack::write_atomically(&out, &bytes)?;
            let signer = PublicKey::from(signing.verifying_key());
            if let Some(old) = replaced {
                outln!("replaced the signature of key {old}");
            }
            outln!(
                "signed {} with key {} ({signer})",
                out.display(),
                signer.id()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            file,
            trusted_keys,
            quiet,
        } => {
            let config = global.load_config()?;
            let trusted = trusted(&config, &trusted_keys)?;
            let started = Instant::now();
            let pack = Pack::read(&file)?;
            let verified = pack.verify(&trusted)?;
            let m = &verified.manifest;
            outln!(
                "pack     {} {} (created {}): {} file(s), {} bytes",
                m.name,
                m.version,
                m.created,
                m.files.len(),
                m.files.iter().map(|f| f.size).sum::<u64>()
            );
            outln!(
                "signed   by key {} ({}), trusted",
                verified.signer.id(),
                verified.signer
            );
            outln!("sha256   {}", pack.sha256);
            outln!("kinds    {}", kinds(m));
            if !quiet {
                for file in &m.files {
                    outln!(
                        "file     {:<10} {} ({} bytes, sha256 {})",
                        file.kind.as_str(),
                        file.path,
                        file.size,
                        file.sha256
                    );
                }
            }
            outln!(
                "verified: the signature holds and every file matches the manifest ({:.2} s)",
                started.elapsed().as_secs_f64()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            file,
            rules,
            trusted_keys,
            dry_run,
            allow_rejected,
        } => import(global, &file, rules, &trusted_keys, dry_run, allow_rejected).await,
    }
}

/// The trusted keys: `[detection] trusted_pack_keys`, then the `--trusted-key` arguments.
fn trusted(config: &VigieConfig, arguments: &[String]) -> anyhow::Result<Vec<PublicKey>> {
    let mut keys = Vec::new();
    for (i, text) in config.detection.trusted_pack_keys.iter().enumerate() {
        keys.push(
            PublicKey::parse(text)
                .with_context(|| format!("[detection] trusted_pack_keys[{i}]"))?,
        );
    }
    for argument in arguments {
        keys.push(PublicKey::from_argument(argument)?);
    }
    Ok(keys)
}

/// `sigma-rule 12, ioc-set 1`: the files of each kind.
fn kinds(manifest: &Manifest) -> String {
    let mut counts: std::collections::BTreeMap<Kind, usize> = std::collections::BTreeMap::new();
    for file in &manifest.files {
        *counts.entry(file.kind).or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, n)| format!("{} {n}", k.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `vigie pack import`.
async fn import(
    global: &super::Global,
    file: &Path,
    rules: Option<PathBuf>,
    trusted_keys: &[String],
    dry_run: bool,
    allow_rejected: bool,
) -> anyhow::Result<ExitCode> {
    let config = global.load_config()?;
    let rules = match rules {
        Some(dir) => dir,
        None => config.detection.rules_dir.clone().context(
            "no rules directory: give --rules DIR, or a configuration with [detection] rules_dir",
        )?,
    };
    anyhow::ensure!(
        std::fs::metadata(&rules).is_ok_and(|m| m.is_dir()),
        "the rules directory {} is not a directory",
        rules.display()
    );
    let trusted = trusted(&config, trusted_keys)?;
    // Verified first: nothing is read into the engines or written before this holds.
    let pack = Pack::read(file)?;
    let verified = pack.verify(&trusted)?;
    let manifest = &verified.manifest;
    outln!(
        "verified {} {} ({} file(s): {}), signed by trusted key {}",
        manifest.name,
        manifest.version,
        manifest.files.len(),
        kinds(manifest),
        verified.signer.id()
    );
    // The state: tenant names for filters and IOC sets, and the audit log. A dry run does
    // not create a state database that is not there.
    let state_present = config.cluster.postgres.is_some()
        || std::fs::metadata(config.data_dir.join("state.sqlite")).is_ok();
    let store = if dry_run && !state_present {
        None
    } else {
        Some(super::open_state(&config).await?)
    };
    let tenants: Option<HashMap<String, TenantId>> = match &store {
        Some(store) => Some(
            store
                .list_tenants(&vigie_access::Access::new(store.clone()).operator_scope())
                .await?
                .into_iter()
                .map(|t| (t.slug.to_string(), t.id))
                .collect(),
        ),
        None => None,
    };
    let check = check_content(&pack, manifest, &config, tenants.as_ref())?;
    outln!("checked  {}", check.summary);
    for line in check.errors.iter().take(SHOWN) {
        outln!("rejected {line}");
    }
    for line in check.warnings.iter().take(SHOWN) {
        outln!("warning  {line}");
    }
    let hidden =
        check.errors.len().saturating_sub(SHOWN) + check.warnings.len().saturating_sub(SHOWN);
    if hidden > 0 {
        outln!("         ... {hidden} more (see `vigie rules check` once imported)");
    }
    let refused = (!check.errors.is_empty() && !allow_rejected).then(|| {
        format!(
            "the engines reject {} item(s) of {} (above); fix the pack, or import it with \
             --allow-rejected",
            check.errors.len(),
            file.display()
        )
    });
    if let Some(reason) = &refused
        && !dry_run
    {
        bail!("not imported: {reason}");
    }
    // Under the lock, so no other import changes what is compared.
    let lock = if dry_run {
        None
    } else {
        Some(install::lock(&rules)?)
    };
    let current = install::current(&rules, &manifest.name)?;
    let changes = install::changes(&current, manifest);
    match &current.target {
        Some(_) => outln!(
            "changes  against the installed version {}:",
            current.version.as_deref().unwrap_or("(unknown)")
        ),
        None => outln!("changes  (the pack is not installed yet):"),
    }
    for path in &changes.added {
        outln!("added    {path}");
    }
    for path in &changes.changed {
        outln!("changed  {path}");
    }
    for path in &changes.removed {
        outln!("removed  {path}");
    }
    outln!(
        "         {} added, {} changed, {} removed, {} unchanged",
        changes.added.len(),
        changes.changed.len(),
        changes.removed.len(),
        changes.unchanged
    );
    if dry_run {
        outln!("dry run: nothing written");
        if let Some(reason) = refused {
            bail!("the import would be refused: {reason}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let store = store.context("the state database is not open")?;
    let installed = install::install(&rules, &pack, &verified, &current)?;
    let record = AuditRecord::new(
        vigie_access::Actor::operator().0,
        None,
        "pack.import",
        format!("pack:{}", manifest.name),
        serde_json::json!({
            "name": manifest.name,
            "version": manifest.version,
            "previous_version": current.version,
            "created": manifest.created,
            "sha256": pack.sha256,
            "signer_key_id": verified.signer.id(),
            "signer_key": verified.signer.to_string(),
            "files": manifest.files.len(),
            "added": changes.added.len(),
            "changed": changes.changed.len(),
            "removed": changes.removed.len(),
            "allow_rejected": allow_rejected && !check.errors.is_empty(),
        }),
    );
    if let Err(error) = store.audit(&record).await {
        let undone = match installed.undo() {
            Ok(()) => "the previous content is back in force".to_owned(),
            Err(undo) => format!("and putting the previous content back failed too: {undo:#}"),
        };
        bail!("the import could not be recorded in the audit log ({error}): {undone}");
    }
    for problem in installed.finish() {
        eprintln!("warning: {problem}");
    }
    drop(lock);
    outln!(
        "imported {} {} into {}: in force at the server's next rules reload \
         ([detection] reload_seconds)",
        manifest.name,
        manifest.version,
        install::link_path(&rules, &manifest.name).display()
    );
    Ok(ExitCode::SUCCESS)
}

/// What the engines said of a pack's content.
struct ContentCheck {
    /// What loaded.
    summary: String,
    /// What they reject (a file, a document, a set), named.
    errors: Vec<String>,
    /// What loads with a warning or is not loaded where it is.
    warnings: Vec<String>,
}

/// Loads the content of a verified pack with the engines the server uses, as it would be
/// read once installed (`packs/<name>/...`): Sigma rules and correlations through the
/// configured pipelines (a correlation must name rules of its own pack), tenant filters,
/// pySigma pipelines, IOC sets. `tenants` (slug → id), when known, tells filter and IOC
/// folders naming no tenant (a warning: they load once the tenant is added).
fn check_content(
    pack: &Pack,
    manifest: &Manifest,
    config: &VigieConfig,
    tenants: Option<&HashMap<String, TenantId>>,
) -> anyhow::Result<ContentCheck> {
    let shown = |path: &str| PathBuf::from(format!("packs/{}/{path}", manifest.name));
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut rules =
        super::rules::rule_set(super::rules::read_pipelines(&config.detection.pipelines)?);
    let mut report = LoadReport::default();
    let mut texts: Vec<(PathBuf, String)> = Vec::new();
    let mut intel = Intel::new();
    let mut refused = Vec::new();
    let mut pipelines = 0;
    // Each tenant folder gets an id: the tenant's when known, else one of its own.
    let mut slugs: HashMap<String, TenantId> = HashMap::new();
    let mut tenant_of = |slug: &str,
                         origin: &Path,
                         errors: &mut Vec<String>,
                         warnings: &mut Vec<String>|
     -> Option<TenantId> {
        if let Err(e) = TenantSlug::new(slug) {
            errors.push(format!("{}: folder `{slug}`: {e}", origin.display()));
            return None;
        }
        if let Some(tenants) = tenants
            && !tenants.contains_key(slug)
        {
            warnings.push(format!(
                "{}: no tenant `{slug}` here: not in force until `vigie tenant add {slug}`",
                origin.display()
            ));
        }
        let next = TenantId(-(slugs.len() as i64) - 1);
        Some(
            *slugs
                .entry(slug.to_owned())
                .or_insert_with(|| tenants.and_then(|t| t.get(slug).copied()).unwrap_or(next)),
        )
    };
    let now = jiff::Timestamp::now();
    for file in &manifest.files {
        let Some(bytes) = pack.files.get(&file.path) else {
            bail!("{}: `{}` is missing", pack.label, file.path);
        };
        let origin = shown(&file.path);
        let parts: Vec<&str> = file.path.split('/').collect();
        let text = || {
            std::str::from_utf8(bytes)
                .map_err(|e| format!("{}: not UTF-8 text: {e}", origin.display()))
        };
        match file.kind {
            Kind::SigmaRule => match text() {
                Ok(text) => {
                    report.files += 1;
                    rules.add_yaml(text, &origin, &mut report);
                    texts.push((origin.clone(), text.to_owned()));
                }
                Err(e) => errors.push(e),
            },
            Kind::Filter => {
                if parts.len() < 3 {
                    warnings.push(format!(
                        "{}: not loaded: filters are read from {}/<tenant-slug>/",
                        origin.display(),
                        vigie_detect::FILTERS_DIR
                    ));
                    continue;
                }
                let Some(tenant) = tenant_of(parts[1], &origin, &mut errors, &mut warnings) else {
                    continue;
                };
                match text() {
                    Ok(text) => {
                        report.files += 1;
                        rules.add_tenant_filters(tenant, text, &origin, &mut report);
                    }
                    Err(e) => errors.push(e),
                }
            }
            Kind::Pipeline => match text() {
                Ok(text) => match vigie_detect::Pipeline::from_yaml(text, &origin) {
                    Ok(_) => pipelines += 1,
                    Err(e) => errors.push(e),
                },
                Err(e) => errors.push(e),
            },
            Kind::IocSet => {
                let tenant = match parts.len() {
                    2 => None,
                    3 => match tenant_of(parts[1], &origin, &mut errors, &mut warnings) {
                        Some(tenant) => Some(tenant),
                        None => continue,
                    },
                    _ => {
                        warnings.push(format!(
                            "{}: not loaded: IOC sets are read from {INTEL_DIR}/ and \
                             {INTEL_DIR}/<tenant-slug>/",
                            origin.display()
                        ));
                        continue;
                    }
                };
                match vigie_detect::intel::parse_set(bytes, &origin) {
                    Ok(set) => intel.add(&set, tenant, &origin, now, &mut refused),
                    Err(e) => errors.push(e.to_string()),
                }
            }
            Kind::Taxonomy | Kind::Other => {}
        }
    }
    report
        .rejected
        .retain(|r| !super::rules::is_correlation_rejection(r));
    errors.extend(report.rejected.iter().map(ToString::to_string));
    let known: std::collections::HashSet<String> =
        rules.rules().iter().map(|r| r.meta.id.clone()).collect();
    let (correlations, rejected, _) = vigie_detect::correlation::from_texts(
        &texts,
        &known,
        config.detection.correlation.limits(),
    );
    errors.extend(rejected.iter().map(ToString::to_string));
    for refused in &refused {
        warnings.push(format!(
            "{} indicator {} {:?}: {} (the rest of the set loads)",
            refused.path.display(),
            refused.position,
            refused.value,
            refused.reason
        ));
    }
    let summary = format!(
        "{} Sigma rule(s), {} correlation(s), {} tenant filter(s), {} pipeline(s), {} IOC \
         set(s) with {} indicator(s) load; {} rejected, {} rule warning(s) (`vigie rules \
         check` names them)",
        report.loaded.len(),
        correlations.len(),
        report.filters.len(),
        pipelines,
        intel.sets().len(),
        intel.len(),
        errors.len(),
        report.warnings.len()
    );
    Ok(ContentCheck {
        summary,
        errors,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commands_are_well_formed_under_the_binary_s_flags() {
        /// As `vigie` declares its commands (`--version` propagated to each).
        #[derive(clap::Parser)]
        #[command(name = "vigie", version, propagate_version = true)]
        struct Cli {
            #[command(subcommand)]
            command: Command,
        }
        <Cli as clap::CommandFactory>::command().debug_assert();
        let cli = <Cli as clap::Parser>::try_parse_from([
            "vigie",
            "build",
            "dir",
            "--name",
            "n",
            "--version",
            "1.0",
            "--out",
            "f",
        ]);
        assert!(cli.is_ok());
    }
}
