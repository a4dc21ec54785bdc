//! What a failed delivery attempt says: whether trying again may help.

/// A failed delivery attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// What went wrong (never a secret).
    pub message: String,
    /// Whether another attempt cannot succeed (an unknown mailbox, a 4xx of a webhook).
    pub permanent: bool,
}

impl Failure {
    /// A failure another attempt may not repeat (timeouts, refused connections, 5xx).
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: false,
        }
    }

    /// A failure another attempt would repeat.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: true,
        }
    }
}
