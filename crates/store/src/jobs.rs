//! Long hunts as jobs: progress, cancel, and the result kept for later.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::FutureExt;
use jiff::Timestamp;
use serde::Serialize;

use crate::StoreError;

/// Shared between a running job and whoever watches it.
#[derive(Debug, Default)]
pub struct JobControl {
    cancelled: AtomicBool,
    /// Partitions finished.
    pub units_done: AtomicU64,
    /// Partitions to read.
    pub units_total: AtomicU64,
    /// Events examined.
    pub examined: AtomicU64,
}

impl JobControl {
    /// Asks the job to stop at its next batch.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether the job was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

/// Where a job is.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobState {
    /// Still working.
    Running,
    /// Finished; the result.
    Done {
        /// The job's result as JSON.
        result: serde_json::Value,
    },
    /// Failed; why.
    Failed {
        /// The error.
        error: String,
    },
    /// Stopped by a cancel.
    Cancelled,
}

/// What a caller sees of a job.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct JobView {
    /// Its id.
    pub id: u64,
    /// What it does (`backtest`, `ioc`, `hunt`).
    pub kind: String,
    /// When it started.
    pub started_at: Timestamp,
    /// Partitions done and total, events examined.
    pub progress: Progress,
    /// Its state (and result once done).
    #[serde(flatten)]
    pub state: JobState,
}

/// Progress of a job.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
pub struct Progress {
    /// Partitions finished.
    pub units_done: u64,
    /// Partitions to read.
    pub units_total: u64,
    /// Events examined.
    pub examined: u64,
}

struct Job {
    id: u64,
    owner: String,
    kind: String,
    started_at: Timestamp,
    control: Arc<JobControl>,
    state: Arc<Mutex<JobState>>,
}

/// The jobs of this process; the oldest finished ones are forgotten past `capacity`, and
/// one owner may have at most `per_owner` running at once.
#[derive(Clone)]
pub struct Jobs {
    inner: Arc<Mutex<(u64, VecDeque<Job>)>>,
    capacity: usize,
    per_owner: usize,
}

/// A job refused because its owner already runs as many as it may.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{running} jobs of yours are still running (at most {limit} at once); wait for one to end or cancel one"
)]
pub struct TooManyJobs {
    /// The owner's running jobs.
    pub running: usize,
    /// The limit per owner.
    pub limit: usize,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl Jobs {
    /// A registry keeping at most `capacity` jobs, of which one owner may run at most
    /// `per_owner` at once (running jobs are never forgotten, so the running total is at
    /// most `per_owner` times the owners).
    pub fn new(capacity: usize, per_owner: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new((0, VecDeque::new()))),
            capacity: capacity.max(1),
            per_owner: per_owner.max(1),
        }
    }

    /// Starts `work` as a job of `owner` (only that owner sees it). Returns its id, or
    /// [`TooManyJobs`] (and `work` is not called) when the owner already runs its limit. A
    /// job whose work panics ends `failed` with the panic's message; the process goes on.
    pub fn spawn<F, Fut>(&self, owner: &str, kind: &str, work: F) -> Result<u64, TooManyJobs>
    where
        F: FnOnce(Arc<JobControl>) -> Fut,
        Fut: Future<Output = Result<serde_json::Value, StoreError>> + Send + 'static,
    {
        let control = Arc::new(JobControl::default());
        let state = Arc::new(Mutex::new(JobState::Running));
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let running = guard
            .1
            .iter()
            .filter(|j| j.owner == owner && is_running(j))
            .count();
        if running >= self.per_owner {
            return Err(TooManyJobs {
                running,
                limit: self.per_owner,
            });
        }
        let future = work(Arc::clone(&control));
        let id = {
            guard.0 += 1;
            let id = guard.0;
            guard.1.push_back(Job {
                id,
                owner: owner.to_owned(),
                kind: kind.to_owned(),
                started_at: Timestamp::now(),
                control: Arc::clone(&control),
                state: Arc::clone(&state),
            });
            while guard.1.len() > self.capacity {
                match guard.1.iter().position(|j| !is_running(j)) {
                    Some(i) => {
                        guard.1.remove(i);
                    }
                    None => break,
                }
            }
            id
        };
        drop(guard);
        tokio::spawn(async move {
            let outcome = std::panic::AssertUnwindSafe(future).catch_unwind().await;
            let new_state = match outcome {
                Ok(Ok(result)) => JobState::Done { result },
                Ok(Err(StoreError::Cancelled)) => JobState::Cancelled,
                Ok(Err(error)) => JobState::Failed {
                    error: error.to_string(),
                },
                Err(panic) => JobState::Failed {
                    error: format!(
                        "the job stopped on an internal error: {}",
                        panic_message(panic.as_ref())
                    ),
                },
            };
            if let Ok(mut s) = state.lock() {
                *s = if control.is_cancelled() {
                    JobState::Cancelled
                } else {
                    new_state
                };
            }
        });
        Ok(id)
    }

    /// The job `id` if `owner` started it.
    pub fn get(&self, owner: &str, id: u64) -> Option<JobView> {
        let guard = self.inner.lock().ok()?;
        guard
            .1
            .iter()
            .find(|j| j.id == id && j.owner == owner)
            .map(view)
    }

    /// The jobs of `owner`, oldest first.
    pub fn list(&self, owner: &str) -> Vec<JobView> {
        let Ok(guard) = self.inner.lock() else {
            return Vec::new();
        };
        guard
            .1
            .iter()
            .filter(|j| j.owner == owner)
            .map(view)
            .collect()
    }

    /// Cancels job `id` of `owner`: `None` if there is no such job, `Some(false)` if it had
    /// already ended (its state stays), `Some(true)` if it was running and will stop at its
    /// next batch.
    pub fn cancel(&self, owner: &str, id: u64) -> Option<bool> {
        let guard = self.inner.lock().ok()?;
        let job = guard.1.iter().find(|j| j.id == id && j.owner == owner)?;
        let state = job.state.lock().unwrap_or_else(|e| e.into_inner());
        if *state == JobState::Running {
            job.control.cancel();
            Some(true)
        } else {
            Some(false)
        }
    }
}

fn is_running(job: &Job) -> bool {
    matches!(
        *job.state.lock().unwrap_or_else(|e| e.into_inner()),
        JobState::Running
    )
}

/// The text of a panic payload (`panic!` with a literal or a formatted message).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

fn view(job: &Job) -> JobView {
    JobView {
        id: job.id,
        kind: job.kind.clone(),
        started_at: job.started_at,
        progress: Progress {
            units_done: job.control.units_done.load(Ordering::Relaxed),
            units_total: job.control.units_total.load(Ordering::Relaxed),
            examined: job.control.examined.load(Ordering::Relaxed),
        },
        state: job
            .state
            .lock()
            .map(|s| s.clone())
            .unwrap_or(JobState::Failed {
                error: "job state lost".into(),
            }),
    }
}
