//! `vigie bench parse`: lines per second on one core for each source parser
//! (`vigie_parse::normalize` on the built-in sample of each format, as the intake calls it),
//! and the cost of the one-pass marker look every JSON event pays before the parsers are
//! skipped (a Windows event). Figures are printed, never asserted.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use vigie_parse::samples::SAMPLES;
use vigie_parse::{SourceType, json_worth_a_look, normalize};

/// Arguments of `vigie bench parse`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Seconds of measurement per format (after a warm-up of a tenth of it).
    #[arg(long, default_value_t = 1.0)]
    seconds: f64,
    /// Print one JSON record per format instead of the table.
    #[arg(long)]
    json: bool,
}

/// Runs `work` repeatedly for about `seconds`; returns calls per second.
fn rate(seconds: f64, mut work: impl FnMut()) -> f64 {
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_secs_f64(seconds / 10.0) {
        work();
    }
    let started = Instant::now();
    let mut calls = 0u64;
    while started.elapsed() < Duration::from_secs_f64(seconds) {
        for _ in 0..64 {
            work();
        }
        calls += 64;
    }
    calls as f64 / started.elapsed().as_secs_f64()
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.seconds > 0.0 && args.seconds.is_finite(),
        "--seconds must be a positive number, not {}",
        args.seconds
    );
    if !args.json {
        println!(
            "{:<28} {:<20} {:>6} {:>12} {:>9}",
            "sample", "source type", "bytes", "lines/s", "µs/line"
        );
    }
    let mut slowest_line_format = f64::INFINITY;
    for sample in SAMPLES {
        let declared = sample.declared.map(SourceType::new).transpose()?;
        let fields = sample.fields();
        let per_second = rate(args.seconds, || {
            let mut fields = fields.clone();
            black_box(normalize(declared.as_ref(), &mut fields));
        });
        if !sample.line.starts_with('{') {
            slowest_line_format = slowest_line_format.min(per_second);
        }
        if args.json {
            println!(
                "{}",
                serde_json::json!({
                    "sample": sample.name,
                    "source_type": sample.source_type,
                    "bytes": sample.line.len(),
                    "lines_per_second": per_second.round(),
                })
            );
        } else {
            println!(
                "{:<28} {:<20} {:>6} {:>12.0} {:>9.2}",
                sample.name,
                sample.source_type,
                sample.line.len(),
                per_second,
                1e6 / per_second
            );
        }
    }
    // The look every JSON event of a fast path pays: a Windows event of about 2.5 KB (the
    // size of an OTRF Sysmon event) holds no marker.
    let mut windows = String::from(
        r#"{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"WS01.corp.example""#,
    );
    for (i, key) in [
        "UtcTime",
        "ProcessGuid",
        "ProcessId",
        "Image",
        "FileVersion",
        "Description",
        "Product",
        "Company",
        "OriginalFileName",
        "CommandLine",
        "CurrentDirectory",
        "User",
        "LogonGuid",
        "LogonId",
        "TerminalSessionId",
        "IntegrityLevel",
        "Hashes",
        "ParentProcessGuid",
        "ParentProcessId",
        "ParentImage",
        "ParentCommandLine",
        "ParentUser",
        "RuleName",
        "Keywords",
        "Level",
        "Task",
        "Opcode",
        "EventRecordID",
        "ExecutionProcessID",
        "ExecutionThreadID",
        "ProviderGuid",
        "Provider_Name",
        "Version",
        "Severity",
        "EventType",
        "Hostname",
        "RecordNumber",
        "AccountName",
        "Domain",
    ]
    .iter()
    .enumerate()
    {
        windows.push_str(&format!(
            r#","{key}":"C:\\Windows\\System32\\{key}-{i}-value.exe /flag""#
        ));
    }
    windows.push('}');
    let windows = windows.as_str();
    // What the fast intake path does to a Windows event: the marker look, then its channel
    // for its source type.
    let looks = rate(args.seconds, || {
        let raw = black_box(windows.as_bytes());
        black_box(json_worth_a_look(raw) || vigie_parse::raw_windows_type(raw).is_some());
    });
    if args.json {
        println!(
            "{}",
            serde_json::json!({"sample": "marker-look-windows", "bytes": windows.len(), "lines_per_second": looks.round()})
        );
    } else {
        println!(
            "{:<28} {:<20} {:>6} {:>12.0} {:>9.2}",
            "marker look + type (Windows)",
            "-",
            windows.len(),
            looks,
            1e6 / looks
        );
        println!(
            "slowest line-oriented format: {slowest_line_format:.0} lines/s on one core (goal 100,000)"
        );
    }
    Ok(ExitCode::SUCCESS)
}
