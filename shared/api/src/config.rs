//! Service configuration from the function environment (set by the Terraform module):
//! `OMNIGRAPH_STORE`, `OMNIGRAPH_MANIFEST`, `OMNIGRAPH_MAX_BODY_BYTES`, `OMNIGRAPH_MAX_ROWS`,
//! `OMNIGRAPH_RECOVERY_DEADLINE_SECS`, `OMNIGRAPH_INCOMING_PREFIX`,
//! `OMNIGRAPH_MAX_INLINE_EXPORT_BYTES`.

use crate::error::ApiError;

/// Largest request body accepted by default (Lambda's synchronous payload limit is 6 MB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 6_000_000;
/// Most rows a query answers inline by default.
pub const DEFAULT_MAX_ROWS: usize = 100_000;
/// Default age after which a crash sidecar belongs to a dead writer.
pub const DEFAULT_RECOVERY_DEADLINE_SECS: u64 = 960;
/// Largest export answered inline by default (JSON escaping can double it, and a Lambda
/// response is at most 6 MB); larger exports are stored and answered with their location.
pub const DEFAULT_MAX_INLINE_EXPORT_BYTES: usize = 2_000_000;
/// Default key prefix of S3-triggered load files.
pub const DEFAULT_INCOMING_PREFIX: &str = "incoming/";

/// Settings of one service instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    /// `dir`, `file:///dir` or `s3://bucket/prefix`.
    pub store: String,
    /// `object-store` or `dynamodb://table`.
    pub manifest: String,
    pub max_body_bytes: usize,
    pub max_rows: usize,
    pub recovery_deadline_secs: u64,
    /// Key prefix (ending in `/`) under which `<graph>/<branch>/<file>.jsonl` arrive.
    pub incoming_prefix: String,
    /// Largest export answered inline.
    pub max_inline_export_bytes: usize,
}

impl ApiConfig {
    /// Defaults for a store and manifest (limits as the Terraform module's defaults).
    pub fn new(store: impl Into<String>, manifest: impl Into<String>) -> Self {
        Self {
            store: store.into(),
            manifest: manifest.into(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_rows: DEFAULT_MAX_ROWS,
            recovery_deadline_secs: DEFAULT_RECOVERY_DEADLINE_SECS,
            incoming_prefix: DEFAULT_INCOMING_PREFIX.to_string(),
            max_inline_export_bytes: DEFAULT_MAX_INLINE_EXPORT_BYTES,
        }
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ApiError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `get` (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ApiError> {
        let store = get("OMNIGRAPH_STORE")
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| ApiError::internal("OMNIGRAPH_STORE is not set"))?;
        let manifest = get("OMNIGRAPH_MANIFEST").unwrap_or_else(|| "object-store".into());
        let mut config = Self::new(store, manifest);
        if let Some(v) = number(&get, "OMNIGRAPH_MAX_BODY_BYTES")? {
            config.max_body_bytes = v;
        }
        if let Some(v) = number(&get, "OMNIGRAPH_MAX_ROWS")? {
            config.max_rows = v;
        }
        if let Some(v) = number(&get, "OMNIGRAPH_RECOVERY_DEADLINE_SECS")? {
            config.recovery_deadline_secs = v;
        }
        if let Some(v) = number(&get, "OMNIGRAPH_MAX_INLINE_EXPORT_BYTES")? {
            config.max_inline_export_bytes = v;
        }
        if let Some(prefix) = get("OMNIGRAPH_INCOMING_PREFIX").filter(|p| !p.is_empty()) {
            config.incoming_prefix = if prefix.ends_with('/') {
                prefix
            } else {
                format!("{prefix}/")
            };
        }
        Ok(config)
    }
}

fn number<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
) -> Result<Option<T>, ApiError> {
    match get(name).filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        Some(text) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| ApiError::internal(format!("{name}=`{text}` is not a number"))),
    }
}
