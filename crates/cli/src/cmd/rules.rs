//! `vigie rules check DIR`: loads every rule file and reports each one loaded (with its
//! warnings) or rejected. `vigie rules lint PATH...`: the Sigma specification's checks
//! (`vigie_detect::lint`) and the logsources no source feeds. `vigie rules test RULE... --events FILE...`: runs rules over event
//! files and shows which events each rule matched and why. Both take `--pipeline FILE`
//! (pySigma processing pipelines, as `[detection] pipelines` gives the server).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use serde_json::{Map, Value};
use vigie_detect::{LoadReport, Mapping, Pipeline, RuleSet};
use vigie_event::{Event, TenantId};
use vigie_soc::{RuleAudience, RuleStatus};

/// The tenant the events of `vigie rules test` belong to (`--tenant` loads its filters).
const TEST_TENANT: TenantId = TenantId(0);

/// Decoded event files larger than this are refused.
const MAX_EVENTS_FILE: u64 = 4 << 30;

/// Output format of `vigie rules test`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Format {
    /// Lines for a person.
    Human,
    /// One JSON document, for scripts and CI.
    Json,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Load every rule under DIR and print each rejected rule with its reason; exits
    /// non-zero if any rule is rejected.
    Check {
        /// Directory of Sigma rules (searched recursively for .yml/.yaml).
        dir: PathBuf,
        /// Also list every loaded rule.
        #[arg(long)]
        verbose: bool,
        /// A pySigma processing pipeline (YAML) to put every rule and filter through, as
        /// `[detection] pipelines` does on the server; repeat for several (lowest
        /// `priority` first, then in the order given).
        #[arg(long = "pipeline", value_name = "FILE")]
        pipelines: Vec<PathBuf>,
    },
    /// Run rules over event files: each event a rule matches, with the search identifiers
    /// that were true. Events are routed and fields mapped as on the live stream.
    Test {
        /// Rule files or directories.
        #[arg(required = true)]
        rules: Vec<PathBuf>,
        /// Event files: `.evtx`, JSON Lines, gzip JSON Lines (`.gz`), or the JSON form of
        /// EVTX records (`{"Event": {"System": ..., "EventData": ...}}`, one after another).
        #[arg(long, required = true, num_args = 1..)]
        events: Vec<PathBuf>,
        /// Also show, for each event a rule runs on but did not match, which search
        /// identifiers were true and false.
        #[arg(long)]
        explain: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Apply this tenant's Sigma filters, from `filters/SLUG/` in each rule directory
        /// given: an event they exclude is listed as filtered, not matched.
        #[arg(long, value_name = "SLUG")]
        tenant: Option<String>,
        /// The source type of the events (`linux.auditd`, `aws.cloudtrail`, ...), where
        /// their content does not say it: each is read by that type's parser first, as the
        /// live stream reads it.
        #[arg(long, value_parser = super::parse_source_type)]
        source_type: Option<vigie_parse::SourceType>,
        /// A pySigma processing pipeline (YAML) to put every rule and filter through, as
        /// `[detection] pipelines` does on the server; repeat for several.
        #[arg(long = "pipeline", value_name = "FILE")]
        pipelines: Vec<PathBuf>,
    },
    /// Lint Sigma rule files against the Sigma specification (required fields, id, status,
    /// level, dates, tags, modifiers and their values, condition references, duplicate ids,
    /// deprecated forms, correlations, filters) and report rules whose logsource no source
    /// vigie reads feeds. Exits 1 when an error is found (or a warning, with --strict).
    Lint {
        /// Rule files or directories (searched recursively for .yml/.yaml).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Exit non-zero on warnings too.
        #[arg(long)]
        strict: bool,
    },
    /// Cluster mode: check DIR as `check` does, then put it in force on every detection
    /// node (they reload within seconds, without a restart). Refused when a rule is
    /// rejected, unless --force.
    Publish {
        /// Directory of Sigma rules, correlations and `filters/SLUG/`.
        dir: PathBuf,
        /// Publish even with rejected rules (they stay rejected on the nodes).
        #[arg(long)]
        force: bool,
    },
}

pub(crate) async fn run(global: &super::Global, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Check {
            dir,
            verbose,
            pipelines,
        } => Ok(if check_dir(&dir, verbose, &pipelines)? {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }),
        Command::Test {
            rules,
            events,
            explain,
            format,
            tenant,
            source_type,
            pipelines,
        } => run_test(
            &rules,
            &events,
            explain,
            format,
            tenant.as_deref(),
            source_type.as_ref(),
            &pipelines,
        ),
        Command::Lint {
            paths,
            format,
            strict,
        } => lint(&paths, format, strict),
        Command::Publish { dir, force } => {
            let nats = super::cluster::nats_config(global)?;
            // The nodes apply their own `[detection] pipelines` to the bundle.
            let clean = check_dir(&dir, false, &[])?;
            if !clean && !force {
                anyhow::bail!(
                    "not published: rules under {} are rejected (see above); fix them or use --force",
                    dir.display()
                );
            }
            let bundle = vigie_nats::rules::RuleBundle::from_dir(&dir)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let client = vigie_nats::connect(&nats, "vigie-cli").await?;
            vigie_nats::rules::publish(&client, &nats, &bundle).await?;
            outln!(
                "published {} file(s) from {} as version {} ({})",
                bundle.files.len(),
                dir.display(),
                bundle.version,
                bundle.published_at
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `vigie rules lint`: the specification's checks on every file, then, on the rules that
/// load, whether some source vigie reads feeds their logsource.
fn lint(paths: &[PathBuf], format: Format, strict: bool) -> anyhow::Result<ExitCode> {
    use vigie_detect::lint::{Finding, Severity, lint_set};
    let files = rule_texts(paths)?;
    let mut findings = lint_set(&files);
    // Rules that load but run on no source vigie reads (their logsource names no mapping).
    let mut set = rule_set(Vec::new());
    let mut report = LoadReport::default();
    for (path, text) in &files {
        set.add_yaml(text, path, &mut report);
    }
    for warning in report.warnings.iter().filter(|w| w.is_dormant()) {
        findings.push(Finding {
            path: warning.path.clone().unwrap_or_default(),
            document: 0,
            rule_id: Some(warning.rule_id.clone()),
            severity: Severity::Warning,
            check: "logsource-not-fed",
            message: warning.message.clone(),
        });
    }
    findings.sort_by(|a, b| (&a.path, a.document).cmp(&(&b.path, b.document)));
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    match format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "files": files.len(),
                "errors": errors,
                "warnings": warnings,
                "findings": findings,
            }))?
        ),
        Format::Human => {
            for finding in &findings {
                outln!("{finding}");
            }
            outln!(
                "{} file(s): {errors} error(s), {warnings} warning(s)",
                files.len()
            );
        }
    }
    Ok(if errors > 0 || (strict && warnings > 0) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Reads pySigma processing pipeline files; an unreadable or refused file is an error
/// naming it and the problem.
pub(crate) fn read_pipelines(paths: &[PathBuf]) -> anyhow::Result<Vec<Pipeline>> {
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read pipeline {}", path.display()))?;
            Pipeline::from_yaml(&text, path).map_err(|e| anyhow::anyhow!("{e}"))
        })
        .collect()
}

/// An empty rule set with the shipped mapping whose rules and filters go through
/// `pipelines`.
pub(crate) fn rule_set(pipelines: Vec<Pipeline>) -> RuleSet {
    RuleSet::with_pipelines(std::sync::Arc::new(Mapping::shipped()), pipelines)
}

/// Prints the pipelines a set applies, in the order they apply.
fn print_pipelines(rules: &RuleSet) {
    for pipeline in rules.pipelines() {
        outln!(
            "pipeline {} (priority {}, {} transformation(s))",
            pipeline.label(),
            pipeline.priority(),
            pipeline.transformation_count()
        );
    }
}

/// `vigie rules check`: loads every rule, filter and correlation under `dir`, each put
/// through `pipelines`, and prints the report. Whether nothing was rejected.
fn check_dir(dir: &std::path::Path, verbose: bool, pipelines: &[PathBuf]) -> anyhow::Result<bool> {
    {
        {
            let mut rules = rule_set(read_pipelines(pipelines)?);
            let mut report = LoadReport::default();
            rules.add_dir(dir, &mut report)?;
            print_pipelines(&rules);
            report.rejected.retain(|r| !is_correlation_rejection(r));
            // No tenant database here: each filter folder stands for its slug.
            let mut slugs: Vec<String> = Vec::new();
            load_tenant_filters(&mut rules, &mut report, dir, &mut |slug| {
                let at = slugs.iter().position(|s| s == slug).unwrap_or_else(|| {
                    slugs.push(slug.to_owned());
                    slugs.len() - 1
                });
                Some(TenantId(at as i64 + 1))
            });
            print_report(&report, verbose);
            let (correlations, rejected) = load_correlations(
                dir,
                &rules,
                vigie_detect::correlation::CorrelationLimits::default(),
            );
            for rejection in &rejected {
                outln!("rejected {rejection}");
            }
            if verbose {
                for rule in correlations.rules() {
                    outln!(
                        "loaded   correlation {} [{}] {}",
                        rule.id,
                        rule.level,
                        rule.title
                    );
                }
            }
            outln!(
                "{} correlation rule(s) loaded, {} rejected",
                correlations.len(),
                rejected.len()
            );
            Ok(report.rejected.is_empty() && rejected.is_empty())
        }
    }
}

/// Prints a load report: one line per rejection, then the totals.
pub(crate) fn print_report(report: &LoadReport, verbose: bool) {
    if verbose {
        for rule in &report.loaded {
            let path = rule
                .path
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            outln!(
                "loaded   {path}: {} [{}] {}",
                rule.id,
                rule.level,
                rule.title
            );
        }
    }
    for filter in &report.filters {
        let path = filter
            .path
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        outln!(
            "filter   {path}: {} {} (tunes {})",
            filter.id,
            filter.title,
            filter.rules.join(", ")
        );
    }
    for warning in &report.warnings {
        outln!("warning  {warning}");
    }
    for rejection in &report.rejected {
        outln!("rejected {rejection}");
    }
    let dormant = report.warnings.iter().filter(|w| w.is_dormant()).count();
    outln!(
        "{} file(s): {} rule(s) loaded, {} rejected, {} loaded with warnings ({} dormant: no \
         source feeds them), {} tenant filter(s)",
        report.files,
        report.loaded.len(),
        report.rejected.len(),
        report.warnings.len(),
        dormant,
        report.filters.len()
    );
}

/// Loads the Sigma filters of `<dir>/filters/<tenant-slug>/` and of each installed pack's
/// `packs/<name>/filters/<tenant-slug>/` (every `.yml`/`.yaml` below, in path order) into
/// `rules` for the tenant `tenant_of` gives for the slug. Files of a folder naming no
/// tenant, and unreadable files, are rejections in `report`.
pub(crate) fn load_tenant_filters(
    rules: &mut RuleSet,
    report: &mut LoadReport,
    dir: &Path,
    tenant_of: &mut dyn FnMut(&str) -> Option<TenantId>,
) {
    let roots = std::iter::once(dir.to_path_buf()).chain(
        vigie_detect::packs::installed(dir)
            .into_iter()
            .map(|(_, pack)| pack),
    );
    let mut folders: Vec<PathBuf> = Vec::new();
    for root in roots {
        let Ok(entries) = std::fs::read_dir(root.join(vigie_detect::FILTERS_DIR)) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .filter(|e| !vigie_detect::packs::is_hidden(&e.file_name()))
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        found.sort();
        folders.extend(found);
    }
    for folder in folders {
        let slug = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tenant = tenant_of(&slug);
        load_filter_folder(rules, report, dir, &folder, &slug, tenant);
    }
}

/// Loads the filter files of one tenant's folder (`tenant`: `None` when the slug names no
/// tenant, which rejects each file).
fn load_filter_folder(
    rules: &mut RuleSet,
    report: &mut LoadReport,
    dir: &Path,
    folder: &Path,
    slug: &str,
    tenant: Option<TenantId>,
) {
    let mut files = Vec::new();
    yaml_files(folder, &mut files);
    files.sort();
    for file in files {
        let relative = file.strip_prefix(dir).unwrap_or(&file).to_path_buf();
        report.files += 1;
        let reject = |reason: String| vigie_detect::Rejection {
            path: relative.clone(),
            document: 0,
            rule_id: None,
            title: None,
            reason,
        };
        let Some(tenant) = tenant else {
            report.rejected.push(reject(format!(
                "filter folder `{slug}` names no tenant (create it with `vigie tenant add \
                 {slug}` or rename the folder)"
            )));
            continue;
        };
        match std::fs::read_to_string(&file) {
            Ok(text) => rules.add_tenant_filters(tenant, &text, &relative, report),
            Err(error) => report
                .rejected
                .push(reject(format!("cannot read file: {error}"))),
        }
    }
}

/// Loads the filters of tenant `slug` from `filters/SLUG/` in each rule directory (and in
/// each pack installed there), for
/// events read from files (they belong to tenant 0, as `rules test` and `scan` read them);
/// an error when no directory has such a folder.
pub(crate) fn load_test_filters(
    set: &mut RuleSet,
    report: &mut LoadReport,
    rule_paths: &[PathBuf],
    slug: &str,
) -> anyhow::Result<()> {
    let mut found = false;
    for dir in rule_paths {
        let roots = std::iter::once(dir.clone()).chain(
            vigie_detect::packs::installed(dir)
                .into_iter()
                .map(|(_, pack)| pack),
        );
        for root in roots {
            let folder = root.join(vigie_detect::FILTERS_DIR).join(slug);
            if std::fs::metadata(&folder).is_ok_and(|m| m.is_dir()) {
                found = true;
                load_filter_folder(set, report, dir, &folder, slug, Some(TEST_TENANT));
            }
        }
    }
    anyhow::ensure!(
        found,
        "no filters for tenant `{slug}`: none of the rule directories given has a {}/{slug}/ folder",
        vigie_detect::FILTERS_DIR
    );
    Ok(())
}

/// Every `.yml`/`.yaml` file under `dir`, recursively, without hidden entries.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if vigie_detect::packs::is_hidden(&entry.file_name()) {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("yml") || e.eq_ignore_ascii_case("yaml"))
        {
            out.push(path);
        }
    }
}

/// Loads the correlation rules of `dir`, resolving their references against `rules`.
pub(crate) fn load_correlations(
    dir: &std::path::Path,
    rules: &RuleSet,
    limits: vigie_detect::correlation::CorrelationLimits,
) -> (
    vigie_detect::correlation::CorrelationSet,
    Vec<vigie_detect::correlation::CorrelationRejection>,
) {
    let known: std::collections::HashSet<String> =
        rules.rules().iter().map(|r| r.meta.id.clone()).collect();
    let (set, rejected, _found) = vigie_detect::correlation::load_dir(dir, &known, limits);
    (set, rejected)
}

/// The rule status the server records (`GET /api/v1/rules`, the detection page): every rule
/// document loaded or rejected, every tenant filter, every correlation rule. Files are named
/// relative to the rules directory `dir`, which is also cut from the reasons, so no server
/// path reaches a reader; each tenant's filters (and rejections under `filters/<slug>/`)
/// belong to that tenant, and a folder naming no tenant to the platform only.
pub(crate) fn rule_statuses(
    dir: &Path,
    report: &LoadReport,
    correlations: &vigie_detect::correlation::CorrelationSet,
    correlation_rejections: &[vigie_detect::correlation::CorrelationRejection],
    tenant_of: &dyn Fn(&str) -> Option<TenantId>,
) -> Vec<RuleStatus> {
    // The rule and filter loaders name files relative to the rules directory already. Below
    // it: the rest of the path; the directory itself (a single rule file given as the
    // directory) or any other absolute path: the file name alone.
    let below = |path: &Path| -> String {
        match path.strip_prefix(dir) {
            Ok(rest) if !rest.as_os_str().is_empty() => rest.display().to_string(),
            _ => path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    };
    let relative = |path: &Path| -> String {
        if path.is_relative() {
            path.display().to_string()
        } else {
            below(path)
        }
    };
    let absolute = dir.is_absolute().then(|| dir.display().to_string());
    let reason = |text: &str| match &absolute {
        Some(dir) => text
            .replace(&format!("{dir}{}", std::path::MAIN_SEPARATOR), "")
            .replace(dir.as_str(), "."),
        None => text.to_owned(),
    };
    // A rejection under `filters/<slug>/` or `packs/<name>/filters/<slug>/` (relative to
    // the rules directory) belongs to that slug's tenant.
    let audience_of = |relative: &str| -> RuleAudience {
        let mut parts = Path::new(relative).components().peekable();
        if parts
            .peek()
            .is_some_and(|p| p.as_os_str() == vigie_detect::packs::PACKS_DIR)
        {
            parts.next();
            parts.next();
        }
        match (parts.next(), parts.next()) {
            (Some(first), Some(slug)) if first.as_os_str() == vigie_detect::FILTERS_DIR => {
                match tenant_of(&slug.as_os_str().to_string_lossy()) {
                    Some(tenant) => RuleAudience::Tenant(tenant),
                    None => RuleAudience::Platform,
                }
            }
            _ => RuleAudience::Everyone,
        }
    };
    // A loaded rule that no source feeds says so (`dormant: ...`, `never runs: ...`).
    let dormant: std::collections::HashMap<&str, &str> = report
        .warnings
        .iter()
        .filter(|w| w.is_dormant())
        .map(|w| (w.rule_id.as_str(), w.message.as_str()))
        .collect();
    let mut statuses: Vec<RuleStatus> = report
        .loaded
        .iter()
        .map(|meta| RuleStatus {
            path: meta.path.as_deref().map(relative).unwrap_or_default(),
            audience: RuleAudience::Everyone,
            rule_id: Some(meta.id.clone()),
            title: Some(meta.title.clone()),
            severity: Some(meta.level),
            loaded: true,
            reason: dormant.get(meta.id.as_str()).map(|m| reason(m)),
        })
        .collect();
    statuses.extend(report.filters.iter().map(|filter| RuleStatus {
        path: filter.path.as_deref().map(relative).unwrap_or_default(),
        audience: RuleAudience::Tenant(filter.tenant),
        rule_id: Some(filter.id.clone()),
        title: Some(filter.title.clone()),
        severity: None,
        loaded: true,
        reason: Some(format!("filter of rules {}", filter.rules.join(", "))),
    }));
    statuses.extend(report.rejected.iter().map(|r| {
        let path = relative(&r.path);
        RuleStatus {
            audience: audience_of(&path),
            path,
            rule_id: r.rule_id.clone(),
            title: r.title.clone(),
            severity: None,
            loaded: false,
            reason: Some(reason(&r.reason)),
        }
    }));
    for rule in correlations.rules() {
        statuses.push(RuleStatus {
            // The correlation loader names files below the rules directory.
            path: rule.path.as_deref().map(below).unwrap_or_default(),
            audience: RuleAudience::Everyone,
            rule_id: Some(rule.id.clone()),
            title: Some(rule.title.clone()),
            severity: Some(rule.level),
            loaded: true,
            reason: None,
        });
    }
    statuses.extend(correlation_rejections.iter().map(|r| {
        let path = below(&r.path);
        RuleStatus {
            audience: audience_of(&path),
            path,
            rule_id: None,
            title: r.title.clone(),
            severity: None,
            loaded: false,
            reason: Some(reason(&r.reason)),
        }
    }));
    statuses
}

/// Whether the base loader set a document aside because it is a correlation rule (the
/// correlation loader reports on those documents itself).
pub(crate) fn is_correlation_rejection(rejection: &vigie_detect::Rejection) -> bool {
    rejection.reason.starts_with("correlation rule")
}

/// One event of an input file and where it came from.
struct Input {
    file: PathBuf,
    /// 1-based position of the event in its file.
    number: usize,
    event: Event,
}

/// Reads events: JSON Lines, gzip, or concatenated EVTX-record JSON; each read by the parser
/// of `source_type` or of the type its content shows, as the intake reads it.
fn read_events(
    paths: &[PathBuf],
    source_type: Option<&vigie_parse::SourceType>,
) -> anyhow::Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for path in paths {
        if vigie_ingest::file::FileKind::of(path) == Some(vigie_ingest::file::FileKind::Evtx) {
            read_evtx(path, &mut inputs)?;
            continue;
        }
        let raw = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let bytes = if path.extension().is_some_and(|e| e == "gz") {
            vigie_ingest::decode::gunzip_capped(&raw, MAX_EVENTS_FILE)
                .with_context(|| format!("cannot decompress {}", path.display()))?
        } else {
            raw
        };
        let stream = serde_json::Deserializer::from_slice(&bytes).into_iter::<Value>();
        // The records of one audit event, joined by serial as the intake joins them.
        let mut join = vigie_parse::auditd_join::Join::new();
        for (index, value) in stream.enumerate() {
            let number = index + 1;
            let value =
                value.with_context(|| format!("{}: event {number} is not JSON", path.display()))?;
            let Value::Object(fields) = flatten_evtx(value) else {
                anyhow::bail!("{}: event {number} is not a JSON object", path.display());
            };
            let input = Input {
                file: path.clone(),
                number,
                event: vigie_ingest::record::parse_event(
                    Event::new(TEST_TENANT, jiff::Timestamp::now(), "rules-test", fields),
                    source_type,
                ),
            };
            join.push(input, &mut inputs);
        }
        join.flush(&mut inputs);
    }
    Ok(inputs)
}

/// Reads an `.evtx` file with the import reader (the records `vigie import` makes of it).
fn read_evtx(path: &Path, inputs: &mut Vec<Input>) -> anyhow::Result<()> {
    let options = vigie_ingest::file::ReadOptions {
        tenant: TEST_TENANT,
        received_at: jiff::Timestamp::now(),
        max_line_bytes: 16 << 20,
        chunk_events: 1000,
        max_decoded_bytes: None,
        source_type: None,
    };
    let mut problems = Vec::new();
    let mut number = 0;
    vigie_ingest::file::read_each(
        path,
        vigie_ingest::file::FileKind::Evtx,
        &options,
        &mut |chunk| {
            problems.extend(chunk.batch.rejected.iter().map(|r| r.detail.clone()));
            for event in chunk.batch.events {
                number += 1;
                inputs.push(Input {
                    file: path.to_owned(),
                    number,
                    event,
                });
            }
            true
        },
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    anyhow::ensure!(
        problems.is_empty(),
        "{}: {}",
        path.display(),
        problems.join("; ")
    );
    Ok(())
}

impl vigie_parse::auditd_join::Fields for Input {
    fn fields(&self) -> Option<&Map<String, Value>> {
        Some(&self.event.fields)
    }

    fn fields_mut(&mut self) -> Option<&mut Map<String, Value>> {
        Some(&mut self.event.fields)
    }
}

/// An EVTX record in JSON (`Event.System`, `Event.EventData`/`UserData`) becomes the flat
/// native Windows shape rules use; anything else is returned unchanged.
fn flatten_evtx(value: Value) -> Value {
    let Some(record) = value.get("Event").filter(|e| e.get("System").is_some()) else {
        return value;
    };
    let mut fields = Map::new();
    let system = &record["System"];
    for key in ["EventID", "Channel", "Computer"] {
        let mut field = system[key].clone();
        // `<EventID Qualifiers="…">4624</EventID>` renders as an object.
        if let Some(inner) = field.get("#text") {
            field = inner.clone();
        }
        if !field.is_null() {
            fields.insert(key.to_owned(), field);
        }
    }
    let provider = &system["Provider"]["#attributes"]["Name"];
    if !provider.is_null() {
        fields.insert("Provider_Name".to_owned(), provider.clone());
    }
    for section in ["EventData", "UserData"] {
        if let Some(Value::Object(data)) = record.get(section) {
            for (key, value) in data {
                match value {
                    // UserData wraps its fields in one more element.
                    Value::Object(inner) if section == "UserData" => {
                        for (k, v) in inner {
                            fields.insert(k.clone(), v.clone());
                        }
                    }
                    _ => {
                        fields.insert(key.clone(), value.clone());
                    }
                }
            }
        }
    }
    Value::Object(fields)
}

/// Loads rule files and directories into one set, each rule put through `pipelines`.
pub(crate) fn load_paths(
    paths: &[PathBuf],
    pipelines: &[PathBuf],
) -> anyhow::Result<(RuleSet, LoadReport)> {
    let mut set = rule_set(read_pipelines(pipelines)?);
    let mut report = LoadReport::default();
    for path in paths {
        let meta = std::fs::metadata(path)
            .with_context(|| format!("cannot read rule path {}", path.display()))?;
        if meta.is_dir() {
            set.add_dir(path, &mut report)?;
        } else {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read rule file {}", path.display()))?;
            report.files += 1;
            set.add_yaml(&text, path, &mut report);
        }
    }
    Ok((set, report))
}

/// `vigie rules test`.
fn run_test(
    rules: &[PathBuf],
    events: &[PathBuf],
    explain: bool,
    format: Format,
    tenant: Option<&str>,
    source_type: Option<&vigie_parse::SourceType>,
    pipelines: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    let (mut set, mut report) = load_paths(rules, pipelines)?;
    report.rejected.retain(|r| !is_correlation_rejection(r));
    if let Some(slug) = tenant {
        load_test_filters(&mut set, &mut report, rules, slug)?;
    }
    let inputs = read_events(events, source_type)?;
    let place = |input: &Input| format!("{}#{}", input.file.display(), input.number);
    let mut results = Vec::new();
    for (index, rule) in set.rules().iter().enumerate() {
        let mut matched = Vec::new();
        let mut filtered = Vec::new();
        let mut explained = Vec::new();
        for input in &inputs {
            let Some(why) = set.explain(index, &input.event) else {
                continue;
            };
            let searches: BTreeMap<String, bool> = why.searches.iter().cloned().collect();
            let entry = serde_json::json!({
                "event": place(input),
                "route": why.route,
                "searches": searches,
            });
            if why.matched {
                matched.push(entry);
            } else if why.filtered {
                filtered.push(entry);
            } else if explain && why.route.is_some() {
                explained.push(entry);
            }
        }
        results.push(serde_json::json!({
            "id": rule.meta.id,
            "title": rule.meta.title,
            "path": rule.meta.path,
            "matches": matched.len(),
            "matched": matched,
            "filtered": filtered,
            "not_matched": explained,
        }));
    }
    let (correlations, correlation_rejections) = correlation_test(rules, &set, &inputs)?;
    let total: u64 = results
        .iter()
        .chain(&correlations)
        .map(|r| r["matches"].as_u64().unwrap_or(0))
        .sum();
    match format {
        Format::Json => {
            let document = serde_json::json!({
                "pipelines": set.pipelines().iter().map(Pipeline::label).collect::<Vec<_>>(),
                "events": inputs.len(),
                "rules_loaded": report.loaded.len(),
                "rejected": report.rejected,
                "warnings": report.warnings,
                "tenant": tenant,
                "filters": report.filters,
                "matches": total,
                "rules": results,
                "correlations": correlations,
                "correlation_rejected": correlation_rejections.iter().map(ToString::to_string).collect::<Vec<_>>(),
            });
            outln!("{}", serde_json::to_string_pretty(&document)?);
        }
        Format::Human => {
            print_pipelines(&set);
            for rejection in &report.rejected {
                outln!("rejected {rejection}");
            }
            for warning in &report.warnings {
                outln!("warning  {warning}");
            }
            if let Some(slug) = tenant {
                for filter in &report.filters {
                    outln!(
                        "filter   {} {} of tenant {slug} (tunes {})",
                        filter.id,
                        filter.title,
                        filter.rules.join(", ")
                    );
                }
            }
            for result in &results {
                outln!(
                    "{}: {} match(es) [{}]",
                    result["title"].as_str().unwrap_or_default(),
                    result["matches"],
                    result["id"].as_str().unwrap_or_default(),
                );
                for (label, key) in [
                    ("matched", "matched"),
                    ("filtered", "filtered"),
                    ("no match", "not_matched"),
                ] {
                    for hit in result[key].as_array().into_iter().flatten() {
                        let searches: Vec<String> = hit["searches"]
                            .as_object()
                            .into_iter()
                            .flatten()
                            .map(|(name, held)| format!("{name}={held}"))
                            .collect();
                        outln!(
                            "    {label:8} {} via {}: {}",
                            hit["event"].as_str().unwrap_or_default(),
                            hit["route"].as_str().unwrap_or_default(),
                            searches.join(" ")
                        );
                    }
                }
            }
            for rejection in &correlation_rejections {
                outln!("rejected {rejection}");
            }
            for result in &correlations {
                outln!(
                    "{}: {} window(s) fired [{} {}]",
                    result["title"].as_str().unwrap_or_default(),
                    result["matches"],
                    result["type"].as_str().unwrap_or_default(),
                    result["id"].as_str().unwrap_or_default(),
                );
                for hit in result["fired"].as_array().into_iter().flatten() {
                    outln!(
                        "    fired    group {} from {} to {}: measure {} ({} event(s): {})",
                        hit["group"],
                        hit["window_start"].as_str().unwrap_or_default(),
                        hit["window_end"].as_str().unwrap_or_default(),
                        hit["measure"],
                        hit["total_events"],
                        hit["events"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                }
            }
            outln!(
                "{} event(s), {} rule(s) loaded, {} rejected, {total} match(es)",
                inputs.len(),
                report.loaded.len(),
                report.rejected.len(),
            );
        }
    }
    Ok(
        if report.rejected.is_empty() && correlation_rejections.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}

/// Every `.yml`/`.yaml` file of the rule paths, read.
pub(crate) fn rule_texts(paths: &[PathBuf]) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let mut files = Vec::new();
    for path in paths {
        files.extend(
            vigie_detect::correlation::yaml_files(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        );
    }
    files
        .into_iter()
        .map(|f| {
            std::fs::read_to_string(&f)
                .map(|text| (f.clone(), text))
                .with_context(|| format!("cannot read rule file {}", f.display()))
        })
        .collect()
}

/// The event time of a test event: `@timestamp`, `UtcTime` (Sysmon, UTC) or `TimeCreated`
/// when present, else the file order (one millisecond apart) so windows follow the files.
fn event_time(event: &Event, index: usize) -> jiff::Timestamp {
    for field in ["@timestamp", "UtcTime", "TimeCreated", "timestamp"] {
        if let Some(Value::String(text)) = event.field(field) {
            if let Ok(ts) = text.parse::<jiff::Timestamp>() {
                return ts;
            }
            if let Ok(dt) = text.replace(' ', "T").parse::<jiff::civil::DateTime>()
                && let Ok(ts) = dt.to_zoned(jiff::tz::TimeZone::UTC)
            {
                return ts.timestamp();
            }
        }
    }
    jiff::Timestamp::UNIX_EPOCH
        .checked_add(jiff::SignedDuration::from_millis(index as i64))
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// Runs the correlation rules of the rule paths over the test events, in event-time order:
/// which windows fired, with their group, window, measure and contributing events.
fn correlation_test(
    paths: &[PathBuf],
    set: &RuleSet,
    inputs: &[Input],
) -> anyhow::Result<(
    Vec<Value>,
    Vec<vigie_detect::correlation::CorrelationRejection>,
)> {
    let known: std::collections::HashSet<String> =
        set.rules().iter().map(|r| r.meta.id.clone()).collect();
    let (correlations, rejected, _) = vigie_detect::correlation::from_texts(
        &rule_texts(paths)?,
        &known,
        vigie_detect::correlation::CorrelationLimits::default(),
    );
    if correlations.is_empty() {
        return Ok((Vec::new(), rejected));
    }
    let place: std::collections::HashMap<String, String> = inputs
        .iter()
        .map(|i| {
            (
                i.event.id.to_string(),
                format!("{}#{}", i.file.display(), i.number),
            )
        })
        .collect();
    let mut ordered: Vec<(jiff::Timestamp, &Input)> = inputs
        .iter()
        .enumerate()
        .map(|(index, input)| (event_time(&input.event, index), input))
        .collect();
    ordered.sort_by_key(|(time, _)| *time);
    let mut state = vigie_detect::correlation::CorrelationState::default();
    let mut hits = Vec::new();
    for (time, input) in ordered {
        let matched = set
            .evaluate(&input.event)
            .iter()
            .map(|r| r.meta.id.clone())
            .collect();
        let observation = vigie_detect::correlation::Observation::of(&input.event, time, matched);
        hits.extend(correlations.observe(&mut state, &observation));
    }
    hits.extend(correlations.finish(&mut state));
    let results = correlations
        .rules()
        .iter()
        .map(|rule| {
            let fired: Vec<Value> = hits
                .iter()
                .filter(|h| h.rule_id == rule.id)
                .map(|h| {
                    let group: Map<String, Value> = h
                        .group
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                        .collect();
                    serde_json::json!({
                        "group": group,
                        "window_start": h.window_start.to_string(),
                        "window_end": h.window_end.to_string(),
                        "measure": h.measure,
                        "value": h.value,
                        "total_events": h.total_events,
                        "events": h.events.iter().map(|id| place.get(id).cloned().unwrap_or_else(|| id.clone())).collect::<Vec<_>>(),
                    })
                })
                .collect();
            serde_json::json!({
                "id": rule.id,
                "title": rule.title,
                "type": rule.kind,
                "condition": rule.condition,
                "timespan_seconds": rule.timespan.as_secs(),
                "matches": fired.len(),
                "fired": fired,
            })
        })
        .collect();
    Ok((results, rejected))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Audit records in an events file are joined by serial, as the intake joins them: the
    /// EXECVE record carries its SYSCALL's executable, and every event keeps its number.
    #[test]
    fn audit_records_of_one_event_are_joined() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let lines = [
            r#"type=SYSCALL msg=audit(1492037291.036:59): syscall=59 success=yes pid=13393 comm="grep" exe="/usr/bin/grep""#,
            r#"type=EXECVE msg=audit(1492037291.036:59): argc=2 a0="grep" a1="mapping""#,
            "not an audit record",
        ];
        let text: Vec<String> = lines
            .iter()
            .map(|l| serde_json::json!({ "message": l }).to_string())
            .collect();
        std::fs::write(&path, text.join("\n")).unwrap();
        let inputs = read_events(&[path], None).unwrap();
        let numbers: Vec<usize> = inputs.iter().map(|i| i.number).collect();
        assert_eq!(numbers, [1, 2, 3]);
        let execve = &inputs[1].event;
        assert_eq!(execve.fields["a0"], "grep");
        assert_eq!(
            execve.fields["process"]["executable"],
            serde_json::json!("/usr/bin/grep")
        );
        assert_eq!(inputs[0].event.fields["auditd"]["records"], 2);
        assert!(inputs[2].event.fields.get("auditd").is_none());
    }
}
