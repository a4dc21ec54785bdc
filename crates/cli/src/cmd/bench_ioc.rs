//! `vigie bench ioc`: IOC matching with a million indicators.
//!
//! Builds a set of `--indicators` indicators (by default one million: 40 % IPv4 addresses,
//! 5 % networks, 30 % domains, 20 % SHA-256 and 5 % URLs, generated from a fixed seed), a
//! few of which are values the events carry so that hits happen, compiles it, then matches
//! every event of the given files (JSON Lines, `.gz` for gzip, parsed beforehand) on this
//! thread for at least `--seconds`: events/s per second of this thread's CPU time and of
//! wall-clock time, compile time, hits, and peak memory (`VmHWM`) with the set compiled.
//! Figures are printed, never asserted.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use vigie_detect::intel::{Indicator, Intel, IocKind, IocSet};
use vigie_event::{Event, TenantId};

/// Options of `vigie bench ioc`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Event files: JSON Lines, `.gz` for gzip.
    #[arg(long, required = true, num_args = 1..)]
    events: Vec<PathBuf>,
    /// Indicators in the set.
    #[arg(long, default_value_t = 1_000_000)]
    indicators: usize,
    /// Measure for at least this many seconds.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
}

/// Time this thread has spent on a CPU (`/proc/thread-self/schedstat`, nanoseconds).
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
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

fn read_events(paths: &[PathBuf]) -> anyhow::Result<Vec<Event>> {
    let mut events = Vec::new();
    for path in paths {
        let raw = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let text = if raw.starts_with(&[0x1f, 0x8b]) {
            vigie_ingest::decode::gunzip_capped(&raw, 4 << 30)
                .with_context(|| format!("cannot decompress {}", path.display()))?
        } else {
            raw
        };
        for (number, line) in text.split(|b| *b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let fields: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(line)
                .with_context(|| {
                format!(
                    "{}: line {} is not a JSON object",
                    path.display(),
                    number + 1
                )
            })?;
            events.push(Event::new(
                TenantId(1),
                jiff::Timestamp::UNIX_EPOCH,
                "bench",
                fields,
            ));
        }
    }
    anyhow::ensure!(!events.is_empty(), "the event files hold no events");
    Ok(events)
}

/// A deterministic pseudo-random generator (SplitMix64): the same set at every run.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// `count` indicators of the mix above, then values taken from the events (their IP
/// addresses and host names) so that some events hit.
fn indicators(count: usize, events: &[Event]) -> Vec<Indicator> {
    let mut mix = Mix(0x5EED);
    let mut out = Vec::with_capacity(count + 16);
    let one = |kind, value: String| Indicator {
        kind,
        value,
        expires: None,
        reference: None,
    };
    for i in 0..count {
        let r = mix.next();
        let (kind, value) = match i % 20 {
            0..=7 => (IocKind::Ip, std::net::Ipv4Addr::from(r as u32).to_string()),
            8 => (
                IocKind::Cidr,
                format!("{}/24", std::net::Ipv4Addr::from((r as u32) & 0xFFFF_FF00)),
            ),
            9..=14 => (IocKind::Domain, format!("h{:x}.example", r)),
            15..=18 => (IocKind::Sha256, format!("{:016x}", r).repeat(4)),
            _ => (IocKind::Url, format!("https://u{:x}.example/p", r)),
        };
        out.push(one(kind, value));
    }
    // Real values of the events: addresses in `DestinationIp`, names in `QueryName`.
    let mut taken = 0;
    for event in events {
        for (field, kind) in [
            ("DestinationIp", IocKind::Ip),
            ("QueryName", IocKind::Domain),
        ] {
            if taken < 16
                && let Some(value) = event.field(field).and_then(|v| v.as_str())
                && vigie_detect::intel::normalize(kind, value).is_ok()
                && !out.iter().rev().take(taken).any(|i| i.value == value)
            {
                out.push(one(kind, value.to_owned()));
                taken += 1;
            }
        }
    }
    out
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let events = read_events(&args.events)?;
    let before = peak_memory().unwrap_or(0);
    let set = IocSet {
        version: 1,
        name: "bench".to_owned(),
        source: "generated".to_owned(),
        description: None,
        level: vigie_detect::Level::High,
        expires: None,
        indicators: indicators(args.indicators, &events),
    };
    let started = Instant::now();
    let mut intel = Intel::new();
    let mut refused = Vec::new();
    intel.add(
        &set,
        None,
        Path::new("bench.json"),
        jiff::Timestamp::now(),
        &mut refused,
    );
    let compile = started.elapsed();
    let compiled = peak_memory().unwrap_or(0);
    drop(set);
    let now = jiff::Timestamp::now();
    let (mut passes, mut hits) = (0u64, 0u64);
    let wall = Instant::now();
    let cpu = thread_cpu();
    while wall.elapsed().as_secs_f64() < args.seconds {
        for event in &events {
            hits += intel.matches(event, now).len() as u64;
        }
        passes += 1;
    }
    let wall = wall.elapsed();
    let cpu = thread_cpu().zip(cpu).map(|(after, before)| after - before);
    let matched = events.len() as u64 * passes;
    println!(
        "vigie bench ioc: {} indicators ({} refused), {} events × {passes} passes",
        intel.len(),
        refused.len(),
        events.len()
    );
    println!(
        "  compile        {:.2} s; memory {:.0} MiB with the set compiled ({:.0} MiB before)",
        compile.as_secs_f64(),
        compiled as f64 / (1 << 20) as f64,
        before as f64 / (1 << 20) as f64
    );
    if let Some(cpu) = cpu {
        println!(
            "  matching       {:.0} events/s per core (CPU time), {:.0} events/s wall; {:.2} µs per event",
            matched as f64 / cpu.as_secs_f64(),
            matched as f64 / wall.as_secs_f64(),
            cpu.as_secs_f64() * 1e6 / matched as f64
        );
    } else {
        println!(
            "  matching       {:.0} events/s wall",
            matched as f64 / wall.as_secs_f64()
        );
    }
    println!("  hits           {} per pass", hits / passes.max(1));
    Ok(ExitCode::SUCCESS)
}
