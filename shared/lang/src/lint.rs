//! Query lint (W-L001 … W-L006, spec §8.2). Warnings never block execution.

use crate::diagnostic::Diagnostic;
use crate::query::ast::QueryFile;
use crate::query::schema_view::SchemaIndex;

/// Lints a parsed file. Queries that fail to typecheck are linted on a best-effort basis.
pub fn lint_file(_schema: &SchemaIndex, _file: &QueryFile) -> Vec<Diagnostic> {
    Vec::new()
}
