//! From query source to a plan: diagnostics of query source as a `bad_request`, and the file
//! name they carry.

use omnigraph_lang::diagnostic::{Diagnostic, Severity};
use omnigraph_lang::span::SourceText;

use crate::EngineError;

/// The file name diagnostics of query source carry.
pub(crate) const QUERY_FILE: &str = "query.gq";

/// A `bad_request` carrying diagnostics in their §8.1 JSON form.
pub(crate) fn diagnostics_error(source: &str, diags: &[Diagnostic]) -> EngineError {
    let src = SourceText::new(QUERY_FILE, source);
    let first = diags
        .iter()
        .find(|d| d.severity == Severity::Error)
        .or_else(|| diags.first())
        .map(|d| format!("{}: {}", d.code, d.message))
        .unwrap_or_else(|| "query rejected".into());
    let rendered: String = diags.iter().map(|d| d.render(&src)).collect();
    EngineError::BadRequest {
        message: format!("query rejected: {first}\n{rendered}"),
        diagnostics: diags
            .iter()
            .filter_map(|d| serde_json::to_value(d.to_json(&src)).ok())
            .collect(),
    }
}
