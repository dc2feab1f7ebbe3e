//! Validated names: graph ids and branch names.
//!
//! Both become parts of object keys and DynamoDB sort keys, so they are restricted to a safe
//! alphabet: no path separators, no `..`, no control characters, 1–128 bytes. Anything else is
//! rejected before it can reach storage (no path or key injection).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ManifestError;

/// The longest graph id or branch name accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 128;

fn validate(kind: &'static str, name: &str) -> Result<(), ManifestError> {
    let reason = if name.is_empty() {
        Some("must not be empty".to_string())
    } else if name.len() > MAX_NAME_BYTES {
        Some(format!(
            "is {} bytes long (at most {MAX_NAME_BYTES})",
            name.len()
        ))
    } else if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        Some(format!(
            "contains {c:?}; use letters, digits, `-`, `_` and `.` only"
        ))
    } else if name.starts_with('.') || name.contains("..") {
        Some("must not start with `.` or contain `..`".to_string())
    } else {
        None
    };
    match reason {
        Some(reason) => Err(ManifestError::InvalidName {
            kind,
            name: name.chars().take(80).collect(),
            reason,
        }),
        None => Ok(()),
    }
}

macro_rules! name_type {
    ($(#[$doc:meta])* $ty:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $ty(String);

        impl $ty {
            /// Validates `name`.
            pub fn new(name: impl Into<String>) -> Result<Self, ManifestError> {
                let name = name.into();
                validate($kind, &name)?;
                Ok(Self(name))
            }

            /// The name as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = ManifestError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl From<$ty> for String {
            fn from(value: $ty) -> String {
                value.0
            }
        }

        impl std::str::FromStr for $ty {
            type Err = ManifestError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }
    };
}

name_type!(
    /// The id of a graph under a store.
    GraphId,
    "graph id"
);
name_type!(
    /// The name of a branch of a graph.
    BranchName,
    "branch name"
);

impl BranchName {
    /// The default branch every graph starts with.
    pub fn main() -> Self {
        Self("main".to_string())
    }

    /// Whether this is the `main` branch (which cannot be deleted).
    pub fn is_main(&self) -> bool {
        self.0 == "main"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for ok in ["main", "feature-1", "agent_7.review", "a", &"x".repeat(128)] {
            assert!(BranchName::new(ok).is_ok(), "{ok}");
            assert!(GraphId::new(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_injection_and_bad_lengths() {
        let long = "x".repeat(129);
        for bad in [
            "",
            "../etc",
            "a/b",
            "a\\b",
            "..",
            ".hidden",
            "a..b",
            "tab\there",
            "nul\0",
            "héllo",
            "sp ace",
            "a#b",
            &long,
        ] {
            let err = BranchName::new(bad).expect_err(bad);
            assert!(
                matches!(err, ManifestError::InvalidName { .. }),
                "{bad}: {err}"
            );
            assert!(GraphId::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn deserialization_validates() {
        assert!(serde_json::from_str::<BranchName>("\"../x\"").is_err());
        assert_eq!(
            serde_json::from_str::<BranchName>("\"dev\"").ok(),
            BranchName::new("dev").ok()
        );
    }
}
