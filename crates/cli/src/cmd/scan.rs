//! `vigie scan PATH... --rules DIR`: Sigma rules and correlations over files and
//! directories of events (`.evtx`, JSON Lines, gzip or not, text logs), on every core, with
//! the live stream's engine: files are read by the import reader (the same parsers, source
//! types, auditd join and time fields as `vigie import`), events are routed, mapped and
//! filtered by the same [`RuleSet`], and correlations run in event-time order over what the
//! rules matched. Out comes a timeline (CSV or JSON Lines, sorted by event time) and a
//! summary per rule and level; explanations (which search identifiers held) only for what
//! matched, and for the rules named with `--explain`.
//!
//! Threads: readers decode files (one file per reader at a time; an EVTX file's chunks are
//! decoded in parallel by the evtx crate), detection workers evaluate the chunks they hand
//! over, the calling thread merges. A closed output pipe (`vigie scan … | head`) ends the
//! scan quietly.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use jiff::Timestamp;
use serde_json::{Map, Value};
use vigie_detect::correlation::{CorrelationHit, CorrelationSet, CorrelationState, Observation};
use vigie_detect::{Level, LoadReport, Rule, RuleSet};
use vigie_event::{Event, TenantId};
use vigie_ingest::file::{FileKind, Piece, ReadOptions};

/// Events per chunk handed from a reader to a detection worker.
const CHUNK_EVENTS: usize = 2_000;

/// Longest JSONL line or text-log line read (longer ones are rejected and named).
const MAX_LINE_BYTES: usize = 16 << 20;

/// Characters of the `details` column at most.
const MAX_DETAILS: usize = 400;

/// Rejected lines and unreadable files named in the summary at most.
const EXAMPLES: usize = 20;

/// Fields shown in the `details` column when the event has them, in this order.
const DETAIL_FIELDS: &[&str] = &[
    "CommandLine",
    "Image",
    "ParentImage",
    "ParentCommandLine",
    "TargetFilename",
    "TargetObject",
    "Details",
    "ImageLoaded",
    "QueryName",
    "DestinationIp",
    "DestinationPort",
    "SourceIp",
    "IpAddress",
    "User",
    "SubjectUserName",
    "TargetUserName",
    "ServiceName",
    "ScriptBlockText",
    "message",
];

/// Output format of the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum TimelineFormat {
    /// Comma-separated values with a header line (a spreadsheet opens it).
    Csv,
    /// One JSON object per line, with the event's fields and the explanation.
    Jsonl,
    /// No timeline: the summary only.
    None,
}

/// Format of the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SummaryFormat {
    /// Lines for a person.
    Text,
    /// One JSON document.
    Json,
    /// No summary.
    None,
}

/// Options of `vigie scan`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Files or directories of events: `.evtx`, `.jsonl`/`.ndjson`/`.json` (gzip or not,
    /// told by content), `.log` text logs; directories are searched recursively.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Sigma rule files or directories (correlations and `filters/SLUG/` included);
    /// repeat for several. Default: `[detection] rules_dir` of the configuration.
    #[arg(long = "rules", value_name = "PATH")]
    rules: Vec<PathBuf>,
    /// A pySigma processing pipeline (YAML); repeat for several. Default, when the rules
    /// come from the configuration: `[detection] pipelines`.
    #[arg(long = "pipeline", value_name = "FILE")]
    pipelines: Vec<PathBuf>,
    /// Apply this tenant's Sigma filters (`filters/SLUG/` in each rule directory).
    #[arg(long, value_name = "SLUG")]
    tenant: Option<String>,
    /// The source type of JSONL and text events whose content does not say it
    /// (`linux.auditd`, `aws.cloudtrail`, ...).
    #[arg(long, value_parser = super::parse_source_type)]
    source_type: Option<vigie_parse::SourceType>,
    /// Timeline format.
    #[arg(long, value_enum, default_value_t = TimelineFormat::Csv)]
    format: TimelineFormat,
    /// Write the timeline to this file instead of standard output (the summary then goes
    /// to standard output, else to standard error).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Summary format.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    summary: SummaryFormat,
    /// Only matches of this level or above in the timeline (the summary counts all).
    #[arg(long, value_name = "LEVEL")]
    min_level: Option<Level>,
    /// Also explain, for every event this rule runs on but did not match, which search
    /// identifiers held (timeline rows of kind `no_match`); repeat for several rules.
    #[arg(long = "explain", value_name = "RULE_ID")]
    explain: Vec<String>,
    /// Threads for reading and detection (default: every core).
    #[arg(long)]
    threads: Option<usize>,
}

/// Kinds of timeline row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum RowKind {
    /// A rule matched an event (an alert on the live stream).
    Match,
    /// A correlation rule fired.
    Correlation,
    /// A rule named with `--explain` ran on the event and did not match.
    NoMatch,
    /// An indicator of an IOC set was found in the event.
    Ioc,
}

impl RowKind {
    fn as_str(self) -> &'static str {
        match self {
            RowKind::Match => "match",
            RowKind::Correlation => "correlation",
            RowKind::NoMatch => "no_match",
            RowKind::Ioc => "ioc",
        }
    }
}

/// One line of the timeline.
struct Row {
    /// The event's own time (`None` when it carries none: the scan's clock would be a lie).
    time: Option<Timestamp>,
    kind: RowKind,
    level: Level,
    rule_id: String,
    title: String,
    host: String,
    channel: String,
    event_code: String,
    record_id: String,
    /// Index into the scanned files (none for a correlation).
    file: Option<usize>,
    /// 1-based position of the event among its file's events.
    number: usize,
    details: String,
    /// Search identifiers and whether each held (matches and `--explain`).
    searches: Vec<(String, bool)>,
    /// The event's fields (JSON Lines only).
    event: Option<Map<String, Value>>,
    /// Correlation hits: group, measure, contributing events; IOC hits: the indicator.
    correlation: Option<Value>,
}

/// An event some rule matched, kept for the ordered correlation pass.
struct Observed {
    time: Timestamp,
    file: usize,
    number: usize,
    event: Event,
    matched: Vec<String>,
}

/// Per-rule figures of the summary.
#[derive(Default)]
struct RuleCount {
    matches: u64,
    /// Matches of a correlation input rule that raises no alert of its own.
    suppressed: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
}

impl RuleCount {
    fn seen(&mut self, time: Timestamp) {
        self.first = Some(self.first.map_or(time, |t| t.min(time)));
        self.last = Some(self.last.map_or(time, |t| t.max(time)));
    }
}

/// What the workers found, merged.
#[derive(Default)]
struct Found {
    events: u64,
    /// Events that carry no time of their own.
    untimed: u64,
    rows: Vec<Row>,
    observed: Vec<Observed>,
    rules: HashMap<usize, RuleCount>,
    /// IOC hits per set: level and count.
    ioc: BTreeMap<String, (Level, u64)>,
}

/// What the readers reported.
#[derive(Default)]
struct Reading {
    /// Rejected lines and records by reason.
    rejected: BTreeMap<String, u64>,
    /// The first rejections and file errors, each naming its file and line or record.
    /// (file, line or record) → what was wrong: the first ones in file order, as workers
    /// report them in any order.
    examples: BTreeMap<(usize, usize), String>,
    /// Files that could not be read (or not to their end).
    file_errors: Vec<String>,
}

/// A chunk of one file on its way to a worker.
enum Work {
    /// Events read already (`.evtx`, JSON documents), numbered from `first` (1-based).
    Events {
        file: usize,
        first: usize,
        events: Vec<Event>,
    },
    /// Lines of a JSONL or text file, parsed by the worker.
    Lines {
        file: usize,
        lines: vigie_ingest::file::Lines,
    },
}

/// The rules, correlations and choices every worker uses.
struct Engine<'a> {
    set: &'a RuleSet,
    correlations: &'a CorrelationSet,
    /// Whether correlations run: every matched event is then observed, as on the live
    /// stream.
    correlate: bool,
    /// Position of each rule in `set.rules()`, by address (for explanations).
    index: HashMap<usize, usize>,
    /// Positions of the rules named with `--explain`.
    explain: Vec<usize>,
    min_level: Option<Level>,
    keep_events: bool,
}

impl Engine<'_> {
    fn position(&self, rule: &Rule) -> Option<usize> {
        self.index
            .get(&(std::ptr::from_ref(rule) as usize))
            .copied()
    }

    /// Detects on the events of one chunk of `file`, each with its line or record number:
    /// the live pipeline's per-event step, without the store.
    fn detect(&self, file: usize, events: Vec<(usize, Event)>) -> Found {
        let mut found = Found {
            events: events.len() as u64,
            ..Found::default()
        };
        found.untimed = events.iter().filter(|(_, e)| e.timestamp.is_none()).count() as u64;
        let mut hits: Vec<&Rule> = Vec::new();
        let now = Timestamp::now();
        for (number, event) in events {
            let time = event.timestamp;
            for hit in self.set.intel().matches(&event, now) {
                let count = found.ioc.entry(hit.set.clone()).or_insert((hit.level, 0));
                count.1 += 1;
                if self.min_level.is_some_and(|min| hit.level < min) {
                    continue;
                }
                found
                    .rows
                    .push(self.ioc_row(&hit, &event, time, file, number));
            }
            hits.clear();
            self.set.evaluate_into(&event, &mut hits);
            let mut inputs = Vec::new();
            for rule in &hits {
                let Some(r) = self.position(rule) else {
                    continue;
                };
                let count = found.rules.entry(r).or_default();
                if let Some(time) = time {
                    count.seen(time);
                }
                if self.correlate {
                    inputs.push(rule.meta.id.clone());
                }
                if self.correlations.suppresses(&rule.meta.id) {
                    // `generate: false`: on the live stream only the correlation alerts.
                    count.suppressed += 1;
                    continue;
                }
                count.matches += 1;
                if self.min_level.is_some_and(|min| rule.meta.level < min) {
                    continue;
                }
                let searches = self
                    .set
                    .explain(r, &event)
                    .map(|why| why.searches)
                    .unwrap_or_default();
                found.rows.push(self.row(
                    RowKind::Match,
                    rule,
                    &event,
                    time,
                    file,
                    number,
                    searches,
                ));
            }
            for &r in &self.explain {
                let rule = &self.set.rules()[r];
                if hits.iter().any(|hit| std::ptr::eq(*hit, rule)) {
                    continue;
                }
                if let Some(why) = self.set.explain(r, &event)
                    && why.route.is_some()
                    && !why.matched
                {
                    found.rows.push(self.row(
                        RowKind::NoMatch,
                        rule,
                        &event,
                        time,
                        file,
                        number,
                        why.searches,
                    ));
                }
            }
            if !inputs.is_empty() {
                found.observed.push(Observed {
                    // As on the live stream: the arrival time when the event has none.
                    time: time.unwrap_or(event.received_at),
                    file,
                    number,
                    event,
                    matched: inputs,
                });
            }
        }
        found
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &self,
        kind: RowKind,
        rule: &Rule,
        event: &Event,
        time: Option<Timestamp>,
        file: usize,
        number: usize,
        searches: Vec<(String, bool)>,
    ) -> Row {
        Row {
            time,
            kind,
            level: rule.meta.level,
            rule_id: rule.meta.id.clone(),
            title: rule.meta.title.clone(),
            host: first_text(event, HOST_FIELDS),
            channel: first_text(event, &["Channel", "event.dataset"]),
            event_code: first_text(event, &["EventID", "event.code"]),
            record_id: first_text(event, &["EventRecordID"]),
            file: Some(file),
            number,
            details: details(event),
            searches,
            event: self.keep_events.then(|| event.fields.clone()),
            correlation: None,
        }
    }
}

impl Engine<'_> {
    /// A timeline row for an IOC hit: the indicator, the field and the set in `details`.
    fn ioc_row(
        &self,
        hit: &vigie_detect::intel::IocHit,
        event: &Event,
        time: Option<Timestamp>,
        file: usize,
        number: usize,
    ) -> Row {
        Row {
            time,
            kind: RowKind::Ioc,
            level: hit.level,
            rule_id: hit.rule_id(),
            title: hit.title(),
            host: first_text(event, HOST_FIELDS),
            channel: first_text(event, &["Channel", "event.dataset"]),
            event_code: first_text(event, &["EventID", "event.code"]),
            record_id: first_text(event, &["EventRecordID"]),
            file: Some(file),
            number,
            details: format!(
                "{}={} in {} (set {}, source {})",
                hit.kind.as_str(),
                hit.indicator,
                hit.field,
                hit.set,
                hit.source
            ),
            searches: Vec::new(),
            event: self.keep_events.then(|| event.fields.clone()),
            correlation: Some(serde_json::to_value(hit).unwrap_or_default()),
        }
    }
}

/// The fields a row's host column is read from, in order of preference.
const HOST_FIELDS: &[&str] = &[
    "Computer",
    "Hostname",
    "host.name",
    "hostname",
    "log.syslog.hostname",
];

/// The first of `names` the event has, as one line of text (empty when none).
fn first_text(event: &Event, names: &[&str]) -> String {
    names
        .iter()
        .find_map(|name| event.field(name).map(scalar))
        .unwrap_or_default()
}

/// A field's value as one line of text.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `Name=value` of the telling fields the event has, cut to [`MAX_DETAILS`] characters.
fn details(event: &Event) -> String {
    let mut out = String::new();
    for name in DETAIL_FIELDS {
        let Some(value) = event.field(name) else {
            continue;
        };
        let value = scalar(value);
        if value.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str(" | ");
        }
        out.push_str(name);
        out.push('=');
        out.push_str(&value.replace(['\r', '\n'], " "));
        if out.chars().count() > MAX_DETAILS {
            let cut: String = out.chars().take(MAX_DETAILS).collect();
            return cut + "…";
        }
    }
    out
}

pub(crate) async fn run(global: &super::Global, args: Args) -> anyhow::Result<ExitCode> {
    let (rules, pipelines, limits) = if args.rules.is_empty() {
        let config = global.load_config()?;
        let dir = config.detection.rules_dir.clone().context(
            "no rules: give --rules DIR, or a configuration (--config) with [detection] rules_dir",
        )?;
        let pipelines = if args.pipelines.is_empty() {
            config.detection.pipelines.clone()
        } else {
            args.pipelines.clone()
        };
        (vec![dir], pipelines, config.detection.correlation.limits())
    } else {
        (
            args.rules.clone(),
            args.pipelines.clone(),
            vigie_detect::correlation::CorrelationLimits::default(),
        )
    };
    tokio::task::spawn_blocking(move || scan(&args, &rules, &pipelines, limits))
        .await
        .context("the scan stopped unexpectedly")?
}

fn scan(
    args: &Args,
    rule_paths: &[PathBuf],
    pipelines: &[PathBuf],
    limits: vigie_detect::correlation::CorrelationLimits,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let (mut set, mut report) = super::rules::load_paths(rule_paths, pipelines)?;
    report
        .rejected
        .retain(|r| !super::rules::is_correlation_rejection(r));
    if let Some(slug) = &args.tenant {
        let has = |folder: &str| {
            rule_paths
                .iter()
                .any(|dir| dir.join(folder).join(slug).is_dir())
        };
        // A tenant may have filters, IOC sets, or both.
        if has(vigie_detect::FILTERS_DIR) || !has(vigie_detect::intel::INTEL_DIR) {
            super::rules::load_test_filters(&mut set, &mut report, rule_paths, slug)?;
        }
    }
    // IOC sets: the shared ones of each rule directory, and with --tenant that tenant's.
    let mut intel = vigie_detect::intel::Intel::new();
    let mut intel_refused = Vec::new();
    for dir in rule_paths
        .iter()
        .filter(|p| p.is_dir())
        .flat_map(|p| vigie_detect::intel::dirs(p))
    {
        vigie_detect::intel::load_dir_into(
            &mut intel,
            &dir,
            &mut |slug| (args.tenant.as_deref() == Some(slug)).then_some(TenantId(0)),
            Timestamp::now(),
            &mut intel_refused,
        );
    }
    // Other tenants' folders are not for this scan.
    intel_refused.retain(|r| !r.reason.contains("names no tenant"));
    set.set_intel(intel);
    let known: HashSet<String> = set.rules().iter().map(|r| r.meta.id.clone()).collect();
    let (correlations, correlation_rejected, _) = vigie_detect::correlation::from_texts(
        &super::rules::rule_texts(rule_paths)?,
        &known,
        limits,
    );
    let mut explain = Vec::new();
    for id in &args.explain {
        let found: Vec<usize> = set
            .rules()
            .iter()
            .enumerate()
            .filter(|(_, r)| &r.meta.id == id)
            .map(|(i, _)| i)
            .collect();
        anyhow::ensure!(
            !found.is_empty(),
            "--explain {id}: no rule with this id is loaded from the rules given"
        );
        explain.extend(found);
    }
    let (files, skipped) =
        vigie_ingest::file::collect(&args.paths).map_err(|e| anyhow::anyhow!("{e}"))?;
    let engine = Engine {
        set: &set,
        correlations: &correlations,
        correlate: !correlations.is_empty(),
        index: set
            .rules()
            .iter()
            .enumerate()
            .map(|(i, r)| (std::ptr::from_ref(r) as usize, i))
            .collect(),
        explain,
        min_level: args.min_level,
        keep_events: args.format == TimelineFormat::Jsonl,
    };
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let (mut found, reading) = run_threads(&engine, &files, args.source_type.as_ref(), threads);
    let correlation_hits = correlate(&correlations, &mut found);
    let mut by_correlation: BTreeMap<String, u64> = BTreeMap::new();
    for hit in &correlation_hits {
        *by_correlation.entry(hit.rule_id.clone()).or_default() += 1;
        if args.min_level.is_none_or(|min| hit.level >= min) {
            found
                .rows
                .push(correlation_row(hit, &found.observed, &files));
        }
    }
    // By time, events without one last; then file order.
    found.rows.sort_by(|a, b| {
        (
            a.time.is_none(),
            a.time,
            a.file,
            a.number,
            a.kind,
            &a.rule_id,
        )
            .cmp(&(
                b.time.is_none(),
                b.time,
                b.file,
                b.number,
                b.kind,
                &b.rule_id,
            ))
    });
    let elapsed = started.elapsed();

    let timeline_to_stdout = args.output.is_none() && args.format != TimelineFormat::None;
    let written = match &args.output {
        Some(path) if args.format != TimelineFormat::None => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            write_timeline(file, args.format, &found.rows, &files)
                .with_context(|| format!("cannot write {}", path.display()))
        }
        _ if timeline_to_stdout => {
            write_timeline(std::io::stdout().lock(), args.format, &found.rows, &files)
                .context("cannot write the timeline")
        }
        _ => Ok(()),
    };
    if let Err(error) = written {
        if is_broken_pipe(&error) {
            return Ok(ExitCode::SUCCESS);
        }
        return Err(error);
    }

    let summary = Summary {
        set: &set,
        report: &report,
        correlations: &correlations,
        correlation_rejected: &correlation_rejected,
        by_correlation: &by_correlation,
        found: &found,
        reading: &reading,
        files: files.len(),
        skipped: &skipped,
        seconds: elapsed.as_secs_f64(),
        threads,
        tenant: args.tenant.as_deref(),
        intel_refused: &intel_refused,
    };
    let text = match args.summary {
        SummaryFormat::Text => summary.text(),
        SummaryFormat::Json => serde_json::to_string_pretty(&summary.json())? + "\n",
        SummaryFormat::None => String::new(),
    };
    let shown = if timeline_to_stdout {
        std::io::stderr().lock().write_all(text.as_bytes())
    } else {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes()).and_then(|()| out.flush())
    };
    if let Err(error) = shown {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(ExitCode::SUCCESS);
        }
        return Err(error).context("cannot write the summary");
    }
    let incomplete = !reading.file_errors.is_empty()
        || !intel_refused.is_empty()
        || !reading.rejected.is_empty()
        || !report.rejected.is_empty()
        || !correlation_rejected.is_empty();
    Ok(if incomplete {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Whether an error comes from writing to a pipe whose reader has gone.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(|e| matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe))
    })
}

/// Reads the files on reader threads and detects on worker threads; returns what the
/// workers found and what the readers rejected.
fn run_threads(
    engine: &Engine<'_>,
    files: &[(PathBuf, FileKind)],
    source_type: Option<&vigie_parse::SourceType>,
    threads: usize,
) -> (Found, Reading) {
    let readers = files.len().min(threads.div_ceil(2)).max(1);
    let (tx, rx) = crossbeam_channel::bounded::<Work>(threads * 2);
    let next_file = AtomicUsize::new(0);
    let found = Mutex::new(Found::default());
    let reading = Mutex::new(Reading::default());
    let options = ReadOptions {
        tenant: TenantId(0),
        received_at: Timestamp::now(),
        max_line_bytes: MAX_LINE_BYTES,
        chunk_events: CHUNK_EVENTS,
        max_decoded_bytes: None,
        source_type: source_type.cloned(),
    };
    std::thread::scope(|scope| {
        for _ in 0..readers {
            let tx = tx.clone();
            let (next_file, reading, options) = (&next_file, &reading, &options);
            scope.spawn(move || {
                loop {
                    let index = next_file.fetch_add(1, Ordering::Relaxed);
                    let Some((path, kind)) = files.get(index) else {
                        break;
                    };
                    let mut number = 1usize;
                    let result =
                        vigie_ingest::file::read_pieces(path, *kind, options, &mut |piece| {
                            let work = match piece {
                                Piece::Events(chunk) => {
                                    note_rejections(reading, index, path, &chunk.batch.rejected);
                                    let events = chunk.batch.events;
                                    let first = number;
                                    number += events.len();
                                    if events.is_empty() {
                                        return true;
                                    }
                                    Work::Events {
                                        file: index,
                                        first,
                                        events,
                                    }
                                }
                                Piece::Lines(lines) => Work::Lines { file: index, lines },
                            };
                            tx.send(work).is_ok()
                        });
                    if let Err(error) = result {
                        let mut reading = lock(reading);
                        reading.file_errors.push(error.to_string());
                    }
                }
            });
        }
        drop(tx);
        for _ in 0..threads {
            let (rx, found, reading, options) = (rx.clone(), &found, &reading, &options);
            scope.spawn(move || {
                for work in rx {
                    let part = match work {
                        Work::Events {
                            file,
                            first,
                            events,
                        } => engine.detect(file, (first..).zip(events).collect()),
                        Work::Lines { file, lines } => {
                            let (events, rejected) = lines.parse(options);
                            note_rejections(reading, file, &files[file].0, &rejected);
                            engine.detect(file, events)
                        }
                    };
                    let mut found = lock(found);
                    found.events += part.events;
                    found.untimed += part.untimed;
                    for (set, (level, n)) in part.ioc {
                        found.ioc.entry(set).or_insert((level, 0)).1 += n;
                    }
                    found.rows.extend(part.rows);
                    found.observed.extend(part.observed);
                    for (rule, count) in part.rules {
                        let total = found.rules.entry(rule).or_default();
                        total.matches += count.matches;
                        total.suppressed += count.suppressed;
                        if let Some(first) = count.first {
                            total.seen(first);
                        }
                        if let Some(last) = count.last {
                            total.seen(last);
                        }
                    }
                }
            });
        }
    });
    (
        found.into_inner().unwrap_or_else(|e| e.into_inner()),
        reading.into_inner().unwrap_or_else(|e| e.into_inner()),
    )
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn note_rejections(
    reading: &Mutex<Reading>,
    file: usize,
    path: &Path,
    rejected: &[vigie_ingest::LineRejection],
) {
    if rejected.is_empty() {
        return;
    }
    let mut reading = lock(reading);
    for rejection in rejected {
        *reading
            .rejected
            .entry(rejection.reason.to_owned())
            .or_default() += 1;
        reading.examples.insert(
            (file, rejection.line),
            format!("{}: {}", path.display(), rejection.detail),
        );
        if reading.examples.len() > EXAMPLES {
            reading.examples.pop_last();
        }
    }
}

/// Runs the correlations over the events their input rules matched, in event-time order
/// (file order among equal times), then closes the windows still open.
fn correlate(correlations: &CorrelationSet, found: &mut Found) -> Vec<CorrelationHit> {
    if correlations.is_empty() {
        return Vec::new();
    }
    found.observed.sort_by_key(|o| (o.time, o.file, o.number));
    let mut state = CorrelationState::default();
    let mut hits = Vec::new();
    for observed in &found.observed {
        let observation = Observation::of(&observed.event, observed.time, observed.matched.clone());
        hits.extend(correlations.observe(&mut state, &observation));
    }
    hits.extend(correlations.finish(&mut state));
    hits
}

fn correlation_row(
    hit: &CorrelationHit,
    observed: &[Observed],
    files: &[(PathBuf, FileKind)],
) -> Row {
    let place: HashMap<String, String> = observed
        .iter()
        .filter(|o| hit.events.contains(&o.event.id.to_string()))
        .map(|o| {
            (
                o.event.id.to_string(),
                format!("{}#{}", files[o.file].0.display(), o.number),
            )
        })
        .collect();
    let group: Map<String, Value> = hit
        .group
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let events: Vec<String> = hit
        .events
        .iter()
        .map(|id| place.get(id).cloned().unwrap_or_else(|| id.clone()))
        .collect();
    let group_text: Vec<String> = hit.group.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Row {
        time: Some(hit.window_end),
        kind: RowKind::Correlation,
        level: hit.level,
        rule_id: hit.rule_id.clone(),
        title: hit.title.clone(),
        host: String::new(),
        channel: String::new(),
        event_code: String::new(),
        record_id: String::new(),
        file: None,
        number: 0,
        details: format!(
            "{} | measure={} | {} event(s) from {}",
            group_text.join(" "),
            hit.measure,
            hit.total_events,
            hit.window_start
        ),
        searches: Vec::new(),
        event: None,
        correlation: Some(serde_json::json!({
            "group": group,
            "window_start": hit.window_start.to_string(),
            "window_end": hit.window_end.to_string(),
            "measure": hit.measure,
            "value": hit.value,
            "total_events": hit.total_events,
            "events": events,
        })),
    }
}

/// Writes the timeline; an error keeps its cause (a closed pipe is told apart by the caller).
fn write_timeline(
    out: impl Write,
    format: TimelineFormat,
    rows: &[Row],
    files: &[(PathBuf, FileKind)],
) -> anyhow::Result<()> {
    let file_name = |row: &Row| {
        row.file
            .map(|f| files[f].0.display().to_string())
            .unwrap_or_default()
    };
    match format {
        TimelineFormat::None => {}
        TimelineFormat::Csv => {
            let mut csv = csv::Writer::from_writer(std::io::BufWriter::with_capacity(1 << 16, out));
            csv.write_record([
                "timestamp",
                "level",
                "kind",
                "rule_title",
                "rule_id",
                "host",
                "channel",
                "event_id",
                "record_id",
                "file",
                "event",
                "details",
            ])?;
            for row in rows {
                csv.write_record([
                    row.time.map(|t| t.to_string()).unwrap_or_default().as_str(),
                    row.level.as_str(),
                    row.kind.as_str(),
                    &row.title,
                    &row.rule_id,
                    &row.host,
                    &row.channel,
                    &row.event_code,
                    &row.record_id,
                    &file_name(row),
                    &row.number.to_string(),
                    &row.details,
                ])?;
            }
            csv.flush()?;
        }
        TimelineFormat::Jsonl => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
            for row in rows {
                let searches: Map<String, Value> = row
                    .searches
                    .iter()
                    .map(|(name, held)| (name.clone(), Value::Bool(*held)))
                    .collect();
                let mut line = serde_json::json!({
                    "timestamp": row.time.map(|t| t.to_string()),
                    "level": row.level.as_str(),
                    "kind": row.kind.as_str(),
                    "rule_title": row.title,
                    "rule_id": row.rule_id,
                });
                if row.kind == RowKind::Ioc {
                    line["ioc"] = row.correlation.clone().unwrap_or_default();
                    line["file"] = Value::String(file_name(row));
                    line["event"] = Value::from(row.number);
                    line["fields"] = row.event.clone().map(Value::Object).unwrap_or(Value::Null);
                } else if let Some(correlation) = &row.correlation {
                    line["correlation"] = correlation.clone();
                } else {
                    line["file"] = Value::String(file_name(row));
                    line["event"] = Value::from(row.number);
                    line["searches"] = Value::Object(searches);
                    line["fields"] = row.event.clone().map(Value::Object).unwrap_or(Value::Null);
                }
                serde_json::to_writer(&mut out, &line)?;
                out.write_all(b"\n")?;
            }
            out.flush()?;
        }
    }
    Ok(())
}

/// What the summary reports.
struct Summary<'a> {
    set: &'a RuleSet,
    report: &'a LoadReport,
    correlations: &'a CorrelationSet,
    correlation_rejected: &'a [vigie_detect::correlation::CorrelationRejection],
    by_correlation: &'a BTreeMap<String, u64>,
    found: &'a Found,
    reading: &'a Reading,
    files: usize,
    skipped: &'a [PathBuf],
    seconds: f64,
    threads: usize,
    tenant: Option<&'a str>,
    intel_refused: &'a [vigie_detect::intel::Refused],
}

impl Summary<'_> {
    /// Rules that matched, most matches first.
    fn matched_rules(&self) -> Vec<(&Rule, &RuleCount)> {
        let mut rules: Vec<(&Rule, &RuleCount)> = self
            .found
            .rules
            .iter()
            .map(|(r, count)| (&self.set.rules()[*r], count))
            .collect();
        rules.sort_by(|a, b| {
            (
                b.1.matches + b.1.suppressed,
                b.0.meta.level,
                &a.0.meta.title,
            )
                .cmp(&(
                    a.1.matches + a.1.suppressed,
                    a.0.meta.level,
                    &b.0.meta.title,
                ))
        });
        rules
    }

    fn by_level(&self) -> BTreeMap<Level, u64> {
        let mut levels: BTreeMap<Level, u64> = Level::ALL.iter().map(|l| (*l, 0)).collect();
        for (rule, count) in self.matched_rules() {
            *levels.entry(rule.meta.level).or_default() += count.matches;
        }
        levels
    }

    fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.found.events as f64 / self.seconds
        } else {
            0.0
        }
    }

    fn text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "scanned {} file(s), {} event(s) in {:.2} s ({:.0} events/s on {} thread(s))",
            self.files,
            self.found.events,
            self.seconds,
            self.rate(),
            self.threads
        );
        let _ = writeln!(
            out,
            "rules: {} loaded, {} rejected; {} correlation rule(s), {} rejected{}",
            self.set.len(),
            self.report.rejected.len(),
            self.correlations.len(),
            self.correlation_rejected.len(),
            self.tenant
                .map(|t| format!("; {} filter(s) of tenant {t}", self.report.filters.len()))
                .unwrap_or_default()
        );
        for rejection in &self.report.rejected {
            let _ = writeln!(out, "rejected {rejection}");
        }
        for rejection in self.correlation_rejected {
            let _ = writeln!(out, "rejected {rejection}");
        }
        if !self.skipped.is_empty() {
            let names: Vec<String> = self
                .skipped
                .iter()
                .take(5)
                .map(|p| p.display().to_string())
                .collect();
            let _ = writeln!(
                out,
                "skipped {} file(s) of a kind vigie does not read in the directories given ({}{})",
                self.skipped.len(),
                names.join(", "),
                if self.skipped.len() > 5 { ", ..." } else { "" }
            );
        }
        if self.found.untimed > 0 {
            let _ = writeln!(
                out,
                "{} event(s) carry no time vigie reads (@timestamp, timestamp, SystemTime, UtcTime): their rows have no timestamp and come last",
                self.found.untimed
            );
        }
        for error in &self.reading.file_errors {
            let _ = writeln!(out, "unreadable {error}");
        }
        let rejected: u64 = self.reading.rejected.values().sum();
        if rejected > 0 {
            let reasons: Vec<String> = self
                .reading
                .rejected
                .iter()
                .map(|(reason, n)| format!("{reason} {n}"))
                .collect();
            let _ = writeln!(
                out,
                "{rejected} line(s) or record(s) not read ({}); first ones:",
                reasons.join(", ")
            );
            for example in self.reading.examples.values() {
                let _ = writeln!(out, "    {example}");
            }
        }
        let levels: Vec<String> = self
            .by_level()
            .iter()
            .rev()
            .map(|(level, n)| format!("{level} {n}"))
            .collect();
        let total: u64 = self.found.rules.values().map(|c| c.matches).sum();
        let correlated: u64 = self.by_correlation.values().sum();
        let ioc: u64 = self.found.ioc.values().map(|(_, n)| n).sum();
        let _ = writeln!(
            out,
            "{total} match(es): {}; {correlated} correlation hit(s); {ioc} IOC hit(s) ({} indicator(s) in {} set(s))",
            levels.join(", "),
            self.set.intel().len(),
            self.set.intel().sets().len()
        );
        for refused in self.intel_refused {
            let _ = writeln!(
                out,
                "refused  IOC {} {}{}: {}",
                refused.path.display(),
                if refused.position > 0 {
                    format!("indicator {} ", refused.position)
                } else {
                    String::new()
                },
                refused.value,
                refused.reason
            );
        }
        for (set, (level, n)) in &self.found.ioc {
            let _ = writeln!(
                out,
                "{n:>8}  {:<13} {:<20}  {:<20}  IOC set {set}",
                level.as_str(),
                "",
                ""
            );
        }
        let rules = self.matched_rules();
        if !rules.is_empty() {
            let _ = writeln!(
                out,
                "{:>8}  {:<13} {:<20}  {:<20}  rule",
                "matches", "level", "first", "last"
            );
        }
        let time = |t: Option<Timestamp>| {
            t.map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default()
        };
        for (rule, count) in rules {
            let note = if count.suppressed > 0 {
                format!(" ({} correlation input only)", count.suppressed)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "{:>8}  {:<13} {:<20}  {:<20}  {} [{}]{note}",
                count.matches,
                rule.meta.level.as_str(),
                time(count.first),
                time(count.last),
                rule.meta.title,
                rule.meta.id,
            );
        }
        for correlation in self.correlations.rules() {
            if let Some(n) = self.by_correlation.get(&correlation.id) {
                let _ = writeln!(
                    out,
                    "{n:>8}  {:<13} {:<20}  {:<20}  {} [{} {}]",
                    correlation.level.as_str(),
                    "",
                    "",
                    correlation.title,
                    serde_json::to_value(correlation.kind)
                        .ok()
                        .as_ref()
                        .and_then(Value::as_str)
                        .unwrap_or("correlation"),
                    correlation.id
                );
            }
        }
        out
    }

    fn json(&self) -> Value {
        let rules: Vec<Value> = self
            .matched_rules()
            .iter()
            .map(|(rule, count)| {
                serde_json::json!({
                    "id": rule.meta.id,
                    "title": rule.meta.title,
                    "level": rule.meta.level.as_str(),
                    "matches": count.matches,
                    "correlation_input_only": count.suppressed,
                    "first": count.first.map(|t| t.to_string()),
                    "last": count.last.map(|t| t.to_string()),
                })
            })
            .collect();
        let correlations: Vec<Value> = self
            .correlations
            .rules()
            .iter()
            .filter_map(|c| {
                self.by_correlation.get(&c.id).map(|n| {
                    serde_json::json!({
                        "id": c.id,
                        "title": c.title,
                        "type": c.kind,
                        "level": c.level.as_str(),
                        "hits": n,
                    })
                })
            })
            .collect();
        let levels: Map<String, Value> = self
            .by_level()
            .iter()
            .map(|(level, n)| (level.as_str().to_owned(), Value::from(*n)))
            .collect();
        serde_json::json!({
            "files": self.files,
            "events": self.found.events,
            "events_without_time": self.found.untimed,
            "seconds": self.seconds,
            "events_per_second": self.rate(),
            "threads": self.threads,
            "tenant": self.tenant,
            "rules_loaded": self.set.len(),
            "rejected": self.report.rejected,
            "correlation_rules": self.correlations.len(),
            "correlation_rejected": self.correlation_rejected.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "skipped_files": self.skipped,
            "file_errors": self.reading.file_errors,
            "rejected_lines": self.reading.rejected,
            "rejected_examples": self.reading.examples.values().collect::<Vec<_>>(),
            "matches": self.found.rules.values().map(|c| c.matches).sum::<u64>(),
            "levels": levels,
            "rules": rules,
            "correlations": correlations,
            "ioc": self.found.ioc.iter().map(|(set, (level, n))| serde_json::json!({"set": set, "level": level.as_str(), "hits": n})).collect::<Vec<_>>(),
            "ioc_indicators": self.set.intel().len(),
            "ioc_refused": self.intel_refused,
        })
    }
}
