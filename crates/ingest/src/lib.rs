//! vigie-ingest
