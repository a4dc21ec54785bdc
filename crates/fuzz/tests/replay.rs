//! Replays every committed fuzz input through its target in the ordinary `cargo test`:
//! the seed corpora (`fuzz/corpus/<target>/`) and every input that once failed
//! (`fuzz/regressions/<target>/`). Each input runs on its own thread with a deadline; a
//! panic, or an input still running at the deadline, fails the test naming the target and
//! the file.
//!
//! `VIGIE_FUZZ_REPLAY_SECONDS` changes the deadline (default 10 s of CPU time, for the
//! debug build).

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The fuzz project, beside the workspace's crates.
fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn deadline() -> Duration {
    let seconds = std::env::var("VIGIE_FUZZ_REPLAY_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    Duration::from_secs(seconds)
}

/// The files of a folder, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("read a fuzz input folder").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// CPU time used so far by thread `tid` of this process (Linux `/proc`, in 10 ms ticks);
/// `None` where it cannot be read.
fn thread_cpu(tid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Runs one input on its own thread; `Err` says what went wrong. The deadline is CPU time
/// of that thread, so a loaded machine does not fail the test; a wall-clock bound six times
/// longer (at least a minute) catches work done on other threads (the EVTX parser's pool).
fn replay(target: vigie_fuzz::Target, label: &str, path: &Path) -> Result<Duration, String> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let (tx, rx) = mpsc::channel();
    let (tid_tx, tid_rx) = mpsc::channel();
    let started = Instant::now();
    std::thread::Builder::new()
        // The panic message and a stack overflow name the thread: the input.
        .name(label.to_owned())
        // libFuzzer runs targets on the main thread (8 MiB); the debug build needs more.
        .stack_size(32 << 20)
        .spawn(move || {
            let tid = std::fs::read_link("/proc/thread-self")
                .ok()
                .and_then(|p| p.file_name().and_then(|f| f.to_str()).map(str::to_owned));
            let _ = tid_tx.send(tid);
            let outcome = std::panic::catch_unwind(|| target(&data)).map_err(|payload| {
                payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "a panic without a message".to_owned())
            });
            let _ = tx.send(outcome);
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    let limit = deadline();
    let wall = (limit * 6).max(Duration::from_secs(60));
    let tid = tid_rx.recv_timeout(wall).ok().flatten();
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(Ok(())) => return Ok(started.elapsed()),
            Ok(Err(message)) => return Err(format!("panicked: {message}")),
            Err(RecvTimeoutError::Disconnected) => {
                return Err("ended without an outcome".to_owned());
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        let cpu = tid.as_deref().and_then(thread_cpu);
        if cpu.is_some_and(|cpu| cpu > limit) || (cpu.is_none() && started.elapsed() > limit) {
            return Err(format!("still running after {limit:?} of CPU time"));
        }
        if started.elapsed() > wall {
            return Err(format!("still running after {wall:?}"));
        }
    }
}

/// Replays the corpus and the regressions of one target; fails naming every bad input.
fn replay_target(name: &str) {
    let target = vigie_fuzz::target(name).unwrap_or_else(|| panic!("no fuzz target {name}"));
    let mut failures = Vec::new();
    let mut count = 0;
    let mut slowest = (Duration::ZERO, String::new());
    for kind in ["corpus", "regressions"] {
        for path in files(&fuzz_dir().join(kind).join(name)) {
            let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("?");
            let label = format!("{kind}/{name}/{file}");
            count += 1;
            match replay(target, &label, &path) {
                Ok(took) if took > slowest.0 => slowest = (took, label),
                Ok(_) => {}
                Err(why) => failures.push(format!("fuzz/{label}: {why}")),
            }
        }
    }
    assert!(count > 0, "fuzz/corpus/{name} holds no input");
    assert!(
        failures.is_empty(),
        "{} of {count} inputs of fuzz target {name} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "{name}: {count} inputs replayed, slowest {} in {:?}",
        slowest.1, slowest.0
    );
}

macro_rules! replay_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                replay_target(stringify!($name));
            }
        )*

        /// Every target has a test here, and every input folder names a target.
        #[test]
        fn every_target_is_replayed_and_every_folder_is_a_target() {
            let tested = [$(stringify!($name)),*];
            for (name, _) in vigie_fuzz::TARGETS {
                assert!(tested.contains(name), "no replay test for fuzz target {name}");
            }
            for kind in ["corpus", "regressions"] {
                let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind)) else {
                    continue;
                };
                for entry in entries {
                    let path = entry.expect("read fuzz folders").path();
                    let Some(name) = path.file_name().and_then(|f| f.to_str()) else {
                        continue;
                    };
                    if path.is_dir() {
                        assert!(
                            vigie_fuzz::target(name).is_some(),
                            "fuzz/{kind}/{name} names no fuzz target"
                        );
                    }
                }
            }
        }
    };
}

replay_tests!(
    syslog_3164,
    syslog_5424,
    syslog_framing,
    json_event,
    bulk,
    gzip,
    record_codec,
    evtx_file,
    evtx_chunk,
    rule_yaml,
    sigma_condition,
    query_parse,
    source_line,
    otlp_logs,
);
