//! The public error codes (docs/reference/interfaces.md, "Errors"), their HTTP statuses, and
//! the error object every failed request answers with. This is the one mapping from an engine
//! error to a public error: the service, the Lambda adapters and the CLI (embedded and remote)
//! all report an `ApiError`; the CLI derives its exit code from the code.

use omnigraph_engine::EngineError;
use omnigraph_manifest::ManifestError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::wire::{ErrorBody, ErrorDetail};

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

    /// The code named `text` on the wire, if there is one.
    pub fn parse(text: &str) -> Option<ErrorCode> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// The code an HTTP status stands for, if one does.
    pub fn for_status(status: u16) -> Option<ErrorCode> {
        Self::ALL.into_iter().find(|c| c.http_status() == status)
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

    /// The error object on the wire.
    pub fn to_body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.as_str().to_string(),
                message: self.message.clone(),
                details: self.details.clone(),
            },
        }
    }

    /// The error object as JSON: `{"error": {"code", "message", "details"?}}`.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self.to_body()).unwrap_or(Value::Null)
    }

    /// The error a JSON answer with HTTP `status` stands for: its error object when `body` is
    /// one (a code the client does not know counts by the status), else the status alone.
    pub fn from_answer(status: u16, body: &Value) -> Self {
        let fallback = ErrorCode::for_status(status).unwrap_or(ErrorCode::Internal);
        match ErrorBody::deserialize(body) {
            Ok(ErrorBody { error }) => Self {
                code: ErrorCode::parse(&error.code).unwrap_or(fallback),
                message: error.message,
                details: error.details.filter(|d| !d.is_null()),
            },
            Err(_) => Self::new(fallback, format!("the endpoint answered {status}: {body}")),
        }
    }
}

impl From<&EngineError> for ApiError {
    /// The code is the engine's own (`EngineError::code`); this adds the message and details.
    fn from(err: &EngineError) -> Self {
        let code = ErrorCode::parse(err.code()).unwrap_or(ErrorCode::Internal);
        match err {
            EngineError::BadRequest {
                message,
                diagnostics,
            } => {
                let e = Self::new(code, message.clone());
                if diagnostics.is_empty() {
                    e
                } else {
                    e.with_details(json!({ "diagnostics": diagnostics }))
                }
            }
            EngineError::NotFound { .. } | EngineError::Unavailable(_) => {
                Self::new(code, err.to_string())
            }
            EngineError::Conflict {
                message,
                manifest_conflict,
            } => {
                let e = Self::new(code, message.clone());
                match manifest_conflict {
                    Some(c) => e.with_details(json!({ "manifest_conflict": c })),
                    None => e,
                }
            }
            EngineError::Internal(_) => Self::new(code, format!("{err} (this is a bug)")),
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
