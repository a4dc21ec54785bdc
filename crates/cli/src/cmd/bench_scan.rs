//! `vigie bench scan`: the whole `vigie scan` process next to rsigma's `engine eval` on the
//! same file and rules, in one run.
//!
//! The event files are decompressed into one JSON Lines file (repeated `--repeat` times, so
//! the run is long enough for loading the rules not to be the whole of it). Each tool is run
//! `--runs` times as a child process reading that file and writing its matches as JSON Lines
//! to a pipe this process counts: wall-clock time from start to exit, CPU time (user +
//! system, from `/proc/self/stat`'s children times, in clock ticks) and peak memory (`VmHWM`
//! of the child, sampled every 10 ms). The anchor is rsigma from crates.io installed beside
//! the project (`cargo install rsigma --root DIR`, never committed); without `--rsigma`, and
//! when none is found in `~/.cache/vigie-rsigma/bin`, only vigie is measured and the run says
//! so. Figures are printed, never asserted.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

/// Options of `vigie bench scan`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Directory of Sigma rules (both tools load it).
    #[arg(long)]
    rules: PathBuf,
    /// Event files: JSON Lines, `.gz` for gzip.
    #[arg(long, required = true, num_args = 1..)]
    events: Vec<PathBuf>,
    /// Copies of the events in the input file.
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// Runs of each tool (best and median are printed).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// The rsigma binary (0.26 from crates.io is the anchor).
    #[arg(long)]
    rsigma: Option<PathBuf>,
    /// `vigie scan --threads` (default: every core).
    #[arg(long)]
    threads: Option<usize>,
}

/// One run of one tool.
struct Run {
    wall: Duration,
    cpu: Duration,
    peak_bytes: u64,
    lines: u64,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.repeat > 0 && args.runs > 0,
        "--repeat and --runs must be > 0"
    );
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let input = dir.path().join("events.jsonl");
    let (events, bytes) = write_input(&args.events, args.repeat, &input)?;
    let vigie = std::env::current_exe().context("cannot find the vigie binary")?;
    let rsigma = args.rsigma.clone().or_else(|| {
        let home = std::env::var_os("HOME")?;
        let path = Path::new(&home).join(".cache/vigie-rsigma/bin/rsigma");
        path.is_file().then_some(path)
    });
    let rules = args.rules.to_str().context("the rules path is not UTF-8")?;
    let file = input.to_str().context("temporary path is not UTF-8")?;
    let threads = args.threads.map(|t| t.to_string());
    let mut vigie_args = vec![
        "scan",
        "--rules",
        rules,
        "--format",
        "jsonl",
        "--summary",
        "none",
    ];
    if let Some(threads) = &threads {
        vigie_args.extend(["--threads", threads.as_str()]);
    }
    vigie_args.push(file);
    let rsigma_input = format!("@{file}");
    let rsigma_args = ["engine", "eval", "-r", rules, "-e", rsigma_input.as_str()];

    println!(
        "vigie bench scan: whole process on {events} events ({:.1} MiB of JSON Lines: {} file(s) × {}), rules {}",
        bytes as f64 / (1 << 20) as f64,
        args.events.len(),
        args.repeat,
        args.rules.display()
    );
    println!(
        "  {} core(s); each tool run {} time(s); matches counted as output lines",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        args.runs
    );
    let mut results = Vec::new();
    let tools: Vec<(&str, &Path, Vec<&str>)> = {
        let mut tools = vec![("vigie scan", vigie.as_path(), vigie_args.clone())];
        if let Some(rsigma) = &rsigma {
            tools.push(("rsigma engine eval", rsigma.as_path(), rsigma_args.to_vec()));
        }
        tools
    };
    for (name, program, arguments) in &tools {
        let mut runs = Vec::new();
        for _ in 0..args.runs {
            runs.push(measure(program, arguments).with_context(|| format!("{name} failed"))?);
        }
        runs.sort_by_key(|r| r.wall);
        let best = &runs[0];
        let median = &runs[runs.len() / 2];
        let peak = runs.iter().map(|r| r.peak_bytes).max().unwrap_or(0);
        println!(
            "  {name:<20} best {:.2} s ({:.0} events/s), median {:.2} s; CPU {:.2} s ({:.0} events per CPU-second); peak memory {:.0} MiB; {} match line(s)",
            best.wall.as_secs_f64(),
            events as f64 / best.wall.as_secs_f64(),
            median.wall.as_secs_f64(),
            median.cpu.as_secs_f64(),
            events as f64 / median.cpu.as_secs_f64().max(1e-9),
            peak as f64 / (1 << 20) as f64,
            best.lines,
        );
        results.push((name.to_string(), median.wall, median.cpu));
    }
    match results.as_slice() {
        [(_, vigie_wall, vigie_cpu), (_, rsigma_wall, rsigma_cpu)] => println!(
            "  ratio                vigie is {:.1}× rsigma in wall-clock time, {:.1}× in CPU time (medians)",
            rsigma_wall.as_secs_f64() / vigie_wall.as_secs_f64(),
            rsigma_cpu.as_secs_f64() / vigie_cpu.as_secs_f64().max(1e-9)
        ),
        _ => println!(
            "  rsigma not measured: install it beside the project (cargo install rsigma --root ~/.cache/vigie-rsigma) or give --rsigma PATH"
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes every event of `paths`, `repeat` times, into `out`; the events and bytes written.
fn write_input(paths: &[PathBuf], repeat: usize, out: &Path) -> anyhow::Result<(u64, u64)> {
    let mut lines = Vec::new();
    for path in paths {
        let raw = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let text = if raw.starts_with(&[0x1f, 0x8b]) {
            vigie_ingest::decode::gunzip_capped(&raw, 4 << 30)
                .with_context(|| format!("cannot decompress {}", path.display()))?
        } else {
            raw
        };
        lines.extend(
            text.split(|b| *b == b'\n')
                .filter(|l| l.iter().any(|b| !b.is_ascii_whitespace()))
                .map(<[u8]>::to_vec),
        );
    }
    anyhow::ensure!(!lines.is_empty(), "the event files hold no events");
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(out).with_context(|| format!("cannot create {}", out.display()))?,
    );
    let mut bytes = 0u64;
    for _ in 0..repeat {
        for line in &lines {
            file.write_all(line)?;
            file.write_all(b"\n")?;
            bytes += line.len() as u64 + 1;
        }
    }
    file.flush()?;
    Ok(((lines.len() * repeat) as u64, bytes))
}

/// Runs `program` to its end: wall time, CPU time, peak memory and output lines.
fn measure(program: &Path, arguments: &[&str]) -> anyhow::Result<Run> {
    let cpu_before = children_cpu()?;
    let started = Instant::now();
    let mut child = Command::new(program)
        .args(arguments)
        .env("VIGIE_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", program.display()))?;
    let stdout = child.stdout.take().context("no stdout")?;
    let counter = std::thread::spawn(move || {
        let mut reader = BufReader::with_capacity(1 << 16, stdout);
        let mut lines = 0u64;
        let mut buf = Vec::new();
        while reader.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
            lines += 1;
            buf.clear();
        }
        lines
    });
    let pid = child.id();
    let mut peak = 0u64;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        peak = peak.max(peak_memory(pid).unwrap_or(0));
        std::thread::sleep(Duration::from_millis(10));
    };
    let wall = started.elapsed();
    let lines = counter.join().unwrap_or(0);
    let mut stderr = String::new();
    if let Some(mut err) = child.stderr.take() {
        use std::io::Read;
        let _ = err.read_to_string(&mut stderr);
    }
    // vigie scan exits 1 when some input could not be read; both tools must have run.
    anyhow::ensure!(
        status.success() || status.code() == Some(1),
        "{} exited with {status}: {}",
        program.display(),
        stderr.lines().take(5).collect::<Vec<_>>().join(" / ")
    );
    Ok(Run {
        wall,
        cpu: children_cpu()?.saturating_sub(cpu_before),
        peak_bytes: peak,
        lines,
    })
}

/// CPU time of this process's waited-for children (`cutime` + `cstime` of
/// `/proc/self/stat`, in clock ticks of 10 ms).
fn children_cpu() -> anyhow::Result<Duration> {
    let text = std::fs::read_to_string("/proc/self/stat").context("cannot read /proc/self/stat")?;
    // Fields after the command name (which may hold spaces) start at state, field 3.
    let rest = text
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .context("unexpected /proc/self/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |index: usize| -> anyhow::Result<u64> {
        fields
            .get(index)
            .and_then(|f| f.parse().ok())
            .context("unexpected /proc/self/stat")
    };
    // cutime is field 16, cstime field 17; `fields[0]` is field 3.
    let ticks = tick(13)? + tick(14)?;
    Ok(Duration::from_millis(ticks * 10))
}

/// `VmHWM` of a running process, in bytes.
fn peak_memory(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}
