//! Errors of the event store.

use std::path::PathBuf;

/// Everything the store can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file or directory operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// On what.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The index library failed.
    #[error("index {path}: {message}")]
    Index {
        /// The partition.
        path: PathBuf,
        /// What it said.
        message: String,
    },
    /// A stored record could not be read back.
    #[error("stored event in {path} is not readable: {message}")]
    Corrupt {
        /// The partition.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The query is wrong.
    #[error("{0}")]
    Query(String),
    /// The scan was cancelled by its caller.
    #[error("cancelled")]
    Cancelled,
    /// A worker thread failed.
    #[error("store worker failed: {0}")]
    Worker(String),
}

impl StoreError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        StoreError::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn index(path: impl Into<PathBuf>, error: impl std::fmt::Display) -> Self {
        StoreError::Index {
            path: path.into(),
            message: error.to_string(),
        }
    }
}
