//! Typechecking of `.gq` queries: names resolved against the catalog, traversal directions
//! inferred, operators, nulls, aggregates, ranking placement, column names and mutation rules
//! checked (docs/reference/queries.md). The checker builds each IR node as it types the
//! source it comes from; [`crate::query::lowering`] owns the plan-assembly steps. A query with
//! errors produces diagnostics and no [`TypedQuery`].
//!
//! This module owns the checker's state (scopes, variables, parameters seen) and the entry
//! points; each concern lives in a submodule.

mod bindings;
mod calls;
mod exprs;
mod filters;
mod literals;
mod mutations;
mod params;
mod patterns;
mod reads;
mod traversals;

use crate::diagnostics::diagnostic::Diagnostic;
use crate::diagnostics::span::Span;
use crate::query::ast::*;
use crate::query::ir::{self, EntityKind, VarRef};
use crate::query::params::ParamDef;
use crate::query::schema_view::SchemaIndex;
use crate::schema::types::PropType;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub use reads::column_name;

/// Largest accepted upper hop bound (engines may configure a lower cap).
pub const DEFAULT_MAX_HOPS: u32 = 32;

/// A query that passed typechecking, with its lowered plan.
#[derive(Debug, Clone, Serialize)]
pub struct TypedQuery {
    pub name: String,
    pub span: Span,
    pub name_span: Span,
    pub params: Vec<ParamDef>,
    pub description: Option<String>,
    pub instruction: Option<String>,
    /// Result column names (docs/reference/data.md, "Read results"); empty for mutations.
    pub columns: Vec<String>,
    pub is_mutation: bool,
    pub ast: Query,
    pub plan: ir::Plan,
    /// Typed facts the linter needs (W-L005, W-L006).
    pub facts: LintFacts,
}

/// Facts gathered while typechecking, for lint.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LintFacts {
    /// `is [not] null` tests: (span, type name, property, property type, negated).
    pub null_tests: Vec<(Span, String, String, PropType, bool)>,
    /// Text functions (`search`, `fuzzy`, `match_text`, `bm25`) on a property:
    /// (span of `$v.f`, type name, property).
    pub text_searches: Vec<(Span, String, String)>,
}

/// Typechecks every parsed query of a file. Returns the well-typed queries and diagnostics
/// (not sorted).
pub fn typecheck_file(
    schema: &SchemaIndex,
    file: &QueryFile,
) -> (Vec<TypedQuery>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut out = Vec::new();
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for q in &file.queries {
        if let Some(first) = seen.get(q.name.name.as_str()) {
            let _ = first;
            diags.push(
                Diagnostic::error(
                    "E-T030",
                    q.name.span,
                    format!("duplicate query name `{}`", q.name.name),
                )
                .with_help("rename one of the queries"),
            );
            continue;
        }
        seen.insert(&q.name.name, q.name.span);
        let before = diags.len();
        let tq = typecheck_query(schema, q, &mut diags);
        let has_error = diags[before..].iter().any(|d| d.is_error());
        if let Some(tq) = tq {
            if !has_error {
                out.push(tq);
            }
        }
    }
    (out, diags)
}

/// Typechecks one query, appending diagnostics. Returns `None` when it has errors.
pub fn typecheck_query(
    schema: &SchemaIndex,
    q: &Query,
    diags: &mut Vec<Diagnostic>,
) -> Option<TypedQuery> {
    let before = diags.len();
    let mut ck = Checker {
        schema,
        diags,
        params: BTreeMap::new(),
        param_list: Vec::new(),
        scopes: Vec::new(),
        local_names: BTreeSet::new(),
        outer_vars: Vec::new(),
        pending_local_vars: None,
        pending_filters: Vec::new(),
        facts: LintFacts::default(),
    };
    ck.params(&q.params);
    let mut description = None;
    let mut instruction = None;
    for a in &q.annotations {
        if a.name.name == "description" {
            description = Some(a.value.clone());
        } else {
            instruction = Some(a.value.clone());
        }
    }
    let (plan, columns, is_mutation) = match &q.body {
        QueryBody::Read(r) => {
            let (p, cols) = ck.read(q, r);
            (ir::Plan::Read(p), cols, false)
        }
        QueryBody::Mutation(stmts) => {
            let statements = ck.mutation(stmts);
            (
                ir::Plan::Mutation(ir::MutationPlan {
                    name: q.name.name.clone(),
                    params: ck.param_list.clone(),
                    statements,
                }),
                Vec::new(),
                true,
            )
        }
    };
    let params = ck.param_list.clone();
    let facts = std::mem::take(&mut ck.facts);
    if ck.diags[before..].iter().any(|d| d.is_error()) {
        return None;
    }
    Some(TypedQuery {
        name: q.name.name.clone(),
        span: q.span,
        name_span: q.name.span,
        params,
        description,
        instruction,
        columns,
        is_mutation,
        ast: q.clone(),
        plan,
        facts,
    })
}

// -------------------------------------------------------------------------------------------
// checker state

#[derive(Debug, Clone)]
struct VarEntry {
    name: String,
    kind: EntityKind,
    type_name: Option<String>,
    span: Span,
}

#[derive(Debug, Clone, Default)]
struct Scope {
    vars: Vec<VarEntry>,
}

/// The type of a checked expression.
#[derive(Debug, Clone)]
enum ETy {
    /// `$v`: an entity of a node/edge type.
    Entity(String),
    /// A value of a type.
    Val(PropType),
    /// An untyped literal (typed by its context).
    Lit(Literal),
}

#[derive(Debug, Clone)]
struct TExpr {
    ir: ir::Expr,
    ty: ETy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Match,
    Return,
    Order,
}

struct Checker<'a, 'd> {
    schema: &'a SchemaIndex,
    diags: &'d mut Vec<Diagnostic>,
    params: BTreeMap<String, ParamDef>,
    param_list: Vec<ParamDef>,
    scopes: Vec<Scope>,
    /// Names of variables local to some `not` block.
    local_names: BTreeSet<String>,
    /// The read plan's top-level variables.
    outer_vars: Vec<ir::VarDef>,
    /// Variables of the `not` block just checked (handed from `block` to its caller).
    pending_local_vars: Option<Vec<ir::VarDef>>,
    /// Filters produced by bindings of outer variables inside a `not` block.
    pending_filters: Vec<ir::Predicate>,
    facts: LintFacts,
}

impl<'a, 'd> Checker<'a, 'd> {
    fn err(&mut self, code: &'static str, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(code, span, msg));
    }

    fn err_help(
        &mut self,
        code: &'static str,
        span: Span,
        msg: impl Into<String>,
        help: Option<String>,
    ) {
        self.diags
            .push(Diagnostic::error(code, span, msg).with_help_opt(help));
    }

    // ----- variables ----------------------------------------------------------------------

    fn lookup(&self, name: &str) -> Option<(VarRef, VarEntry)> {
        for (depth, scope) in self.scopes.iter().enumerate().rev() {
            if let Some(i) = scope.vars.iter().position(|v| v.name == name) {
                let r = if depth == 0 {
                    VarRef::Outer(i)
                } else {
                    VarRef::Local { depth, index: i }
                };
                return Some((r, scope.vars[i].clone()));
            }
        }
        None
    }

    fn set_type(&mut self, r: VarRef, ty: &str) {
        let (depth, idx) = match r {
            VarRef::Outer(i) => (0, i),
            VarRef::Local { depth, index } => (depth, index),
        };
        if let Some(v) = self.scopes.get_mut(depth).and_then(|s| s.vars.get_mut(idx)) {
            v.type_name = Some(ty.to_string());
        }
    }

    fn var_type_name(&self, r: VarRef) -> String {
        let (depth, idx) = match r {
            VarRef::Outer(i) => (0, i),
            VarRef::Local { depth, index } => (depth, index),
        };
        self.scopes
            .get(depth)
            .and_then(|s| s.vars.get(idx))
            .and_then(|v| v.type_name.clone())
            .unwrap_or_default()
    }

    /// Registers a variable introduced by a binding or traversal of the current block.
    fn declare(&mut self, v: &Var, kind: EntityKind) {
        if v.is_anon() || self.lookup(&v.name).is_some() {
            return;
        }
        if self.params.contains_key(&v.name) {
            self.err(
                "E-T024",
                v.span,
                format!(
                    "`${}` is declared as a parameter and cannot be used as a match variable",
                    v.name
                ),
            );
        }
        if let Some(scope) = self.scopes.last_mut() {
            scope.vars.push(VarEntry {
                name: v.name.clone(),
                kind,
                type_name: None,
                span: v.span,
            });
        }
    }

    /// Resolves a `$v` occurring in an expression as a match variable.
    fn resolve_var(&mut self, v: &Var) -> Option<(VarRef, VarEntry)> {
        if v.is_anon() {
            self.err(
                "E-T026",
                v.span,
                "`$_` may appear only as a traversal endpoint",
            );
            return None;
        }
        if let Some(x) = self.lookup(&v.name) {
            return Some(x);
        }
        if self.local_names.contains(&v.name) {
            self.err(
                "E-T006",
                v.span,
                format!(
                    "`${}` is bound only inside a `not` block and is not visible here",
                    v.name
                ),
            );
        } else {
            self.err_help(
                "E-T006",
                v.span,
                format!("unbound variable `${}`", v.name),
                Some(format!(
                    "bind it in the match block, e.g. `${}: Type`",
                    v.name
                )),
            );
        }
        None
    }
}
