//! Criterion bench: every SigmaHQ Windows rule on the OTRF events, one thread.
//!
//! Measures detection on parsed events (throughput in events), parsing the same lines alone,
//! and compiling the rules. Inputs come from the shared fixtures (or `VIGIE_BENCH_RULES`, a
//! rule directory, and `VIGIE_BENCH_EVENTS`, a directory of `*.jsonl[.gz]` files); when they
//! are missing the bench says so and measures nothing.

use std::io::Read;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vigie_detect::RuleSet;
use vigie_event::{Event, TenantId};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures")
}

fn rules_dir() -> PathBuf {
    std::env::var_os("VIGIE_BENCH_RULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| fixtures().join("sigma/rules/rules/windows"))
}

fn events_dir() -> PathBuf {
    std::env::var_os("VIGIE_BENCH_EVENTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| fixtures().join("otrf"))
}

/// Every non-blank line of the `*.jsonl` and `*.jsonl.gz` files of `dir`.
fn lines(dir: &Path) -> Vec<Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    let mut lines = Vec::new();
    for path in paths {
        let name = path.to_string_lossy().into_owned();
        let Ok(raw) = std::fs::read(&path) else {
            continue;
        };
        let text = if name.ends_with(".jsonl.gz") {
            let mut out = Vec::new();
            if flate2::read::MultiGzDecoder::new(raw.as_slice())
                .read_to_end(&mut out)
                .is_err()
            {
                continue;
            }
            out
        } else if name.ends_with(".jsonl") {
            raw
        } else {
            continue;
        };
        lines.extend(
            text.split(|b| *b == b'\n')
                .filter(|l| l.iter().any(|b| !b.is_ascii_whitespace()))
                .map(<[u8]>::to_vec),
        );
    }
    lines
}

fn parse(line: &[u8]) -> Option<Event> {
    let fields = serde_json::from_slice(line).ok()?;
    Some(Event::new(
        TenantId(1),
        jiff::Timestamp::UNIX_EPOCH,
        "bench",
        fields,
    ))
}

fn bench(c: &mut Criterion) {
    let (rules_dir, events_dir) = (rules_dir(), events_dir());
    let lines = lines(&events_dir);
    let Ok((rules, report)) = RuleSet::load_dir(&rules_dir) else {
        eprintln!(
            "detect bench: no rules at {}, nothing measured",
            rules_dir.display()
        );
        return;
    };
    if lines.is_empty() {
        eprintln!(
            "detect bench: no events at {}, nothing measured",
            events_dir.display()
        );
        return;
    }
    rules.prepare();
    let events: Vec<Event> = lines.iter().filter_map(|l| parse(l)).collect();
    let mut hits = Vec::new();
    let matches: usize = events
        .iter()
        .map(|e| {
            hits.clear();
            rules.evaluate_into(e, &mut hits);
            hits.len()
        })
        .sum();
    eprintln!(
        "detect bench: {} rules loaded ({} rejected), {} events, {matches} matches",
        report.loaded.len(),
        report.rejected.len(),
        events.len()
    );

    let mut group = c.benchmark_group("otrf");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(10);
    group.bench_function("detect", |b| {
        b.iter(|| {
            for event in &events {
                hits.clear();
                rules.evaluate_into(event, &mut hits);
                std::hint::black_box(&hits);
            }
        })
    });
    group.bench_function("parse", |b| {
        b.iter(|| {
            for line in &lines {
                std::hint::black_box(parse(line));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("rules");
    group.sample_size(10);
    group.bench_function("compile", |b| {
        b.iter(|| {
            let (rules, _) = RuleSet::load_dir(&rules_dir).unwrap_or_default();
            rules.prepare();
            std::hint::black_box(rules.len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
