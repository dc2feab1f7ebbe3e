//! The engine's error type. Each variant maps onto exactly one public error code
//! (`bad_request`, `not_found`, `conflict`, `unavailable`, `internal`); `omnigraph-api` owns the
//! mapping to HTTP statuses.

use omnigraph_manifest::ManifestError;
use serde::Serialize;

/// A table whose pinned version moved under a write (the 409 details).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestConflict {
    pub table_key: String,
    pub expected: u64,
    pub actual: u64,
}

/// Everything an engine operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The request or its input is invalid; nothing was changed.
    #[error("{message}")]
    BadRequest {
        message: String,
        /// Diagnostics in the JSON shape of docs/reference/diagnostics.md, "Diagnostic shape",
        /// if any.
        diagnostics: Vec<serde_json::Value>,
    },
    /// A graph, branch, commit or named query does not exist.
    #[error("{what} not found")]
    NotFound { what: String },
    /// The branch moved under a write, or a name is taken.
    #[error("{message}")]
    Conflict {
        message: String,
        manifest_conflict: Option<ManifestConflict>,
    },
    /// A retryable storage failure.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A bug or a broken invariant.
    #[error("internal error: {0}")]
    Internal(String),
}

impl EngineError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest {
            message: message.into(),
            diagnostics: Vec::new(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            manifest_conflict: None,
        }
    }

    pub fn storage(message: impl Into<String>) -> Self {
        Self::Unavailable(message.into())
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal(message.into())
    }

    /// The public error code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { .. } => "bad_request",
            Self::NotFound { .. } => "not_found",
            Self::Conflict { .. } => "conflict",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }
}

impl From<ManifestError> for EngineError {
    fn from(err: ManifestError) -> Self {
        match err {
            ManifestError::InvalidName { .. } => Self::bad_request(err.to_string()),
            ManifestError::Conflict { .. } | ManifestError::AlreadyExists { .. } => {
                Self::conflict(err.to_string())
            }
            ManifestError::NotFound { .. } => Self::NotFound {
                what: err.to_string(),
            },
            ManifestError::ProtectedBranch => Self::bad_request(err.to_string()),
            ManifestError::Corrupt { .. } => Self::Internal(err.to_string()),
            ManifestError::Unavailable(msg) => Self::Unavailable(msg),
        }
    }
}

impl From<lance::Error> for EngineError {
    fn from(err: lance::Error) -> Self {
        Self::Unavailable(format!("lance: {err}"))
    }
}

impl From<object_store::Error> for EngineError {
    fn from(err: object_store::Error) -> Self {
        Self::Unavailable(format!("object store: {err}"))
    }
}
