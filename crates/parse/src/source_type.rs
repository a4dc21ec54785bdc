//! The source type of an event: what sent it, in ECS `event.dataset` style
//! (`linux.auditd`, `panos.traffic`, `aws.cloudtrail`).

use std::fmt;
use std::str::FromStr;

/// Longest source type accepted (bytes).
pub const MAX_LEN: usize = 64;

/// A checked source type: two or more dot-separated parts of lowercase ASCII letters, digits
/// and `_`, at most [`MAX_LEN`] bytes. By convention the first part is the Sigma `product`
/// and the second its `service` (`azure.signinlogs`, `zeek.dns`), which is how a type that the
/// shipped mapping does not list still finds the rules written for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceType(Box<str>);

/// Why a string is not a [`SourceType`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid source type {shown:?}: {reason} (expected lowercase parts joined by dots, \
     like `linux.auditd`, at most {MAX_LEN} bytes)"
)]
pub struct SourceTypeError {
    /// The offending value, cut to 80 characters.
    pub shown: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl SourceType {
    /// Checks `text`.
    pub fn new(text: &str) -> Result<Self, SourceTypeError> {
        let fail = |reason| SourceTypeError {
            shown: text.chars().take(80).collect(),
            reason,
        };
        if text.len() > MAX_LEN {
            return Err(fail("too long"));
        }
        if !text.contains('.') {
            return Err(fail("it has a single part"));
        }
        for part in text.split('.') {
            if part.is_empty() {
                return Err(fail("it has an empty part"));
            }
            if !part
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(fail(
                    "only lowercase ASCII letters, digits, `_` and `.` are allowed",
                ));
            }
        }
        Ok(Self(text.into()))
    }

    /// A type known to be valid (the parsers' own constants).
    pub(crate) fn known(text: &'static str) -> Self {
        debug_assert!(Self::new(text).is_ok(), "{text}");
        Self(text.into())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first part: the Sigma product by convention (`linux` of `linux.auditd`).
    pub fn product(&self) -> &str {
        self.0.split('.').next().unwrap_or_default()
    }

    /// The second part: the Sigma service by convention (`auditd` of `linux.auditd`).
    pub fn service(&self) -> &str {
        self.0.split('.').nth(1).unwrap_or_default()
    }
}

impl fmt::Display for SourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for SourceType {
    type Err = SourceTypeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_invalid_types() {
        let t = SourceType::new("linux.auditd").unwrap();
        assert_eq!((t.product(), t.service()), ("linux", "auditd"));
        assert_eq!(
            SourceType::new("zeek.smb_files").unwrap().service(),
            "smb_files"
        );
        for (bad, why) in [
            ("linux", "single part"),
            ("Linux.auditd", "lowercase"),
            ("linux..x", "empty part"),
            (".x", "empty part"),
            ("a.b c", "lowercase"),
        ] {
            let e = SourceType::new(bad).unwrap_err();
            assert!(e.to_string().contains(why), "{bad}: {e}");
            assert!(e.to_string().contains(bad), "{e}");
        }
        assert!(SourceType::new(&format!("a.{}", "b".repeat(70))).is_err());
    }
}
