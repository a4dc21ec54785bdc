//! API tokens: who may send events and who may read.
//!
//! A token is a random secret handed out once ([`NewToken::secret`]); the store keeps only
//! its SHA-256 ([`hash_secret`]). The secret looks like `vgt_` followed by 64 lowercase hex
//! digits (32 random bytes, 256 bits), so it can be recognised by secret scanners and a
//! lookup by hash needs no slow password hash.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vigie_event::TenantId;

use crate::ids::{TokenId, UserId, UserTokenId};
use crate::role::Permission;

/// The prefix of every token secret.
pub const SECRET_PREFIX: &str = "vgt_";

/// Length of a token secret: the prefix and 64 hex digits.
pub const SECRET_LEN: usize = SECRET_PREFIX.len() + 64;

/// What a token may do.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// Send events (for the owning tenant).
    Ingest,
    /// Read alerts and events of its scope.
    Read,
    /// Administer its scope (tenants, tokens, rules).
    Admin,
}

impl TokenKind {
    /// Every kind.
    pub const ALL: [TokenKind; 3] = [TokenKind::Ingest, TokenKind::Read, TokenKind::Admin];

    /// The lowercase name, as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Ingest => "ingest",
            TokenKind::Read => "read",
            TokenKind::Admin => "admin",
        }
    }
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a string is not a [`TokenKind`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown token kind {0:?}: expected ingest, read or admin")]
pub struct TokenKindError(pub String);

impl FromStr for TokenKind {
    type Err = TokenKindError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TokenKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| TokenKindError(s.to_owned()))
    }
}

/// Whose token it is, which decides the scope it grants.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenOwner {
    /// A tenant's token: scoped to that tenant only.
    Tenant(TenantId),
    /// A platform token (the SOC provider itself): every tenant.
    Platform,
}

impl TokenOwner {
    /// The owning tenant, `None` for a platform token.
    pub fn tenant(self) -> Option<TenantId> {
        match self {
            TokenOwner::Tenant(id) => Some(id),
            TokenOwner::Platform => None,
        }
    }
}

/// A stored token, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Store-assigned id, used to revoke it.
    pub id: TokenId,
    /// Whose token.
    pub owner: TokenOwner,
    /// What it may do.
    pub kind: TokenKind,
    /// Free text to recognise it ("firewall syslog relay").
    pub label: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// Whether it was revoked (a revoked token never authenticates again).
    pub revoked: bool,
    /// The source type of every event sent with it (an ingest token of one kind of sender,
    /// `aws.cloudtrail`), unless the request declares one; `None`: the content says.
    pub source_type: Option<String>,
}

/// A token just created: the only moment its secret is known.
#[derive(Clone)]
pub struct NewToken {
    /// The stored part.
    pub info: TokenInfo,
    /// `vgt_` + 64 lowercase hex digits. Show it once; it cannot be recovered.
    pub secret: String,
}

impl fmt::Debug for NewToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewToken")
            .field("info", &self.info)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Draws a fresh secret from the operating system's CSPRNG (through `rand`'s thread RNG,
/// seeded from it).
pub fn generate_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{SECRET_PREFIX}{}", hex::encode(bytes))
}

/// The SHA-256 of a secret: what the store keeps and looks tokens up by.
pub fn hash_secret(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Whether `s` has the shape of a token secret (`vgt_` + 64 lowercase hex digits).
pub fn is_well_formed_secret(s: &str) -> bool {
    s.len() == SECRET_LEN
        && s.strip_prefix(SECRET_PREFIX).is_some_and(|hex| {
            hex.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// The prefix of a user's API token secret (`vgu_` + 64 lowercase hex digits).
pub const USER_SECRET_PREFIX: &str = "vgu_";

/// Draws a fresh user token secret (`vgu_` + 64 hex digits, 256 bits from the CSPRNG).
pub fn generate_user_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{USER_SECRET_PREFIX}{}", hex::encode(bytes))
}

/// Whether `s` has the shape of a user token secret (`vgu_` + 64 lowercase hex digits).
pub fn is_well_formed_user_secret(s: &str) -> bool {
    s.len() == USER_SECRET_PREFIX.len() + 64
        && s.strip_prefix(USER_SECRET_PREFIX).is_some_and(|hex| {
            hex.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// An API token owned by a user. It acts as that user, with only `permissions` (each must
/// also be allowed by the user's role at the time of the request) and, when `tenants` is set,
/// only over those of the user's current tenants. Disabling the user, changing their role or
/// removing a tenant from them takes effect on the token's next request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UserTokenInfo {
    /// Store id.
    pub id: UserTokenId,
    /// The owning user.
    pub user_id: UserId,
    /// Free text to recognise it ("ticketing integration").
    pub label: String,
    /// What it may do (never more than the user's role allows).
    pub permissions: Vec<Permission>,
    /// The tenants it is narrowed to; `None`: all of the user's tenants.
    pub tenants: Option<Vec<TenantId>>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it stops working, if it expires.
    pub expires_at: Option<Timestamp>,
    /// Whether it was revoked.
    pub revoked: bool,
}

/// A user token to create (by its user).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUserToken {
    /// Free text, 1 to 200 bytes.
    pub label: String,
    /// What it may do; each must be allowed by the user's role. Not empty.
    pub permissions: Vec<Permission>,
    /// Narrow it to these of the user's tenants (ids); absent: all of them.
    #[serde(default)]
    pub tenants: Option<Vec<TenantId>>,
    /// When it stops working (in the future); absent: it lasts until revoked.
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
}

/// A user token just created: the only moment its secret is known.
#[derive(Clone, Serialize)]
pub struct CreatedUserToken {
    /// The stored part.
    pub token: UserTokenInfo,
    /// `vgu_` + 64 lowercase hex digits. Shown once.
    pub secret: String,
}

impl fmt::Debug for CreatedUserToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedUserToken")
            .field("token", &self.token)
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_shape() {
        let a = generate_secret();
        let b = generate_secret();
        assert_ne!(a, b);
        assert!(is_well_formed_secret(&a), "{a}");
        assert_eq!(a.len(), 68);
        assert!(!is_well_formed_secret(&a.to_uppercase()));
        assert!(!is_well_formed_secret(&a[..67]));
        assert!(!is_well_formed_secret("vgt_"));
        assert_ne!(hash_secret(&a), hash_secret(&b));
    }

    #[test]
    fn user_secret_shape() {
        let a = generate_user_secret();
        assert!(is_well_formed_user_secret(&a), "{a}");
        assert!(!is_well_formed_secret(&a));
        assert!(!is_well_formed_user_secret(&generate_secret()));
        assert!(!is_well_formed_user_secret(&a[..67]));
    }

    #[test]
    fn kind_round_trip() {
        for kind in TokenKind::ALL {
            assert_eq!(kind.to_string().parse::<TokenKind>().unwrap(), kind);
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
        }
        let err = "root".parse::<TokenKind>().unwrap_err();
        assert!(err.to_string().contains("\"root\""));
    }
}
