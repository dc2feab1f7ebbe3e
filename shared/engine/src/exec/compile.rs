//! From query source to a query: compile a `.gq` file against a catalog and pick the named
//! query (shared by reads and mutations), bind its parameters, and turn diagnostics of
//! query source into a `bad_request`.

use omnigraph_lang::catalog::Catalog;
use omnigraph_lang::diagnostic::{Diagnostic, Severity};
use omnigraph_lang::params::{bind_params, Params};
use omnigraph_lang::span::SourceText;
use omnigraph_lang::TypedQuery;

use crate::EngineError;

/// The file name diagnostics of query source carry.
pub(crate) const QUERY_FILE: &str = "query.gq";

/// A `bad_request` carrying diagnostics in their JSON form
/// (docs/reference/diagnostics.md, "Diagnostic shape").
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

/// Compiles `source` against `catalog` and picks the query `name` (optional when `source`
/// holds exactly one query).
pub(crate) fn pick_query(
    catalog: &Catalog,
    source: &str,
    name: Option<&str>,
) -> Result<TypedQuery, EngineError> {
    let (mut queries, diags) = omnigraph_lang::check_file(catalog, source);
    if diags.iter().any(|d| d.is_error()) {
        return Err(diagnostics_error(source, &diags));
    }
    match name {
        Some(n) => match queries.iter().position(|q| q.name == n) {
            Some(i) => Ok(queries.swap_remove(i)),
            None => Err(EngineError::not_found(format!("query `{n}`"))),
        },
        None if queries.len() == 1 => Ok(queries.swap_remove(0)),
        None if queries.is_empty() => {
            Err(EngineError::bad_request("the query source holds no query"))
        }
        None => {
            let names: Vec<String> = queries.iter().map(|q| format!("`{}`", q.name)).collect();
            Err(EngineError::bad_request(format!(
                "the query source holds {} queries ({}); name the one to run",
                queries.len(),
                names.join(", ")
            )))
        }
    }
}

/// Binds `params` (a JSON object) to the parameters `query` declares.
pub(crate) fn bind(
    source: &str,
    query: &TypedQuery,
    params: Option<&serde_json::Value>,
) -> Result<Params, EngineError> {
    bind_params(&query.params, query.name_span, params).map_err(|d| diagnostics_error(source, &d))
}
