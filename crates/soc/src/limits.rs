//! The largest size of every string a caller can make vigie store, hash, throttle or audit,
//! and the one check of them.
//!
//! The checks are backend-neutral: every [`crate::StateStore`] implementation calls them
//! (through the `check` methods of the input types below) before it touches its database,
//! and the conformance suite (`testsuite::text_limits`) fails a backend that forgets one.
//! A refused value is an [`SocError::InvalidValue`] naming the field, the value (its first
//! 32 characters), its size and the limit; nothing is written.
//!
//! | field | at most (bytes) |
//! | --- | --- |
//! | username (stored and at login) | 128, no spaces or control characters |
//! | password (set and at login) | 1024 (and at least 12 characters when set) |
//! | tenant name | 256 |
//! | token label (tenant, platform or user token) | 200 |
//! | incident title, task title | 512 |
//! | comment | 65536 |
//! | false-positive reason, suppression reason | 4096 |
//! | suppression rule id | 512 |
//! | suppression group key | 1024 |
//! | NIS2 awareness, confirmation and lateness reasons | 4096 |
//! | NIS2 submission channel / reference | 64 / 256 |
//! | NIS2 profile, facts (as JSON) | 65536 |
//! | NIS2 case update (as JSON) | 262144 |
//!
//! Saved views of the web application have their own limits ([`crate::prefs::check_view`]).

use serde::Serialize;

use crate::SocError;
use crate::desk::{AlertAction, IncidentPatch, NewIncident, NewSuppression, NewUser, UserPatch};
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
    const fn new(field: &'static str, max_bytes: usize) -> Self {
        Self {
            field,
            max_bytes,
            secret: false,
        }
    }

    const fn secret(field: &'static str, max_bytes: usize) -> Self {
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

    fn invalid(self, message: String) -> SocError {
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
/// Incident titles (also of a split).
pub const INCIDENT_TITLE: Limit = Limit::new("incident title", 512);
/// Task titles.
pub const TASK_TITLE: Limit = Limit::new("task title", 512);
/// Comments on incidents.
pub const COMMENT: Limit = Limit::new("comment", 65_536);
/// Why an alert was closed as a false positive.
pub const FALSE_POSITIVE_REASON: Limit = Limit::new("false-positive reason", 4096);
/// The rule a suppression silences.
pub const SUPPRESSION_RULE_ID: Limit = Limit::new("suppression rule_id", 512);
/// The group key a suppression is narrowed to.
pub const SUPPRESSION_GROUP_KEY: Limit = Limit::new("suppression group_key", 1024);
/// Why a suppression exists.
pub const SUPPRESSION_REASON: Limit = Limit::new("suppression reason", 4096);
/// NIS2 awareness and confirmation reasons.
pub const NIS2_REASON: Limit = Limit::new("reason", 4096);
/// Why a NIS2 submission was late.
pub const NIS2_LATENESS_REASON: Limit = Limit::new("lateness_reason", 4096);
/// How a NIS2 submission was sent.
pub const NIS2_CHANNEL: Limit = Limit::new("channel", 64);
/// The authority's reference of a NIS2 submission.
pub const NIS2_REFERENCE: Limit = Limit::new("reference", 256);
/// A tenant's NIS2 entity profile, as JSON.
pub const NIS2_PROFILE: Limit = Limit::new("NIS2 profile", 65_536);
/// The facts of a NIS2 significance assessment, as JSON.
pub const NIS2_FACTS: Limit = Limit::new("NIS2 facts", 65_536);
/// A NIS2 case update (report fields), as JSON.
pub const NIS2_CASE_UPDATE: Limit = Limit::new("NIS2 case update", 262_144);

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

/// What a login presents, before anything is hashed, looked up, throttled or audited:
/// a username of at most 128 bytes without control characters and a password of at most
/// 1024 bytes. The message names the field and the limit (never the password).
pub fn check_login(username: &str, password: &str) -> Result<(), String> {
    if username.len() > USERNAME.max_bytes {
        return Err(format!(
            "username is {} bytes, longer than the {} bytes allowed",
            username.len(),
            USERNAME.max_bytes
        ));
    }
    if username.chars().any(char::is_control) {
        return Err("username must not contain control characters".to_owned());
    }
    if password.len() > PASSWORD.max_bytes {
        return Err(format!(
            "password is {} bytes, longer than the {} bytes allowed",
            password.len(),
            PASSWORD.max_bytes
        ));
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

impl AlertAction {
    /// The reason limit of a false-positive closure.
    pub fn check(&self) -> Result<(), SocError> {
        match self {
            AlertAction::CloseFalsePositive { reason } => FALSE_POSITIVE_REASON.check(reason),
            AlertAction::Acknowledge | AlertAction::Escalate { .. } => Ok(()),
        }
    }
}

impl NewSuppression {
    /// Rule id, group key and reason limits.
    pub fn check(&self) -> Result<(), SocError> {
        SUPPRESSION_RULE_ID.check(&self.rule_id)?;
        if let Some(key) = &self.group_key {
            SUPPRESSION_GROUP_KEY.check_len(key)?;
        }
        SUPPRESSION_REASON.check(&self.reason)
    }
}

impl NewIncident {
    /// The title limit.
    pub fn check(&self) -> Result<(), SocError> {
        INCIDENT_TITLE.check(&self.title)
    }
}

impl IncidentPatch {
    /// The title limit, when a title is given.
    pub fn check(&self) -> Result<(), SocError> {
        match &self.title {
            Some(title) => INCIDENT_TITLE.check(title),
            None => Ok(()),
        }
    }
}

impl crate::nis2::NewSubmission {
    /// Channel, reference and lateness reason limits.
    pub fn check(&self) -> Result<(), SocError> {
        NIS2_CHANNEL.check(&self.channel)?;
        if let Some(reference) = &self.reference {
            NIS2_REFERENCE.check_len(reference)?;
        }
        if let Some(reason) = &self.lateness_reason {
            NIS2_LATENESS_REASON.check_len(reason)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_field_the_value_cut_and_the_limit() {
        let long = "é".repeat(400);
        let err = INCIDENT_TITLE.check(&long).unwrap_err().to_string();
        assert!(err.starts_with("invalid incident title: \""), "{err}");
        assert!(err.contains("…"), "{err}");
        assert!(err.contains("800 bytes"), "{err}");
        assert!(err.contains("512 bytes allowed"), "{err}");
        assert!(err.len() < 200, "{err}");
        assert!(INCIDENT_TITLE.check(&"é".repeat(256)).is_ok());
        assert!(
            INCIDENT_TITLE
                .check("  ")
                .unwrap_err()
                .to_string()
                .contains("must not be empty")
        );
        assert!(SUPPRESSION_GROUP_KEY.check_len("").is_ok());
    }

    #[test]
    fn passwords_are_never_shown() {
        let long = format!("secret-start{}", "x".repeat(2000));
        let err = check_new_password(&long).unwrap_err().to_string();
        assert!(!err.contains("secret-start"), "{err}");
        assert!(err.contains("1024"), "{err}");
        let err = PASSWORD.check(&long).unwrap_err().to_string();
        assert!(!err.contains("secret-start"), "{err}");
        let err = check_login("ana", &long).unwrap_err();
        assert!(
            !err.contains("secret-start") && err.contains("1024"),
            "{err}"
        );
        assert!(
            check_login(&"a".repeat(129), "x")
                .unwrap_err()
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
