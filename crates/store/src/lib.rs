//! vigie-store: the event store and hunting.
//!
//! Events are stored after detection, from the durable log, by the pipeline's indexer
//! (`vigie_pipeline::Indexer`); storage may lag, detection never waits for it. The crate has
//! these parts:
//!
//! - [`EventStore`], the narrow trait every backend implements: durable
//!   [`EventStore::write`] of events with their log offsets (a replay writes nothing twice), [`EventStore::scan`] inside a
//!   [`vigie_access::TenantScope`] (every read takes one), [`EventStore::usage`] and
//!   [`EventStore::enforce_retention`] (drops whole partitions). Its values are in [`model`].
//! - [`EmbeddedStore`] (module [`embedded`]): one tantivy index per tenant and day of
//!   reception in the data directory, LZ4-compressed, with the event fields indexed by path
//!   (free text searches every path).
//! - [`query`]: the hunting language (parser with column-precise errors, the reference
//!   semantics [`query::Expr::matches`], pipe stages `where`, `stats`, `timechart`, `sort`,
//!   `head`, `fields`) and [`query::run`].
//! - [`retro`]: Sigma backtest through the same compiled engine as live detection
//!   ([`vigie_detect::RuleSet`]) and IOC lists over history, with counts per day, tenant and
//!   rule; [`jobs`] runs them in the background with progress and cancel.
//! - `testsuite` (feature `testsuite`): the conformance suite written against
//!   [`EventStore`] only, run on [`EmbeddedStore`] by `cargo test`, meant for every backend.

#![deny(missing_docs)]

pub mod behind;
pub mod embedded;
mod error;
pub mod jobs;
pub mod model;
pub mod query;
pub mod retro;
mod store;

#[cfg(any(test, feature = "testsuite"))]
pub mod testsuite;

pub use embedded::{EmbeddedConfig, EmbeddedStore};
pub use error::StoreError;
pub use model::{
    Dropped, Limits, LoggedEvent, LoggedRecord, Order, RecordsReport, RetentionPolicy, ScanRequest,
    StoredEvent, TenantBatch, TenantUsage, TimeRange, WriteReport, event_time,
};
pub use store::EventStore;

#[cfg(test)]
mod tests;
