//! Commands that need no store: `lint` and `schema plan --from`.

use std::path::Path;

use omnigraph_lang::catalog::Catalog;
use omnigraph_lang::diagnostic::{Diagnostic, Diagnostics, Severity};
use omnigraph_lang::evolution;
use omnigraph_lang::span::SourceText;

use crate::output::CliError;

pub(crate) fn read_source(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))
}

fn file_name(path: &Path) -> String {
    path.display().to_string()
}

/// Compiles a schema file, or rejects it with rendered diagnostics.
pub(crate) fn compile(path: &Path) -> Result<Catalog, CliError> {
    let src = read_source(path)?;
    Catalog::compile(&src).map_err(|diags| reject(&file_name(path), &src, diags))
}

fn reject(name: &str, src: &str, diags: Diagnostics) -> CliError {
    let source = SourceText::new(name, src);
    CliError::Rejected {
        human: diags.render(&source),
        error: Box::new(
            omnigraph_api::ApiError::bad_request("the source has errors")
                .with_details(serde_json::json!({"diagnostics": diags.to_json(&source)})),
        ),
    }
}

/// The outcome of `lint`: diagnostics (JSON) and whether any is an error.
pub(crate) struct LintReport {
    pub json: serde_json::Value,
    pub human: String,
    pub has_errors: bool,
}

pub(crate) fn lint(file: &Path, catalog: &Catalog) -> Result<LintReport, CliError> {
    let src = read_source(file)?;
    let (typed, diags) = omnigraph_lang::check_file(catalog, &src);
    let name = file_name(file);
    let source = SourceText::new(&name, &src);
    let diags: Diagnostics = Diagnostics::from(diags);
    let has_errors = diags
        .iter()
        .any(|d: &Diagnostic| d.severity == Severity::Error);
    let human = if diags.is_empty() {
        format!("{name}: {} queries, no problems", typed.len())
    } else {
        diags.render(&source)
    };
    Ok(LintReport {
        json: serde_json::json!({
            "file": name,
            "queries": typed.iter().map(|q| q.name.clone()).collect::<Vec<_>>(),
            "diagnostics": diags.to_json(&source),
        }),
        human,
        has_errors,
    })
}

/// `schema plan`: the evolution plan from `accepted` to the schema at `desired`.
pub(crate) fn plan(accepted: &Catalog, desired: &Path) -> Result<serde_json::Value, CliError> {
    let src = read_source(desired)?;
    let desired_catalog = Catalog::compile_evolved(&src, accepted)
        .map_err(|d| reject(&file_name(desired), &src, d))?;
    let plan = evolution::plan(accepted, &desired_catalog);
    serde_json::to_value(&plan)
        .map_err(|e| CliError::Api(omnigraph_api::ApiError::internal(e.to_string())))
}
