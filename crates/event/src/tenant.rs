//! Tenants: their numeric id and their slug. What a caller may read of them (the scope) is
//! built only by the access layer (`vigie_access::scope`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Numeric identity of a tenant in the state store. An id is not a permission: reading needs a
/// scope from the access layer (`vigie_access::TenantScope`).
#[derive(Copy, Clone, Debug, Eq, PartialEq, Hash, Ord, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TenantId(pub i64);

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The human name of a tenant used on the command line and in URLs: lowercase ASCII letters,
/// digits and `-`, 2 to 63 characters, starting with a letter (e.g. `cpas-liege`).
#[derive(Clone, Debug, Eq, PartialEq, Hash, Ord, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantSlug(String);

/// Why a string is not a valid [`TenantSlug`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid tenant slug {value:?}: {reason}")]
pub struct SlugError {
    /// The rejected input.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl TenantSlug {
    /// Validates and wraps a slug.
    pub fn new(value: impl Into<String>) -> Result<Self, SlugError> {
        let value = value.into();
        let reason = if value.len() < 2 || value.len() > 63 {
            Some("must be 2 to 63 characters long")
        } else if !value.starts_with(|c: char| c.is_ascii_lowercase()) {
            Some("must start with a lowercase letter")
        } else if !value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            Some("may only contain lowercase letters, digits and '-'")
        } else if value.ends_with('-') {
            Some("must not end with '-'")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(SlugError { value, reason }),
            None => Ok(Self(value)),
        }
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for TenantSlug {
    type Err = SlugError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl TryFrom<String> for TenantSlug {
    type Error = SlugError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<TenantSlug> for String {
    fn from(slug: TenantSlug) -> Self {
        slug.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_rules() {
        assert!(TenantSlug::new("cpas-liege").is_ok());
        assert!(TenantSlug::new("a1").is_ok());
        for bad in ["", "a", "1abc", "Abc", "ab_c", "ab-", &"a".repeat(64)] {
            let err = TenantSlug::new(bad).unwrap_err();
            assert_eq!(err.value, bad);
        }
    }
}
