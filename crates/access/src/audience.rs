//! Who reads an incident's conversation: the [`Audience`].
//!
//! Comments on an incident are internal (the SOC's staff only) or shared with the client.
//! The store filters what it returns by the audience it is handed, as it filters by the
//! [`TenantScope`](crate::TenantScope): an audience that sees internal notes is built only
//! by this crate, from a verified principal with a SOC role (or for the local operator);
//! every other crate can only ask for the client's audience, which sees less.

/// What part of an incident's conversation a caller may read and write.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Audience {
    staff: bool,
}

impl Audience {
    /// The client's audience: comments shared with the client only. Anyone may narrow to
    /// it (e.g. to render what the client sees).
    pub fn client() -> Self {
        Self { staff: false }
    }

    /// The SOC's staff: internal notes too. Built by this crate only
    /// ([`crate::Principal::audience`], [`crate::Access::operator_audience`]).
    pub(crate) fn staff() -> Self {
        Self { staff: true }
    }

    /// Whether internal notes are read and may be written.
    pub fn sees_internal(&self) -> bool {
        self.staff
    }
}
