//! The manifest store's error type.

use crate::model::Head;

/// Everything a manifest store operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// A graph id or branch name failed validation.
    #[error("invalid {kind} `{name}`: {reason}")]
    InvalidName {
        kind: &'static str,
        name: String,
        reason: String,
    },
    /// The conditional write lost: the record is not at the expected version.
    /// `actual` is the current head (None if the branch does not exist).
    #[error(
        "head moved: expected version {expected:?}, found {}",
        describe(actual)
    )]
    Conflict {
        expected: Option<u64>,
        actual: Option<Box<Head>>,
    },
    /// A put-if-absent found the key taken.
    #[error("{what} already exists")]
    AlreadyExists { what: String },
    /// The addressed branch, commit or record does not exist.
    #[error("{what} not found")]
    NotFound { what: String },
    /// `main` cannot be deleted.
    #[error("branch `main` cannot be deleted")]
    ProtectedBranch,
    /// A stored record could not be decoded.
    #[error("corrupt manifest record {key}: {reason}")]
    Corrupt { key: String, reason: String },
    /// A retryable failure of the backing service (network, throttling, 5xx).
    #[error("manifest store unavailable: {0}")]
    Unavailable(String),
}

fn describe(actual: &Option<Box<Head>>) -> String {
    match actual {
        Some(h) => format!("version {}", h.version),
        None => "no branch".to_string(),
    }
}

impl ManifestError {
    pub(crate) fn corrupt(key: impl Into<String>, reason: impl ToString) -> Self {
        Self::Corrupt {
            key: key.into(),
            reason: reason.to_string(),
        }
    }
}
