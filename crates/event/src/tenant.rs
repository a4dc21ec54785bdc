//! Tenants and the scope a caller may read.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Numeric identity of a tenant in the state store. An id is not a permission: reading needs a
/// [`TenantScope`].
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

/// The set of tenants a caller may read.
///
/// Read paths take a `&TenantScope` and add it to their filter themselves, so a caller can
/// never forget it. A scope is built only by the access layer from a verified credential
/// ([`TenantScope::grant`] is banned elsewhere by `clippy.toml`); everyone else can only
/// [`narrow`](TenantScope::narrow) a scope they were handed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantScope {
    kind: ScopeKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum ScopeKind {
    /// The listed tenants, never empty.
    Tenants(BTreeSet<TenantId>),
    /// Every tenant of the platform.
    Platform,
}

/// What the access layer grants.
#[derive(Clone, Debug)]
pub enum Grant {
    /// One tenant.
    Tenant(TenantId),
    /// Several tenants (an analyst assigned to them). An empty set grants nothing.
    Tenants(BTreeSet<TenantId>),
    /// The whole platform.
    Platform,
}

impl TenantScope {
    /// Builds a scope from a verified credential. Only `vigie_soc::access` may call this.
    /// Returns `None` for a grant of no tenant at all.
    pub fn grant(grant: Grant) -> Option<Self> {
        let kind = match grant {
            Grant::Tenant(id) => ScopeKind::Tenants(BTreeSet::from([id])),
            Grant::Tenants(set) if set.is_empty() => return None,
            Grant::Tenants(set) => ScopeKind::Tenants(set),
            Grant::Platform => ScopeKind::Platform,
        };
        Some(Self { kind })
    }

    /// Whether data of `tenant` may be read in this scope.
    pub fn contains(&self, tenant: TenantId) -> bool {
        match &self.kind {
            ScopeKind::Tenants(set) => set.contains(&tenant),
            ScopeKind::Platform => true,
        }
    }

    /// The tenants of this scope, or `None` when it spans the whole platform.
    pub fn tenants(&self) -> Option<&BTreeSet<TenantId>> {
        match &self.kind {
            ScopeKind::Tenants(set) => Some(set),
            ScopeKind::Platform => None,
        }
    }

    /// Whether this scope spans every tenant.
    pub fn is_platform(&self) -> bool {
        matches!(self.kind, ScopeKind::Platform)
    }

    /// The scope restricted to one tenant, if that tenant is inside it. Narrowing can only
    /// take rights away, so anyone holding a scope may do it (e.g. a platform token filtering
    /// by tenant).
    pub fn narrow(&self, tenant: TenantId) -> Option<Self> {
        self.contains(tenant).then(|| Self {
            kind: ScopeKind::Tenants(BTreeSet::from([tenant])),
        })
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

    #[test]
    #[allow(clippy::disallowed_methods)] // the type's own tests build scopes directly
    fn scope_contains_and_narrows() {
        let one = TenantScope::grant(Grant::Tenant(TenantId(1))).unwrap();
        assert!(one.contains(TenantId(1)));
        assert!(!one.contains(TenantId(2)));
        assert!(one.narrow(TenantId(2)).is_none());
        assert_eq!(one.narrow(TenantId(1)).unwrap(), one);

        let all = TenantScope::grant(Grant::Platform).unwrap();
        assert!(all.contains(TenantId(99)));
        assert!(all.tenants().is_none());
        let narrowed = all.narrow(TenantId(99)).unwrap();
        assert!(!narrowed.is_platform());
        assert!(!narrowed.contains(TenantId(1)));

        assert!(TenantScope::grant(Grant::Tenants(BTreeSet::new())).is_none());
    }
}
