//! The running graph: reads the durable log, runs detection on each event before storage,
//! records alerts, then commits its position in the log.
//!
//! Order of a step, and why it survives a crash anywhere (design invariant 2):
//! 1. read a batch of records after the committed offset;
//! 2. decode and evaluate every event against the rule set (on a blocking thread: detection
//!    is synchronous CPU work);
//! 3. insert the alerts, whose identity is derived from (rule id, event id), so inserting
//!    the same alert twice is a no-op;
//! 4. commit the offset after the batch.
//!
//! A crash between 3 and 4 replays the batch: the same events give the same alert ids, and
//! no alert is duplicated. A record that cannot be decoded is counted
//! (`vigie_pipeline_undecodable_total`) and logged with its offset, never silently skipped.

pub mod correlate;
mod indexer;
mod runner;

pub use indexer::{IndexStep, Indexer, IndexerConfig, IndexerError};
pub use runner::{Pipeline, PipelineConfig, PipelineError, StepOutcome, TACTICS, ioc_alert};
