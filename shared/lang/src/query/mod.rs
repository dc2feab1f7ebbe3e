//! The `.gq` query language (docs/reference/queries.md): the syntax tree ([`ast`]), the
//! [`parser`], the catalog view the checks use ([`schema_view`]), the [`typecheck`]er, the
//! plan-assembly steps of [`lowering`], the plan itself ([`ir`]), parameter values
//! ([`params`]) and [`lint`].
//!
//! Entry points: [`check_file`] (parse + typecheck + lint a whole file against a catalog) and
//! [`lower`] (a typed query → its [`crate::query::ir::Plan`]).

pub mod ast;
pub(crate) mod catalog_adapter;
pub mod ir;
pub mod lint;
pub mod lowering;
pub mod params;
pub mod parser;
pub mod schema_view;
pub mod typecheck;

pub use parser::parse_query_file;
pub use typecheck::{column_name, LintFacts, TypedQuery};

use crate::diagnostics::diagnostic::Diagnostic;
use crate::schema::catalog::Catalog;

/// Parses, typechecks and lints a `.gq` source against a catalog. Returns the queries that
/// have no errors and every diagnostic (errors and W-L warnings) in source order.
pub fn check_file(schema: &Catalog, gq_src: &str) -> (Vec<TypedQuery>, Vec<Diagnostic>) {
    let index = schema_view::SchemaIndex::from_catalog(schema);
    let (file, mut diags) = parse_query_file(gq_src);
    let (typed, tdiags) = typecheck::typecheck_file(&index, &file);
    diags.extend(tdiags);
    diags.extend(crate::query::lint::lint_file(&index, &file, &typed));
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    (typed, diags)
}

/// The executor's plan for a typechecked query.
pub fn lower(q: &TypedQuery) -> ir::Plan {
    q.plan.clone()
}
