//! What a caller may read: the [`TenantScope`], and the [`Grant`] it is built from.
//!
//! Invariant 1 (tenant isolation) starts here: a scope can only be built inside this crate,
//! by the access service from a verified credential (a token, a session, the local
//! operator). The constructor is `pub(crate)`; other crates receive a scope and may only
//! narrow it.

use std::collections::BTreeSet;

use vigie_event::TenantId;

/// The set of tenants a caller may read.
///
/// Read paths take a `&TenantScope` and add it to their filter themselves, so a caller can
/// never forget it. A scope is built only by this crate from a verified credential: its
/// constructor is private, so no other crate can build one, let alone a wider one than its
/// credential's. Everyone else can only [`narrow`](TenantScope::narrow) a scope they were
/// handed. Tests of other crates build scopes with [`crate::testing::scope`] (feature
/// `testing`, which only dev-dependencies may enable; `tests::testing_feature_is_dev_only`
/// checks every manifest of the workspace).
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
    /// Builds a scope from a verified credential. Private to this crate: the access service
    /// ([`crate::Access`]) is the only caller outside tests. Returns `None` for a grant of no
    /// tenant at all.
    pub(crate) fn grant(grant: Grant) -> Option<Self> {
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
