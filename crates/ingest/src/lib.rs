//! Intake: turns bytes from senders into [`vigie_event::Event`]s, appends them to the durable
//! log and acknowledges only once the log says they are durable.
//!
//! - [`decode`]: transport decoding with hard caps (gzip bodies never inflate past a limit).
//! - [`ndjson`]: one JSON object per line; every bad line is named by number and reason while
//!   the good lines of the same body are kept.
//! - [`Intake`]: the one door into the log. It refuses work when the pipeline lags beyond the
//!   configured backlog (the caller answers 429 / stops reading), attributes every event to
//!   the tenant of the caller's credential, and counts every event it sees:
//!   `received = accepted + rejected`, per tenant, source and reason.
//! - [`otlp`]: OpenTelemetry log records (OTLP) read into events.
//!
//! The durability boundary is this crate's boundary: nothing after [`Intake::submit`]
//! returns `Ok` may be lost (design invariant 2).

pub mod bulk;
pub mod decode;
pub mod file;
pub mod intake;
pub mod ndjson;
pub mod otlp;
pub mod record;
pub mod syslog;
pub mod time;

pub use intake::{Intake, IntakeConfig, IntakeError, SubmitAck};
pub use ndjson::{LineRejection, NdjsonBatch};
