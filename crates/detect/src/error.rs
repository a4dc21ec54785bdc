//! Errors of the detection crate.

use std::path::PathBuf;

/// A failure that stops loading altogether (as opposed to a rejected rule, which is reported
/// in [`crate::LoadReport::rejected`] and does not stop loading).
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// The rule directory given to [`crate::RuleSet::load_dir`] could not be read.
    #[error("cannot read rule directory {}: {source}", path.display())]
    ReadDir {
        /// The directory.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
}
