//! vigie's notifications: e-mail over SMTP and signed webhooks, to the SOC's people and the
//! clients' contacts, in each recipient's language.
//!
//! - [`config`]: `[notify]` — the relay, webhooks, recipients (language, quiet hours,
//!   tenants, events) and on-call teams (rota, escalation). Nothing configured: no notifier
//!   and no outbound call.
//! - [`notifier`]: the sweeps that queue what happened (new critical and high alerts, SLA
//!   warnings and breaches, NIS2 reminders, questions and answers, reports ready, escalation
//!   of unacknowledged pages) into the outbox of `vigie_soc::notify`, and the sender that
//!   delivers it with retries and backoff until sent or dead.
//! - [`smtp`], [`webhook`]: the two channels; [`texts`]: the messages in FR, NL, DE and EN.

pub mod config;
pub mod notifier;
pub mod send;
pub mod smtp;
pub mod texts;
pub mod webhook;

pub use config::NotifyConfig;
pub use notifier::{Languages, Notifier, SweepReport};
