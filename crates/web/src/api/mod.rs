//! One file per API resource.

pub mod alert_actions;
pub mod alerts;
pub mod bulk;
pub mod es;
pub mod health;
pub mod hunt;
pub mod import;
pub mod incidents;
pub mod ingest;
pub mod login;
pub mod nis2;
pub mod notifications;
pub mod openapi;
pub mod otlp;
pub mod reports;
pub mod rules;
pub mod session;
pub mod sla;
pub mod suppressions;
pub mod tenants;
pub mod user_tokens;
pub mod users;
