//! The largest size of every string a caller can make vigie store, hash, throttle or audit,
//! and the one check of them: [`Limit`]. This module holds the identity fields; the desk's
//! fields (incident titles, comments, suppressions, NIS2 texts) are in `vigie_soc::limits`,
//! built on the same [`Limit`].
//!
//! The checks are backend-neutral: every store implementation calls them (through the
//! `check` methods of the input types) before it touches its database, and the conformance
//! suite (`vigie_soc::testsuite::text_limits`) fails a backend that forgets one. A refused
//! value is an [`SocError::InvalidValue`] naming the field, the value (its first 32
//! characters), its size and the limit; nothing is written.
//!
//! | field | at most (bytes) |
//! | --- | --- |
//! | username (stored and at login) | 128, no spaces or control characters |
//! | password (set and at login) | 1024 (and at least 12 characters when set) |
//! | tenant name | 256 |
//! | token label (tenant, platform or user token) | 200 |

use serde::Serialize;

use crate::SocError;
use crate::identity::{NewUser, UserPatch};
use crate::token::NewUserToken;

/// A bounded text field: its name, as errors show it, and its largest size in bytes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Limit {
    /// The field, e.g. `"incident title"`.
    pub field: &'static str,
    /// Its largest size, in bytes of UTF-8.
    pub max_bytes: usize,
    /// A secret (a password): errors never show any of it.
    pub secret: bool,
}

impl Limit {
    /// A field of at most `max_bytes` bytes.
    pub const fn new(field: &'static str, max_bytes: usize) -> Self {
        Self {
            field,
            max_bytes,
            secret: false,
        }
    }

    /// A secret field of at most `max_bytes` bytes: errors never show any of it.
    pub const fn secret(field: &'static str, max_bytes: usize) -> Self {
        Self {
            field,
            max_bytes,
            secret: true,
        }
    }

    /// A required value: not blank and at most [`Limit::max_bytes`].
    pub fn check(self, value: &str) -> Result<(), SocError> {
        if value.trim().is_empty() {
            return Err(self.invalid("must not be empty".to_owned()));
        }
        self.check_len(value)
    }

    /// A value that may be empty: at most [`Limit::max_bytes`].
    pub fn check_len(self, value: &str) -> Result<(), SocError> {
        if value.len() > self.max_bytes {
            let value_shown = if self.secret {
                String::new()
            } else {
                format!("{} ", shown(value))
            };
            return Err(self.invalid(format!(
                "{value_shown}is {} bytes, longer than the {} bytes allowed",
                value.len(),
                self.max_bytes
            )));
        }
        Ok(())
    }

    /// A structured value, measured as its JSON text.
    pub fn check_document(self, value: &impl Serialize) -> Result<(), SocError> {
        let size = serde_json::to_vec(value).map_or(usize::MAX, |v| v.len());
        if size > self.max_bytes {
            return Err(self.invalid(format!(
                "is {size} bytes as JSON, longer than the {} bytes allowed",
                self.max_bytes
            )));
        }
        Ok(())
    }

    /// The error naming this field.
    pub fn invalid(self, message: String) -> SocError {
        SocError::InvalidValue {
            what: self.field,
            message,
        }
    }
}

/// Login names, stored and presented at login.
pub const USERNAME: Limit = Limit::new("username", 128);
/// Passwords, set and presented at login (Argon2id reads all of it).
pub const PASSWORD: Limit = Limit::secret("password", 1024);
/// Tenant display names.
pub const TENANT_NAME: Limit = Limit::new("tenant name", 256);
/// Labels of tenant, platform and user tokens.
pub const TOKEN_LABEL: Limit = Limit::new("token label", 200);
/// How many characters of a refused value an error or an audit entry shows.
pub const SHOWN_CHARS: usize = 32;

/// A value as errors and audit entries show it: quoted and escaped, cut after
/// [`SHOWN_CHARS`] characters with `…`.
pub fn shown(value: &str) -> String {
    match value.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{:?}…", &value[..cut]),
        None => format!("{value:?}"),
    }
}

/// A stored login name: 1 to 128 bytes, no spaces or control characters.
pub fn check_username(username: &str) -> Result<(), SocError> {
    USERNAME.check(username)?;
    if username
        .chars()
        .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(USERNAME.invalid(format!(
            "{} must not contain spaces or control characters",
            shown(username)
        )));
    }
    Ok(())
}

/// A password being set: at least 12 characters, at most 1024 bytes.
pub fn check_new_password(password: &str) -> Result<(), SocError> {
    if password.chars().count() < 12 {
        return Err(PASSWORD.invalid("must be at least 12 characters".to_owned()));
    }
    // Never shows the password, not even its start (`PASSWORD` is a secret).
    PASSWORD.check_len(password)
}

/// Why a login was refused before anything was looked up or hashed. Structured so that the
/// web pages say it in the reader's language; `Display` is the English the API answers.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LoginRefusal {
    /// The username is over [`USERNAME`].
    #[error("username is {bytes} bytes, longer than the {max} bytes allowed")]
    UsernameTooLong {
        /// Its size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// The username holds a control character.
    #[error("username must not contain control characters")]
    UsernameControl,
    /// The password is over [`PASSWORD`] (never shown).
    #[error("password is {bytes} bytes, longer than the {max} bytes allowed")]
    PasswordTooLong {
        /// Its size.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// Refused by the caller before the access layer saw it (a request body over its
    /// limit, a form that does not parse); the text names the limit.
    #[error("{0}")]
    Request(String),
}

/// What a login presents, before anything is hashed, looked up, throttled or audited:
/// a username of at most 128 bytes without control characters and a password of at most
/// 1024 bytes. The refusal names the field and the limit (never the password).
pub fn check_login(username: &str, password: &str) -> Result<(), LoginRefusal> {
    if username.len() > USERNAME.max_bytes {
        return Err(LoginRefusal::UsernameTooLong {
            bytes: username.len(),
            max: USERNAME.max_bytes,
        });
    }
    if username.chars().any(char::is_control) {
        return Err(LoginRefusal::UsernameControl);
    }
    if password.len() > PASSWORD.max_bytes {
        return Err(LoginRefusal::PasswordTooLong {
            bytes: password.len(),
            max: PASSWORD.max_bytes,
        });
    }
    Ok(())
}

impl NewUser {
    /// The name and password limits.
    pub fn check(&self) -> Result<(), SocError> {
        check_username(&self.username)?;
        check_new_password(&self.password)
    }
}

impl UserPatch {
    /// The password limits, when a password is given.
    pub fn check(&self) -> Result<(), SocError> {
        match &self.password {
            Some(password) => check_new_password(password),
            None => Ok(()),
        }
    }
}

impl NewUserToken {
    /// The label limit.
    pub fn check(&self) -> Result<(), SocError> {
        TOKEN_LABEL.check(&self.label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_never_shown() {
        let long = format!("secret-start{}", "x".repeat(2000));
        let err = check_new_password(&long).unwrap_err().to_string();
        assert!(!err.contains("secret-start"), "{err}");
        assert!(err.contains("1024"), "{err}");
        let err = PASSWORD.check(&long).unwrap_err().to_string();
        assert!(!err.contains("secret-start"), "{err}");
        let err = check_login("ana", &long).unwrap_err().to_string();
        assert!(
            !err.contains("secret-start") && err.contains("1024"),
            "{err}"
        );
        assert!(
            check_login(&"a".repeat(129), "x")
                .unwrap_err()
                .to_string()
                .contains("128")
        );
        assert!(check_login("a\u{0}b", "x").is_err());
        assert!(check_login(&"a".repeat(128), &"p".repeat(1024)).is_ok());
    }

    #[test]
    fn usernames() {
        assert!(check_username("ana").is_ok());
        assert!(check_username(&"a".repeat(128)).is_ok());
        assert!(check_username(&"a".repeat(129)).is_err());
        assert!(check_username("a b").is_err());
        assert!(check_username("").is_err());
    }

    #[test]
    fn shown_is_cut_on_a_character_boundary() {
        assert_eq!(shown("abc"), "\"abc\"");
        let cut = shown(&"ü".repeat(100));
        assert_eq!(cut, format!("{:?}…", "ü".repeat(SHOWN_CHARS)));
    }
}
