//! One file per API resource.

pub mod alerts;
pub mod bulk;
pub mod es;
pub mod health;
pub mod import;
pub mod ingest;
pub mod rules;
pub mod tenants;
