//! `vigie bench detect`: Sigma detection throughput on one core.
//!
//! Reads a JSON Lines file of events (gzip when it ends in `.gz`) into memory, then measures
//! on this thread: the rate of merely parsing the lines into events, the rate of detection
//! on the parsed events (every rule of the directory loaded, events routed and prefiltered
//! as on the live stream), and both together. Each rate is measured over several rounds
//! (whole passes over the input, at least 0.25 s each) and given as the best and the median, per second of
//! this thread's CPU time (`/proc/thread-self/schedstat`: what one core gives, even when
//! other processes share the machine) and per wall-clock second. Prints rules loaded,
//! compile time, matches and peak memory (`VmHWM`). Figures are printed, never asserted.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use vigie_detect::RuleSet;
use vigie_event::{Event, TenantId};

/// Decoded input larger than this is refused (the events are held in memory).
const MAX_INPUT: u64 = 4 << 30;

/// Options of `vigie bench detect`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Directory of Sigma rules (searched recursively).
    #[arg(long)]
    rules: PathBuf,
    /// Events: JSON Lines, `.gz` for gzip; several files may follow.
    #[arg(long, required = true, num_args = 1..)]
    events: Vec<PathBuf>,
    /// Measure each phase for at least this many seconds.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
}

/// Lines of the input files, each a JSON object.
fn read_lines(paths: &[PathBuf]) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut lines = Vec::new();
    for path in paths {
        let raw = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let text = if path.extension().is_some_and(|e| e == "gz") {
            vigie_ingest::decode::gunzip_capped(&raw, MAX_INPUT)
                .with_context(|| format!("cannot decompress {}", path.display()))?
        } else {
            raw
        };
        for line in text.split(|b| *b == b'\n') {
            if line.iter().any(|b| !b.is_ascii_whitespace()) {
                lines.push(line.to_vec());
            }
        }
    }
    Ok(lines)
}

fn parse(line: &[u8]) -> anyhow::Result<Event> {
    let fields: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(line)?;
    Ok(Event::new(
        TenantId(1),
        jiff::Timestamp::UNIX_EPOCH,
        "bench",
        fields,
    ))
}

/// Time this thread has spent on a CPU, from `/proc/thread-self/schedstat` (nanoseconds);
/// `None` where the kernel does not say.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// Rates of several rounds: items per wall-clock second and per second on the CPU (the
/// latter is what one core gives when other processes share the machine).
struct Rates {
    wall: Vec<f64>,
    cpu: Vec<f64>,
    /// Passes over the input per round.
    passes: usize,
}

impl Rates {
    /// Best and median of a list.
    fn best_median(list: &[f64]) -> (f64, f64) {
        let mut sorted = list.to_vec();
        sorted.sort_by(f64::total_cmp);
        match sorted.last() {
            Some(best) => (*best, sorted[sorted.len() / 2]),
            None => (f64::NAN, f64::NAN),
        }
    }

    fn line(&self) -> String {
        let (cpu_best, cpu_median) = Rates::best_median(&self.cpu);
        let (wall_best, wall_median) = Rates::best_median(&self.wall);
        format!(
            "{cpu_best:.0} events/s per core in CPU time (best of {} rounds of {} passes; \
             median {cpu_median:.0}); wall clock: best {wall_best:.0}, median {wall_median:.0}",
            self.wall.len(),
            self.passes
        )
    }
}

/// Shortest round: the thread CPU clock can advance in scheduler ticks (4 ms on some
/// kernels), so a round of one short pass would be quantised by several per cent.
const MIN_ROUND: Duration = Duration::from_millis(250);

/// Runs `pass` (over `items` items) in rounds of at least [`MIN_ROUND`] (whole passes)
/// until `min` has passed, at least five rounds. The first pass only warms up and sizes
/// the rounds.
fn rate(min: Duration, items: usize, mut pass: impl FnMut()) -> Rates {
    let first = Instant::now();
    pass();
    let passes = (MIN_ROUND.as_secs_f64() / first.elapsed().as_secs_f64().max(1e-6))
        .ceil()
        .max(1.0) as usize;
    let started = Instant::now();
    let mut rates = Rates {
        wall: Vec::new(),
        cpu: Vec::new(),
        passes,
    };
    while rates.wall.len() < 5 || started.elapsed() < min {
        let (wall, cpu) = (Instant::now(), thread_cpu());
        for _ in 0..passes {
            pass();
        }
        let items = (items * passes) as f64;
        rates.wall.push(items / wall.elapsed().as_secs_f64());
        if let (Some(before), Some(after)) = (cpu, thread_cpu()) {
            rates
                .cpu
                .push(items / (after - before).as_secs_f64().max(1e-9));
        }
    }
    rates
}

/// Peak resident memory of this process, from `/proc/self/status`.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let min = Duration::from_secs_f64(args.seconds.max(0.1));
    // Wall clock and this thread's CPU time of one step.
    let timed = |step: &mut dyn FnMut()| {
        let (wall, cpu) = (Instant::now(), thread_cpu());
        step();
        let cpu = cpu.zip(thread_cpu()).map(|(before, after)| after - before);
        (wall.elapsed(), cpu)
    };
    let mut loaded_set = None;
    let load_cpu = super::bench::process_cpu();
    let loaded = timed(&mut || loaded_set = Some(RuleSet::load_dir(&args.rules)));
    // Rule files compile on several threads: their CPU time, not this thread's.
    let loaded = (
        loaded.0,
        load_cpu
            .zip(super::bench::process_cpu())
            .map(|(before, after)| after - before),
    );
    let (rules, report) = loaded_set.context("rules not loaded")??;
    let indexed = timed(&mut || {
        rules.prepare();
    });
    let rules_peak = peak_memory_kib();
    let mut stats = None;
    let automata = timed(&mut || stats = Some(rules.compile_all()));
    let stats = stats.context("rules not compiled")?;
    let compiled_peak = peak_memory_kib();

    let lines = read_lines(&args.events)?;
    anyhow::ensure!(!lines.is_empty(), "no events in the input files");
    let bytes: usize = lines.iter().map(Vec::len).sum();
    let events: Vec<Event> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            parse(line).with_context(|| format!("event {} is not a JSON object", i + 1))
        })
        .collect::<anyhow::Result<_>>()?;

    let parse_rate = rate(min, lines.len(), || {
        for line in &lines {
            std::hint::black_box(parse(line).ok());
        }
    });
    let mut matches = 0usize;
    let mut routed = 0usize;
    let mut evaluated = 0usize;
    for event in &events {
        matches += rules.evaluate(event).len();
        routed += rules.routed_count(event);
        evaluated += rules.candidate_count(event);
    }
    let mut hits = Vec::new();
    let detect_rate = rate(min, events.len(), || {
        for event in &events {
            hits.clear();
            rules.evaluate_into(event, &mut hits);
            std::hint::black_box(&hits);
        }
    });
    let both_rate = rate(min, lines.len(), || {
        for line in &lines {
            if let Ok(event) = parse(line) {
                hits.clear();
                rules.evaluate_into(&event, &mut hits);
                std::hint::black_box(&hits);
            }
        }
    });

    let name = |p: &Path| p.display().to_string();
    println!("vigie bench detect: one thread");
    println!(
        "  events           {} from {} ({:.1} MB of JSON)",
        events.len(),
        args.events
            .iter()
            .map(|p| name(p))
            .collect::<Vec<_>>()
            .join(", "),
        bytes as f64 / 1e6
    );
    println!(
        "  rules            {} loaded, {} rejected, {} with warnings, from {}",
        report.loaded.len(),
        report.rejected.len(),
        report.warnings.len(),
        name(&args.rules)
    );
    let seconds = |(wall, cpu): (Duration, Option<Duration>)| {
        format!(
            "{:.3} s CPU ({:.3} s wall)",
            cpu.map_or(f64::NAN, |c| c.as_secs_f64()),
            wall.as_secs_f64()
        )
    };
    println!(
        "  compile          {} reading + compiling rules (on up to 4 threads; CPU of every \
         thread, in 10 ms ticks), {} building the index; {} more to build every automaton \
         otherwise built on first use",
        seconds(loaded),
        seconds(indexed),
        seconds(automata)
    );
    println!(
        "  load             {:.3} s wall clock from the rule directory to an indexed rule set \
         (read + compile + index)",
        (loaded.0 + indexed.0).as_secs_f64()
    );
    println!(
        "  index            {} rule routes in {} buckets ({} prefiltered by literal in {} automata \
         ({} distinct), {} always tried)",
        stats.targets,
        stats.buckets,
        stats.keyed,
        stats.automata,
        stats.distinct_automata,
        stats.unkeyed
    );
    println!(
        "  routing          {:.1} rule routes per event before the literal prefilter, {:.1} evaluated after it",
        routed as f64 / events.len() as f64,
        evaluated as f64 / events.len() as f64
    );
    println!("  matches          {matches} (rule, event) pairs in one pass");
    println!("  parse only       {}", parse_rate.line());
    println!("  detect only      {} (parsed events)", detect_rate.line());
    println!("  parse + detect   {}", both_rate.line());
    let mib = |kib: Option<u64>| {
        kib.map_or("unknown (no /proc/self/status)".to_owned(), |k| {
            format!("{:.1} MiB", k as f64 / 1024.0)
        })
    };
    println!(
        "  peak memory      {} with the rules loaded and indexed (VmHWM), {} with every \
         automaton built",
        mib(rules_peak),
        mib(compiled_peak)
    );
    println!(
        "                   {} at the end, the input and its parsed events held in memory",
        mib(peak_memory_kib())
    );
    Ok(ExitCode::SUCCESS)
}
