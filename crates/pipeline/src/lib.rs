//! vigie-pipeline
