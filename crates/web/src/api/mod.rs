//! One file per API resource.

pub mod alerts;
pub mod health;
pub mod ingest;
pub mod rules;
pub mod tenants;
