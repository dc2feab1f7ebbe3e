//! The public error codes (interface reference §3), their HTTP statuses, and the error object
//! every failed request answers with.

use omnigraph_engine::EngineError;
use omnigraph_manifest::ManifestError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A public error code. The set is closed: every failure maps onto exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    PayloadTooLarge,
    TooManyRequests,
    Unavailable,
    Internal,
}

impl ErrorCode {
    /// Every code, in the order of the interface reference.
    pub const ALL: [ErrorCode; 9] = [
        Self::BadRequest,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::Conflict,
        Self::PayloadTooLarge,
        Self::TooManyRequests,
        Self::Unavailable,
        Self::Internal,
    ];

    /// The HTTP status of this code.
    pub fn http_status(self) -> u16 {
        match self {
            Self::BadRequest => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::PayloadTooLarge => 413,
            Self::TooManyRequests => 429,
            Self::Unavailable => 503,
            Self::Internal => 500,
        }
    }

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict => "conflict",
            Self::PayloadTooLarge => "payload_too_large",
            Self::TooManyRequests => "too_many_requests",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }

    /// Whether a client may retry the same request later (`Retry-After` is sent).
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::TooManyRequests | Self::Unavailable)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed request: code, one human sentence, optional structured details.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }

    /// The §3 error object: `{"error": {"code", "message", "details"?}}`.
    pub fn to_json(&self) -> Value {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(details) = &self.details {
            error["details"] = details.clone();
        }
        json!({ "error": error })
    }
}

impl From<&EngineError> for ApiError {
    fn from(err: &EngineError) -> Self {
        match err {
            EngineError::BadRequest {
                message,
                diagnostics,
            } => {
                let e = Self::bad_request(message.clone());
                if diagnostics.is_empty() {
                    e
                } else {
                    e.with_details(json!({ "diagnostics": diagnostics }))
                }
            }
            EngineError::NotFound { .. } => Self::not_found(err.to_string()),
            EngineError::Conflict {
                message,
                manifest_conflict,
            } => {
                let e = Self::new(ErrorCode::Conflict, message.clone());
                match manifest_conflict {
                    Some(c) => e.with_details(json!({ "manifest_conflict": c })),
                    None => e,
                }
            }
            EngineError::Unavailable(_) => Self::new(ErrorCode::Unavailable, err.to_string()),
            EngineError::Internal(_) => Self::internal(format!("{err} (this is a bug)")),
        }
    }
}

impl From<EngineError> for ApiError {
    fn from(err: EngineError) -> Self {
        Self::from(&err)
    }
}

impl From<ManifestError> for ApiError {
    fn from(err: ManifestError) -> Self {
        Self::from(&EngineError::from(err))
    }
}
