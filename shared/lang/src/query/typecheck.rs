//! Typechecking of `.gq` queries (spec §4.2–4.12, §7.1) and lowering to [`crate::query::ir`].
//!
//! The checker resolves every name against the catalog, infers traversal directions, checks
//! operators, nulls, aggregates, ranking placement, column names and mutation rules, and builds
//! the IR plan as it goes. A query with errors produces diagnostics and no [`TypedQuery`].

use super::ast::{self, *};
use super::schema_view::{SchemaIndex, TypeInfo};
use crate::diagnostics::diagnostic::{did_you_mean, Diagnostic};
use crate::diagnostics::span::Span;
use crate::query::ir::{self, EntityKind, Operand, VarRef};
use crate::query::params::ParamDef;
use crate::schema::types::{Core, PropType, ScalarType, MAX_VECTOR_DIM};
use crate::schema::value::{parse_blob, quote_truncated, Value};
use crate::syntax::lexer::lower_first;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

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
    /// Result column names (§7.1); empty for mutations.
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
// helpers

fn scalar(s: ScalarType) -> PropType {
    PropType::scalar(s)
}

fn core_text(c: &Core) -> String {
    crate::query::params::type_text(c)
}

/// Can values of these two types be compared with `=`/`!=`/ordering (§4.6)?
fn comparable(a: &Core, b: &Core) -> bool {
    use Core::*;
    match (a, b) {
        (Scalar(x), Scalar(y)) => {
            (x.is_numeric() && y.is_numeric()) || (x == y && !matches!(x, ScalarType::Blob))
        }
        (Scalar(ScalarType::String), Enum(_)) | (Enum(_), Scalar(ScalarType::String)) => true,
        (Enum(x), Enum(y)) => x == y,
        _ => false,
    }
}

fn literal_kind(l: &Literal) -> &'static str {
    match l {
        Literal::Int(_) => "integer literal",
        Literal::Float(_) => "float literal",
        Literal::Str(_) => "string literal",
        Literal::Bool(_) => "boolean literal",
        Literal::Null => "`null`",
        Literal::Date(_) => "date literal",
        Literal::DateTime(_) => "datetime literal",
        Literal::List(_) => "list literal",
    }
}

fn literal_text(l: &Literal) -> String {
    match l {
        Literal::Int(i) => i.to_string(),
        Literal::Float(f) => crate::schema::value::f64_text(*f),
        Literal::Str(s) => quote_truncated(s),
        Literal::Bool(b) => b.to_string(),
        Literal::Null => "null".into(),
        Literal::Date(d) => format!("date(\"{}\")", crate::schema::value::format_date(*d)),
        Literal::DateTime(ms) => format!(
            "datetime(\"{}\")",
            crate::schema::value::format_datetime(*ms)
        ),
        Literal::List(items) => {
            let parts: Vec<String> = items.iter().map(literal_text).collect();
            crate::schema::value::truncate(&format!("[{}]", parts.join(", ")))
        }
    }
}

/// The natural value and type of a literal without context.
fn literal_default(l: &Literal) -> Option<(Value, PropType)> {
    Some(match l {
        Literal::Int(i) => {
            if let Ok(v) = i64::try_from(*i) {
                (Value::I64(v), scalar(ScalarType::I64))
            } else {
                (Value::U64(u64::try_from(*i).ok()?), scalar(ScalarType::U64))
            }
        }
        Literal::Float(f) => (Value::F64(*f), scalar(ScalarType::F64)),
        Literal::Str(s) => (Value::String(s.clone()), scalar(ScalarType::String)),
        Literal::Bool(b) => (Value::Bool(*b), scalar(ScalarType::Bool)),
        Literal::Date(d) => (Value::Date(*d), scalar(ScalarType::Date)),
        Literal::DateTime(ms) => (Value::DateTime(*ms), scalar(ScalarType::DateTime)),
        Literal::Null => return None,
        Literal::List(items) => {
            let mut vals = Vec::new();
            let mut elem: Option<ScalarType> = None;
            for it in items {
                let (v, t) = literal_default(it)?;
                let s = t.as_scalar()?;
                match elem {
                    None => elem = Some(s),
                    Some(e) if e == s => {}
                    Some(e) if e.is_numeric() && s.is_numeric() => {
                        if s.is_float() {
                            elem = Some(ScalarType::F64)
                        }
                        let _ = e;
                    }
                    Some(_) => return None,
                }
                vals.push(v);
            }
            let e = elem.unwrap_or(ScalarType::String);
            let vals = vals
                .into_iter()
                .map(|v| {
                    if e == ScalarType::F64 {
                        to_f64(&v).map(Value::F64).unwrap_or(v)
                    } else {
                        v
                    }
                })
                .collect();
            (
                Value::List(vals),
                PropType {
                    core: Core::List(e),
                    nullable: false,
                },
            )
        }
    })
}

fn to_f64(v: &Value) -> Option<f64> {
    Some(match v {
        Value::I32(x) => *x as f64,
        Value::I64(x) => *x as f64,
        Value::U32(x) => *x as f64,
        Value::U64(x) => *x as f64,
        Value::F32(x) => *x as f64,
        Value::F64(x) => *x,
        _ => return None,
    })
}

/// Why a literal does not convert to a type.
enum LitErr {
    /// Wrong kind of literal for the type.
    Mismatch,
    /// Right kind, invalid value (range, enum membership, blob text).
    Invalid(String),
}

fn int_to(i: i128, s: ScalarType) -> Result<Value, LitErr> {
    let v = match s {
        ScalarType::I32 => i32::try_from(i).ok().map(Value::I32),
        ScalarType::I64 => i64::try_from(i).ok().map(Value::I64),
        ScalarType::U32 => u32::try_from(i).ok().map(Value::U32),
        ScalarType::U64 => u64::try_from(i).ok().map(Value::U64),
        ScalarType::F32 => Some(Value::F32(i as f32)),
        ScalarType::F64 => Some(Value::F64(i as f64)),
        _ => return Err(LitErr::Mismatch),
    };
    v.ok_or_else(|| LitErr::Invalid(format!("integer literal `{i}` is out of range for {s}")))
}

/// Converts a literal to exactly the given core type (assignment rules of §4.12; also used for
/// binding and comparison operands, where `numeric_loose` lets a float literal meet an
/// integer type by mathematical value).
fn convert_literal(l: &Literal, core: &Core, numeric_loose: bool) -> Result<Value, LitErr> {
    match (l, core) {
        (Literal::Int(i), Core::Scalar(s)) if s.is_numeric() => int_to(*i, *s),
        (Literal::Float(f), Core::Scalar(ScalarType::F64)) => Ok(Value::F64(*f)),
        (Literal::Float(f), Core::Scalar(ScalarType::F32)) => {
            if f.abs() <= f32::MAX as f64 {
                Ok(Value::F32(*f as f32))
            } else {
                Err(LitErr::Invalid(format!(
                    "float literal `{f}` is outside the F32 range"
                )))
            }
        }
        (Literal::Float(f), Core::Scalar(s)) if s.is_integer() && numeric_loose => {
            Ok(Value::F64(*f))
        }
        (Literal::Str(s), Core::Scalar(ScalarType::String)) => Ok(Value::String(s.clone())),
        (Literal::Str(s), Core::Enum(values)) => {
            if values.iter().any(|v| v == s) {
                Ok(Value::String(s.clone()))
            } else {
                Err(LitErr::Invalid(format!(
                    "{} is not a value of {}",
                    quote_truncated(s),
                    core_text(core)
                )))
            }
        }
        (Literal::Str(s), Core::Scalar(ScalarType::Blob)) => {
            parse_blob(s).map(Value::Blob).ok_or_else(|| {
                LitErr::Invalid(format!(
                    "{} is not a blob value (\"base64:…\" or an s3:// or file:// URI)",
                    quote_truncated(s)
                ))
            })
        }
        (Literal::Bool(b), Core::Scalar(ScalarType::Bool)) => Ok(Value::Bool(*b)),
        (Literal::Date(d), Core::Scalar(ScalarType::Date)) => Ok(Value::Date(*d)),
        (Literal::DateTime(ms), Core::Scalar(ScalarType::DateTime)) => Ok(Value::DateTime(*ms)),
        (Literal::List(items), Core::List(e)) => {
            let ec = Core::Scalar(*e);
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                if matches!(it, Literal::List(_) | Literal::Null) {
                    return Err(LitErr::Mismatch);
                }
                out.push(convert_literal(it, &ec, false)?);
            }
            Ok(Value::List(out))
        }
        (Literal::List(items), Core::Vector(n)) => {
            if items.len() != *n as usize {
                return Err(LitErr::Invalid(format!(
                    "vector literal has {} elements, expected {n}",
                    items.len()
                )));
            }
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                let f = match it {
                    Literal::Int(i) => *i as f64,
                    Literal::Float(f) => *f,
                    _ => return Err(LitErr::Mismatch),
                };
                if f.abs() > f32::MAX as f64 {
                    return Err(LitErr::Invalid(
                        "vector component outside the F32 range".into(),
                    ));
                }
                out.push(f as f32);
            }
            Ok(Value::Vector(out))
        }
        _ => Err(LitErr::Mismatch),
    }
}

/// May a value of type `from` be assigned to a property of type `to` (§4.12)?
fn assignable(from: &Core, to: &Core) -> bool {
    use Core::*;
    match (from, to) {
        (Scalar(a), Scalar(b)) => {
            a == b
                || (a.is_integer() && b.is_numeric())
                || (*a == ScalarType::String && *b == ScalarType::Blob)
                || (a.is_float() && b.is_float())
        }
        (Scalar(ScalarType::String), Enum(_)) => true,
        (Enum(a), Enum(b)) => a.iter().all(|x| b.contains(x)),
        (List(a), List(b)) => assignable(&Scalar(*a), &Scalar(*b)),
        (Vector(a), Vector(b)) => a == b,
        _ => false,
    }
}

fn agg_result_type(func: AggFunc, arg: &PropType) -> Option<PropType> {
    let nullable = |c: Core| PropType {
        core: c,
        nullable: true,
    };
    match func {
        AggFunc::Count => Some(scalar(ScalarType::I64)),
        AggFunc::Sum => match arg.core {
            Core::Scalar(ScalarType::I32 | ScalarType::I64) => {
                Some(nullable(Core::Scalar(ScalarType::I64)))
            }
            Core::Scalar(ScalarType::U32 | ScalarType::U64) => {
                Some(nullable(Core::Scalar(ScalarType::U64)))
            }
            Core::Scalar(s) if s.is_float() => Some(nullable(Core::Scalar(ScalarType::F64))),
            _ => None,
        },
        AggFunc::Avg => match arg.core {
            Core::Scalar(s) if s.is_numeric() => Some(nullable(Core::Scalar(ScalarType::F64))),
            _ => None,
        },
        AggFunc::Min | AggFunc::Max => match &arg.core {
            Core::Scalar(s)
                if s.is_numeric()
                    || matches!(
                        s,
                        ScalarType::String | ScalarType::Date | ScalarType::DateTime
                    ) =>
            {
                Some(nullable(arg.core.clone()))
            }
            Core::Enum(_) => Some(nullable(arg.core.clone())),
            _ => None,
        },
    }
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

    // ----- parameters ---------------------------------------------------------------------

    fn params(&mut self, decls: &[ParamDecl]) {
        for d in decls {
            let name = d.var.name.clone();
            if d.var.is_anon() {
                self.err("E-T027", d.var.span, "`$_` cannot be a parameter name");
                continue;
            }
            if self.params.contains_key(&name) {
                self.err(
                    "E-T027",
                    d.var.span,
                    format!("duplicate parameter `${name}`"),
                );
                continue;
            }
            let core = match &d.ty.kind {
                ParamTypeKindAst::Scalar(n) => match ScalarType::from_name(&n.name) {
                    Some(s) => Some(Core::Scalar(s)),
                    None => {
                        let help = if n.name == "Vector" {
                            Some("write `Vector(n)` with a dimension".to_string())
                        } else {
                            let names: Vec<&str> =
                                ScalarType::ALL.iter().map(|s| s.name()).collect();
                            did_you_mean(&n.name, names.iter()).map(|c| format!("did you mean `{c}`?"))
                                .or_else(|| Some("parameter types are scalars, `[scalar]` and `Vector(n)`; enums are passed as `String`".into()))
                        };
                        self.err_help(
                            "E-T027",
                            n.span,
                            format!("unsupported parameter type `{}` for `${name}`", n.name),
                            help,
                        );
                        None
                    }
                },
                ParamTypeKindAst::List(n) => match ScalarType::from_name(&n.name) {
                    Some(ScalarType::Blob) => {
                        self.err(
                            "E-T027",
                            n.span,
                            format!("`[Blob]` is not a valid type for `${name}`"),
                        );
                        None
                    }
                    Some(s) => Some(Core::List(s)),
                    None => {
                        self.err(
                            "E-T027",
                            n.span,
                            format!("unsupported list element type `{}` for `${name}`", n.name),
                        );
                        None
                    }
                },
                ParamTypeKindAst::Vector(n) => match n {
                    Some(n) if *n >= 1 && *n <= MAX_VECTOR_DIM => Some(Core::Vector(*n)),
                    _ => {
                        self.err(
                            "E-T027",
                            d.ty.span,
                            format!("invalid vector dimension for `${name}` (must be 1..={MAX_VECTOR_DIM})"),
                        );
                        None
                    }
                },
            };
            // Register anyway so that uses do not also report E-T014.
            let ty = PropType {
                core: core.unwrap_or(Core::Scalar(ScalarType::String)),
                nullable: d.ty.nullable,
            };
            let def = ParamDef {
                name: name.clone(),
                ty,
                span: d.span,
            };
            self.params.insert(name, def.clone());
            self.param_list.push(def);
        }
    }

    fn param_ref(&mut self, v: &Var) -> Option<ParamDef> {
        match self.params.get(&v.name) {
            Some(p) => Some(p.clone()),
            None => {
                let names: Vec<&str> = self.params.keys().map(String::as_str).collect();
                let help =
                    did_you_mean(&v.name, names.iter()).map(|c| format!("did you mean `${c}`?"));
                self.err_help(
                    "E-T014",
                    v.span,
                    format!("undeclared parameter `${}`", v.name),
                    help.or_else(|| Some(format!("declare it: `query name(${}: Type)`", v.name))),
                );
                None
            }
        }
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

    // ----- reads --------------------------------------------------------------------------

    fn read(&mut self, q: &Query, r: &ReadQuery) -> (ir::ReadPlan, Vec<String>) {
        self.scopes.push(Scope::default());
        collect_local_names(&r.clauses, &mut self.local_names, true);
        let pattern = self.block(&r.clauses, 0);
        let scope0 = self.scopes.first().cloned().unwrap_or_default();
        self.outer_vars = scope0
            .vars
            .iter()
            .map(|v| {
                let tn = v.type_name.clone().unwrap_or_default();
                let table = match v.kind {
                    EntityKind::Node => format!("node:{tn}"),
                    EntityKind::Edge => format!("edge:{tn}"),
                };
                ir::VarDef {
                    name: v.name.clone(),
                    kind: v.kind,
                    type_name: tn,
                    table,
                }
            })
            .collect();

        // return
        let mut projections: Vec<ir::Projection> = Vec::new();
        let mut texprs: Vec<Option<TExpr>> = Vec::new();
        let mut columns: Vec<String> = Vec::new();
        let mut col_spans: Vec<Span> = Vec::new();
        let is_agg = r
            .returns
            .iter()
            .any(|p| matches!(p.expr.kind, ExprKind::Agg { .. }));
        for p in &r.returns {
            let te = self.expr(&p.expr, Ctx::Return);
            let name = match &p.alias {
                Some(a) => a.name.clone(),
                None => column_name(&p.expr),
            };
            if let Some(i) = columns.iter().position(|c| *c == name) {
                let _ = col_spans[i];
                self.err_help(
                    "E-T025",
                    p.span,
                    format!("duplicate result column `{name}`"),
                    Some("add `as <alias>` to one of them".into()),
                );
            }
            if is_agg && !matches!(p.expr.kind, ExprKind::Agg { .. }) {
                let group_key = matches!(p.expr.kind, ExprKind::Var(_) | ExprKind::Prop { .. })
                    && te.as_ref().is_some_and(|t| {
                        matches!(t.ir, ir::Expr::Prop { .. } | ir::Expr::Entity { .. })
                    });
                if !group_key {
                    self.err_help(
                        "E-T009",
                        p.expr.span,
                        "in an aggregate query every return item must be an aggregate or a group key (`$v` or `$v.prop`)",
                        None,
                    );
                }
            }
            if let Some(t) = &te {
                projections.push(ir::Projection {
                    name: name.clone(),
                    expr: t.ir.clone(),
                    ty: match &t.ty {
                        ETy::Val(pt) => Some(pt.clone()),
                        ETy::Lit(l) => literal_default(l).map(|x| x.1),
                        ETy::Entity(_) => None,
                    },
                });
            }
            texprs.push(te);
            columns.push(name);
            col_spans.push(p.span);
        }

        // order
        let mut ranking: Option<ir::Ranking> = None;
        let mut order: Vec<ir::OrderKey> = Vec::new();
        for (i, item) in r.order.iter().enumerate() {
            // alias?
            let (te, col) = if let ExprKind::Alias(a) = &item.expr.kind {
                match columns.iter().position(|c| *c == a.name) {
                    Some(ci) => match texprs.get(ci).cloned().flatten() {
                        Some(t) => (Some(t), Some(ci)),
                        None => (None, Some(ci)),
                    },
                    None => {
                        let help = did_you_mean(&a.name, columns.iter())
                            .map(|c| format!("did you mean `{c}`?"));
                        self.err_help(
                            "E-T006",
                            a.span,
                            format!("unknown alias `{}` in `order`", a.name),
                            help.or_else(|| Some("order items are `$v`, `$v.prop`, return aliases or ranking functions".into())),
                        );
                        (None, None)
                    }
                }
            } else {
                (self.expr(&item.expr, Ctx::Order), None)
            };
            let Some(te) = te else { continue };
            let is_rank = matches!(
                te.ir,
                ir::Expr::Nearest { .. } | ir::Expr::Bm25 { .. } | ir::Expr::Rrf { .. }
            );
            if is_rank {
                if is_agg {
                    self.err(
                        "E-T018",
                        item.expr.span,
                        "a ranking function cannot order an aggregate query",
                    );
                    continue;
                }
                if i != 0 {
                    self.err_help(
                        "E-T018",
                        item.expr.span,
                        "a ranking function must be the first order item (and appear once)",
                        None,
                    );
                    continue;
                }
                if let Some((_, dspan)) = item.dir {
                    self.err_help(
                        "E-T018",
                        dspan,
                        "a ranking function cannot take `asc`/`desc`",
                        Some("it always sorts best-first; remove the direction".into()),
                    );
                    continue;
                }
                if matches!(te.ir, ir::Expr::Nearest { .. } | ir::Expr::Rrf { .. })
                    && r.limit.is_none()
                {
                    let f = if matches!(te.ir, ir::Expr::Nearest { .. }) {
                        "nearest"
                    } else {
                        "rrf"
                    };
                    self.err_help(
                        "E-T017",
                        item.expr.span,
                        format!("ordering by `{f}` requires `limit`"),
                        Some("add `limit n` after `order`".into()),
                    );
                    continue;
                }
                let column = col.or_else(|| {
                    let key = serde_json::to_string(&te.ir).ok();
                    projections
                        .iter()
                        .position(|p| serde_json::to_string(&p.expr).ok() == key)
                });
                ranking = Some(ir::Ranking {
                    expr: te.ir.clone(),
                    column,
                });
                continue;
            }
            if is_agg {
                // order items must be aliases or group-key expressions appearing in return
                let ok = match col {
                    Some(_) => true,
                    None => {
                        let key = serde_json::to_string(&te.ir).ok();
                        matches!(te.ir, ir::Expr::Prop { .. } | ir::Expr::Entity { .. })
                            && projections
                                .iter()
                                .any(|p| serde_json::to_string(&p.expr).ok() == key)
                    }
                };
                if !ok {
                    self.err(
                        "E-T009",
                        item.expr.span,
                        "in an aggregate query, order items must be return aliases or group keys that appear in `return`",
                    );
                    continue;
                }
            }
            let expr = match col {
                Some(ci) => ir::Expr::Column { index: ci },
                None => te.ir.clone(),
            };
            let descending = matches!(item.dir, Some((Direction::Desc, _)));
            order.push(ir::OrderKey { expr, descending });
        }

        // rrf returned without ordering by it
        for (ci, p) in projections.iter().enumerate() {
            if matches!(p.expr, ir::Expr::Rrf { .. }) {
                let ok = ranking.as_ref().is_some_and(|rk| {
                    rk.column == Some(ci)
                        || serde_json::to_string(&rk.expr).ok()
                            == serde_json::to_string(&p.expr).ok()
                });
                if !ok {
                    if let Some(span) = col_spans.get(ci) {
                        self.err_help(
                            "E-T018",
                            *span,
                            "`rrf` can be returned only when the same `rrf(…)` is the first order item",
                            Some("add it (or its alias) as the first item of `order`".into()),
                        );
                    }
                }
            }
        }

        let limit = match &r.limit {
            Some(l) if l.value < 1 => {
                self.err(
                    "E-T028",
                    l.span,
                    format!("`limit {}`: the limit must be at least 1", l.value),
                );
                None
            }
            Some(l) => Some(u64::try_from(l.value).unwrap_or(u64::MAX)),
            None => None,
        };

        let (aggregate, tie_break) = if is_agg {
            let mut keys = Vec::new();
            let mut aggs = Vec::new();
            for (i, p) in projections.iter().enumerate() {
                if matches!(p.expr, ir::Expr::Agg { .. }) {
                    aggs.push(i)
                } else {
                    keys.push(i)
                }
            }
            (
                Some(ir::Aggregate {
                    group_keys: keys.clone(),
                    aggregates: aggs,
                }),
                ir::TieBreak::GroupKeys(keys),
            )
        } else {
            (
                None,
                ir::TieBreak::VarIds((0..self.outer_vars.len()).collect()),
            )
        };

        let plan = ir::ReadPlan {
            name: q.name.name.clone(),
            params: self.param_list.clone(),
            vars: self.outer_vars.clone(),
            pattern,
            projections,
            aggregate,
            ranking,
            order,
            tie_break,
            limit,
        };
        (plan, columns)
    }

    /// Types one match block (depth 0) or `not` block (depth ≥ 1) and builds its pattern.
    fn block(&mut self, clauses: &[Clause], depth: usize) -> ir::Pattern {
        let start_errors = self.diags.len();
        if depth > 0 {
            self.scopes.push(Scope::default());
        }
        // declare variables in order of first appearance
        for c in clauses {
            match c {
                Clause::Binding(b) => {
                    if b.var.is_anon() {
                        self.err(
                            "E-T026",
                            b.var.span,
                            "`$_` may appear only as a traversal endpoint",
                        );
                    }
                    self.declare(&b.var, EntityKind::Node)
                }
                Clause::Traversal(t) => {
                    self.declare(&t.src, EntityKind::Node);
                    if let Some(ev) = &t.edge_var {
                        if ev.is_anon() {
                            self.err("E-T026", ev.span, "`$_` cannot be an edge variable");
                        } else if self.lookup(&ev.name).is_some() {
                            self.err(
                                "E-T026",
                                ev.span,
                                format!("edge variable `${}` is already bound; edge variables cannot be reused", ev.name),
                            );
                        } else {
                            self.declare(ev, EntityKind::Edge);
                        }
                    }
                    self.declare(&t.dst, EntityKind::Node);
                }
                _ => {}
            }
        }
        let mut scans_preds: BTreeMap<usize, Vec<ir::ScanPredicate>> = BTreeMap::new();
        // bindings first
        for c in clauses {
            if let Clause::Binding(b) = c {
                self.binding(b, depth, &mut scans_preds);
            }
        }
        let mut filters: Vec<ir::Predicate> = std::mem::take(&mut self.pending_filters);
        // traversals in source order
        let mut expansions = Vec::new();
        for c in clauses {
            if let Clause::Traversal(t) = c {
                if let Some(x) = self.traversal(t) {
                    expansions.push(x);
                }
            }
        }
        // untyped variables
        if self.diags.len() == start_errors {
            let untyped: Vec<VarEntry> = self
                .scopes
                .last()
                .map(|s| {
                    s.vars
                        .iter()
                        .filter(|v| v.type_name.is_none())
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            for v in untyped {
                self.err(
                    "E-T006",
                    v.span,
                    format!("cannot determine the type of `${}`", v.name),
                );
            }
        }
        // filters, text predicates, negations
        let mut anti_joins = Vec::new();
        for c in clauses {
            match c {
                Clause::Filter(f) => self.filter(f, depth, &mut scans_preds, &mut filters),
                Clause::Text(e) => {
                    if let Some(te) = self.expr(e, Ctx::Match) {
                        if let ir::Expr::Text { var, pred } = te.ir {
                            match self.scan_index(var, depth) {
                                Some(i) => scans_preds
                                    .entry(i)
                                    .or_default()
                                    .push(ir::ScanPredicate::Text(pred)),
                                None => filters.push(ir::Predicate::Text { var, pred }),
                            }
                        }
                    }
                }
                Clause::Not(nb) => {
                    let mut mentioned = BTreeSet::new();
                    collect_mentioned(&nb.clauses, &mut mentioned);
                    let any_outer = mentioned.iter().any(|n| self.lookup(n).is_some());
                    if !any_outer {
                        self.err_help(
                            "E-T023",
                            nb.kw_span,
                            "`not` block mentions no variable bound outside it",
                            Some("a negation must constrain an outer variable, e.g. `not { $p knows $_ }`".into()),
                        );
                        continue;
                    }
                    let pattern = self.block(&nb.clauses, depth + 1);
                    let vars = self.pending_local_vars.take().unwrap_or_default();
                    anti_joins.push(ir::AntiJoin { vars, pattern });
                }
                _ => {}
            }
        }
        // scans for node variables of this block
        let scope = self.scopes.last().cloned().unwrap_or_default();
        let mut scans = Vec::new();
        for (i, v) in scope.vars.iter().enumerate() {
            if v.kind != EntityKind::Node {
                continue;
            }
            let tn = v.type_name.clone().unwrap_or_default();
            let var = if depth == 0 {
                VarRef::Outer(i)
            } else {
                VarRef::Local { depth, index: i }
            };
            scans.push(ir::NodeScan {
                var,
                table: format!("node:{tn}"),
                type_name: tn,
                predicates: scans_preds.remove(&i).unwrap_or_default(),
            });
        }
        if depth > 0 {
            let vars = scope
                .vars
                .iter()
                .map(|v| {
                    let tn = v.type_name.clone().unwrap_or_default();
                    let table = match v.kind {
                        EntityKind::Node => format!("node:{tn}"),
                        EntityKind::Edge => format!("edge:{tn}"),
                    };
                    ir::VarDef {
                        name: v.name.clone(),
                        kind: v.kind,
                        type_name: tn,
                        table,
                    }
                })
                .collect();
            self.scopes.pop();
            self.pending_local_vars = Some(vars);
        }
        ir::Pattern {
            scans,
            expansions,
            filters,
            anti_joins,
        }
    }
}

fn flip(op: CmpOp) -> Option<CmpOp> {
    Some(match op {
        CmpOp::Eq => CmpOp::Eq,
        CmpOp::Ne => CmpOp::Ne,
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        CmpOp::Contains => return None,
    })
}

fn as_operand(e: &ir::Expr) -> Option<Operand> {
    match e {
        ir::Expr::Operand(o) => Some(o.clone()),
        _ => None,
    }
}

/// Column name of an un-aliased return item (§7.1).
pub fn column_name(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Prop { var, prop } => format!("{}.{}", var.name, prop.name),
        ExprKind::Var(v) => v.name.clone(),
        ExprKind::Lit(_) => "literal".into(),
        ExprKind::Now => "now".into(),
        ExprKind::Alias(a) => a.name.clone(),
        ExprKind::Agg { func, arg } => format!("{}({})", func.as_str(), column_name(arg)),
        ExprKind::Call { func, .. } => func.as_str().into(),
    }
}

/// Names of variables bound (by bindings / traversals) inside `not` blocks.
fn collect_local_names(clauses: &[Clause], out: &mut BTreeSet<String>, top: bool) {
    for c in clauses {
        match c {
            Clause::Binding(b) if !top => {
                out.insert(b.var.name.clone());
            }
            Clause::Traversal(t) if !top => {
                out.insert(t.src.name.clone());
                out.insert(t.dst.name.clone());
                if let Some(e) = &t.edge_var {
                    out.insert(e.name.clone());
                }
            }
            Clause::Not(n) => collect_local_names(&n.clauses, out, false),
            _ => {}
        }
    }
}

fn expr_vars(e: &Expr, out: &mut BTreeSet<String>) {
    match &e.kind {
        ExprKind::Prop { var, .. } | ExprKind::Var(var) => {
            out.insert(var.name.clone());
        }
        ExprKind::Agg { arg, .. } => expr_vars(arg, out),
        ExprKind::Call { args, .. } => args.iter().for_each(|a| expr_vars(a, out)),
        _ => {}
    }
}

/// Every variable name mentioned anywhere in the clauses (recursively).
pub(crate) fn collect_mentioned(clauses: &[Clause], out: &mut BTreeSet<String>) {
    for c in clauses {
        match c {
            Clause::Binding(b) => {
                out.insert(b.var.name.clone());
            }
            Clause::Traversal(t) => {
                out.insert(t.src.name.clone());
                out.insert(t.dst.name.clone());
                if let Some(e) = &t.edge_var {
                    out.insert(e.name.clone());
                }
            }
            Clause::Filter(f) => {
                expr_vars(&f.lhs, out);
                if let FilterOp::Cmp { rhs, .. } = &f.op {
                    expr_vars(rhs, out);
                }
            }
            Clause::Text(e) => expr_vars(e, out),
            Clause::Not(n) => collect_mentioned(&n.clauses, out),
        }
    }
    out.remove("_");
}

impl<'a, 'd> Checker<'a, 'd> {
    fn scan_index(&self, r: VarRef, depth: usize) -> Option<usize> {
        let (d, i) = match r {
            VarRef::Outer(i) => (0, i),
            VarRef::Local { depth, index } => (depth, index),
        };
        if d != depth {
            return None;
        }
        let v = self.scopes.get(d)?.vars.get(i)?;
        (v.kind == EntityKind::Node).then_some(i)
    }

    fn type_info(&self, name: &str) -> Option<TypeInfo> {
        self.schema.type_exact(name).cloned()
    }

    fn unknown_node_type(&mut self, n: &Name) {
        let name = &n.name;
        if self.schema.is_interface(name) {
            self.err_help(
                "E-T001",
                n.span,
                format!("`{name}` is an interface; interfaces cannot be queried"),
                Some("bind a node type that implements it".into()),
            );
        } else if let Some(e) = self.schema.edge_ci(name) {
            let e = e.clone();
            self.err_help(
                "E-T001",
                n.span,
                format!("`{name}` is an edge type, not a node type"),
                Some(format!(
                    "match edges with a traversal such as `$a {} $b` (edge {}: {} -> {})",
                    lower_first(&e.name),
                    e.name,
                    e.from,
                    e.to
                )),
            );
        } else {
            let names: Vec<&String> = self.schema.nodes.keys().collect();
            let help = did_you_mean(name, names).map(|c| format!("did you mean `{c}`?"));
            self.err_help(
                "E-T001",
                n.span,
                format!("unknown node type `{name}`"),
                help,
            );
        }
    }

    fn binding(
        &mut self,
        b: &Binding,
        depth: usize,
        preds: &mut BTreeMap<usize, Vec<ir::ScanPredicate>>,
    ) {
        if b.var.is_anon() {
            return;
        }
        let Some(ti) = self.schema.node(&b.type_name.name).cloned() else {
            self.unknown_node_type(&b.type_name);
            return;
        };
        let Some((r, entry)) = self.lookup(&b.var.name) else {
            return;
        };
        if entry.kind == EntityKind::Edge {
            self.err(
                "E-T024",
                b.type_name.span,
                format!(
                    "`${}` is an edge variable and cannot be bound to node type `{}`",
                    b.var.name, ti.name
                ),
            );
            return;
        }
        match &entry.type_name {
            Some(t) if *t != ti.name => {
                self.err(
                    "E-T024",
                    b.type_name.span,
                    format!(
                        "`${}` is already bound to `{t}` and cannot also be `{}`",
                        b.var.name, ti.name
                    ),
                );
                return;
            }
            Some(_) => {}
            None => self.set_type(r, &ti.name),
        }
        let target = self.scan_index(r, depth);
        for pm in &b.props {
            let Some(pt) = ti.prop_type(&pm.prop.name, false) else {
                let help = did_you_mean(&pm.prop.name, ti.prop_names().iter())
                    .map(|c| format!("did you mean `{c}`?"));
                self.err_help(
                    "E-T002",
                    pm.prop.span,
                    format!("unknown property `{}` of `{}`", pm.prop.name, ti.name),
                    help,
                );
                continue;
            };
            if matches!(pt.core, Core::Vector(_) | Core::Scalar(ScalarType::Blob)) {
                self.err(
                    "E-T003",
                    pm.prop.span,
                    format!(
                        "cannot match on {} property `{}.{}`",
                        if pt.is_vector() { "vector" } else { "blob" },
                        ti.name,
                        pm.prop.name
                    ),
                );
                continue;
            }
            let (elem_core, is_list) = match &pt.core {
                Core::List(e) => (Core::Scalar(*e), true),
                c => (c.clone(), false),
            };
            let value: Option<Operand> = match &pm.value.kind {
                ExprKind::Lit(Literal::Null) => {
                    self.err(
                        "E-T029",
                        pm.value.span,
                        "`null` is not allowed in a binding; use `$v.prop is null`",
                    );
                    None
                }
                ExprKind::Lit(Literal::List(_)) if is_list => {
                    self.err(
                        "E-T003",
                        pm.value.span,
                        format!(
                            "cannot compare list property `{}.{}` with a list",
                            ti.name, pm.prop.name
                        ),
                    );
                    None
                }
                ExprKind::Lit(l) => match convert_literal(l, &elem_core, true) {
                    Ok(v) => Some(Operand::Literal(v)),
                    Err(LitErr::Mismatch) => {
                        self.err(
                            "E-T003",
                            pm.value.span,
                            format!(
                                "`{}.{}` is {}, found {} {}",
                                ti.name,
                                pm.prop.name,
                                pt.pg(),
                                literal_kind(l),
                                literal_text(l)
                            ),
                        );
                        None
                    }
                    Err(LitErr::Invalid(m)) => {
                        self.err("E-T007", pm.value.span, m);
                        None
                    }
                },
                ExprKind::Var(v) => {
                    if self.lookup(&v.name).is_some() {
                        self.err(
                            "E-T003",
                            v.span,
                            format!("`${}` is a match variable; binding values are literals, parameters or `now()`", v.name),
                        );
                        None
                    } else if let Some(p) = self.param_ref(v) {
                        let ok = match (&p.ty.core, is_list) {
                            (Core::List(_), true) => false,
                            (c, _) => comparable(&elem_core, c),
                        };
                        if ok {
                            Some(Operand::Param(p.name.clone()))
                        } else {
                            self.err(
                                "E-T003",
                                v.span,
                                format!(
                                    "`{}.{}` is {}, but parameter `${}` is {}",
                                    ti.name,
                                    pm.prop.name,
                                    pt.pg(),
                                    p.name,
                                    p.ty.pg()
                                ),
                            );
                            None
                        }
                    } else {
                        None
                    }
                }
                ExprKind::Now => {
                    if comparable(&elem_core, &Core::Scalar(ScalarType::DateTime)) {
                        Some(Operand::Now)
                    } else {
                        self.err(
                            "E-T003",
                            pm.value.span,
                            format!(
                                "`{}.{}` is {}, but `now()` is DateTime",
                                ti.name,
                                pm.prop.name,
                                pt.pg()
                            ),
                        );
                        None
                    }
                }
                _ => None,
            };
            let Some(value) = value else { continue };
            let pred = if is_list {
                ir::ScanPredicate::ListContains {
                    prop: pm.prop.name.clone(),
                    prop_type: pt.clone(),
                    value,
                }
            } else {
                ir::ScanPredicate::Compare {
                    prop: pm.prop.name.clone(),
                    prop_type: pt.clone(),
                    op: CmpOp::Eq,
                    value,
                }
            };
            match target {
                Some(i) => preds.entry(i).or_default().push(pred),
                None => {
                    // binding of an outer variable inside a `not` block: a plain filter
                    self.pending_filters.push(scan_pred_to_filter(r, pred));
                }
            }
        }
    }

    fn traversal(&mut self, t: &Traversal) -> Option<ir::Expand> {
        let Some(et) = self.schema.edge_ci(&t.edge.name).cloned() else {
            let cands: Vec<String> = self
                .schema
                .edges
                .values()
                .map(|e| lower_first(&e.name))
                .collect();
            let help = did_you_mean(&t.edge.name, cands.iter()).and_then(|c| {
                self.schema.edge_ci(c).map(|e| {
                    format!(
                        "did you mean `{c}` (edge {}: {} -> {})?",
                        e.name, e.from, e.to
                    )
                })
            });
            let msg = if self.schema.node(&upper_first_ascii(&t.edge.name)).is_some() {
                format!(
                    "unknown edge type `{}` (`{}` is a node type)",
                    t.edge.name,
                    upper_first_ascii(&t.edge.name)
                )
            } else {
                format!("unknown edge type `{}`", t.edge.name)
            };
            self.err_help("E-T004", t.edge.span, msg, help);
            return None;
        };
        if t.src.is_anon() && t.dst.is_anon() {
            self.err(
                "E-T026",
                t.span,
                "at least one endpoint of a traversal must be a named variable",
            );
            return None;
        }
        let a = if t.src.is_anon() {
            None
        } else {
            self.lookup(&t.src.name)
        };
        let b = if t.dst.is_anon() {
            None
        } else {
            self.lookup(&t.dst.name)
        };
        if (!t.src.is_anon() && a.is_none()) || (!t.dst.is_anon() && b.is_none()) {
            return None;
        }
        for (v, x) in [(&t.src, &a), (&t.dst, &b)] {
            if let Some((_, e)) = x {
                if e.kind == EntityKind::Edge {
                    self.err(
                        "E-T005",
                        v.span,
                        format!(
                            "`${}` is an edge variable and cannot be a traversal endpoint",
                            v.name
                        ),
                    );
                    return None;
                }
            }
        }
        let ta = a.as_ref().and_then(|x| x.1.type_name.clone());
        let tb = b.as_ref().and_then(|x| x.1.type_name.clone());
        let (from, to) = (et.from.clone(), et.to.clone());
        let edge_desc = format!(
            "`{}` connects `{}` -> `{}`",
            lower_first(&et.name),
            from,
            to
        );
        let mismatch = |ck: &mut Self, v: &Var, ty: &str| {
            ck.err(
                "E-T005",
                v.span,
                format!("`${}` is a `{ty}`, but {edge_desc}", v.name),
            );
        };
        let forward;
        if from == to {
            forward = true;
            if let Some(x) = &ta {
                if *x != from {
                    mismatch(self, &t.src, x);
                    return None;
                }
            }
            if let Some(x) = &tb {
                if *x != to {
                    mismatch(self, &t.dst, x);
                    return None;
                }
            }
        } else if ta.as_deref() == Some(from.as_str()) {
            forward = true;
            if let Some(x) = &tb {
                if *x != to {
                    mismatch(self, &t.dst, x);
                    return None;
                }
            }
        } else if ta.as_deref() == Some(to.as_str()) {
            forward = false;
            if let Some(x) = &tb {
                if *x != from {
                    mismatch(self, &t.dst, x);
                    return None;
                }
            }
        } else if let Some(x) = &ta {
            mismatch(self, &t.src, x);
            return None;
        } else if tb.as_deref() == Some(to.as_str()) {
            forward = true;
        } else if tb.as_deref() == Some(from.as_str()) {
            forward = false;
        } else if let Some(x) = &tb {
            mismatch(self, &t.dst, x);
            return None;
        } else {
            forward = true;
        }
        let (ta_new, tb_new) = if forward { (&from, &to) } else { (&to, &from) };
        if let Some((r, _)) = &a {
            self.set_type(*r, ta_new);
        }
        if let Some((r, _)) = &b {
            self.set_type(*r, tb_new);
        }
        // hops
        let (min, max) = match &t.hops {
            None => (1u32, 1u32),
            Some(h) => {
                let Some(mx) = h.max else {
                    self.err_help(
                        "E-T015",
                        h.span,
                        "hop bounds need an upper bound",
                        Some(format!("write `{{{}, n}}`", h.min)),
                    );
                    return None;
                };
                if h.min < 1 || mx < h.min {
                    self.err(
                        "E-T015",
                        h.span,
                        format!("invalid hop bounds {{{}, {mx}}}: need 1 ≤ min ≤ max", h.min),
                    );
                    return None;
                }
                if mx > DEFAULT_MAX_HOPS as i128 {
                    self.err(
                        "E-T015",
                        h.span,
                        format!("hop bound {mx} exceeds the maximum of {DEFAULT_MAX_HOPS}"),
                    );
                    return None;
                }
                if (h.min, mx) != (1, 1) && from != to {
                    self.err(
                        "E-T015",
                        h.span,
                        format!(
                            "variable-length traversal needs an edge between nodes of one type, but {edge_desc}"
                        ),
                    );
                    return None;
                }
                (h.min as u32, mx as u32)
            }
        };
        let mut edge_var = None;
        if let Some(ev) = &t.edge_var {
            if (min, max) != (1, 1) {
                self.err(
                    "E-T026",
                    ev.span,
                    format!(
                        "edge variable `${}` cannot be used with hop bounds",
                        ev.name
                    ),
                );
                return None;
            }
            if let Some((r, e)) = self.lookup(&ev.name) {
                if e.kind == EntityKind::Edge && e.type_name.is_none() {
                    self.set_type(r, &et.name);
                    edge_var = Some(r);
                }
            }
        }
        let dir = if forward {
            ir::ExpandDirection::Out
        } else {
            ir::ExpandDirection::In
        };
        let (from_ref, to_ref, direction) = match (&a, &b) {
            (Some((ra, _)), rb) => (*ra, rb.as_ref().map(|x| x.0), dir),
            (None, Some((rb, _))) => (
                *rb,
                None,
                if forward {
                    ir::ExpandDirection::In
                } else {
                    ir::ExpandDirection::Out
                },
            ),
            (None, None) => return None,
        };
        Some(ir::Expand {
            edge_type: et.name.clone(),
            edge_table: et.table_key(),
            from: from_ref,
            to: to_ref,
            direction,
            min_hops: min,
            max_hops: max,
            edge_var,
            span: t.span,
        })
    }
}

/// Result of checking the assignments of one statement.
struct AssignOut {
    assignments: Vec<ir::Assignment>,
    id: Option<Operand>,
    from: Option<Operand>,
    to: Option<Operand>,
    seen: BTreeSet<String>,
}

fn upper_first_ascii(s: &str) -> String {
    crate::syntax::lexer::upper_first(s)
}

fn scan_pred_to_filter(var: VarRef, p: ir::ScanPredicate) -> ir::Predicate {
    match p {
        ir::ScanPredicate::Compare {
            prop,
            prop_type,
            op,
            value,
        } => ir::Predicate::Compare {
            lhs: ir::Expr::Prop {
                var,
                prop,
                ty: prop_type,
            },
            op,
            rhs: ir::Expr::Operand(value),
        },
        ir::ScanPredicate::ListContains {
            prop,
            prop_type,
            value,
        } => ir::Predicate::Compare {
            lhs: ir::Expr::Prop {
                var,
                prop,
                ty: prop_type,
            },
            op: CmpOp::Contains,
            rhs: ir::Expr::Operand(value),
        },
        ir::ScanPredicate::IsNull {
            prop,
            prop_type,
            negated,
        } => ir::Predicate::IsNull {
            expr: ir::Expr::Prop {
                var,
                prop,
                ty: prop_type,
            },
            negated,
        },
        ir::ScanPredicate::Text(pred) => ir::Predicate::Text { var, pred },
    }
}

impl<'a, 'd> Checker<'a, 'd> {
    fn filter(
        &mut self,
        f: &ast::Filter,
        depth: usize,
        preds: &mut BTreeMap<usize, Vec<ir::ScanPredicate>>,
        filters: &mut Vec<ir::Predicate>,
    ) {
        match &f.op {
            FilterOp::IsNull { negated, op_span } => {
                let Some(l) = self.expr(&f.lhs, Ctx::Match) else {
                    return;
                };
                if let ir::Expr::Prop { var, prop, ty } = &l.ir {
                    let tn = self.var_type_name(*var);
                    self.facts.null_tests.push((
                        f.lhs.span.to(*op_span),
                        tn,
                        prop.clone(),
                        ty.clone(),
                        *negated,
                    ));
                }
                match l.ir {
                    ir::Expr::Prop { var, prop, ty } => match self.scan_index(var, depth) {
                        Some(i) => preds.entry(i).or_default().push(ir::ScanPredicate::IsNull {
                            prop,
                            prop_type: ty,
                            negated: *negated,
                        }),
                        None => filters.push(ir::Predicate::IsNull {
                            expr: ir::Expr::Prop { var, prop, ty },
                            negated: *negated,
                        }),
                    },
                    _ => self.err(
                        "E-T007",
                        f.lhs.span.to(*op_span),
                        "`is null` applies to properties (`$v.prop is null`)",
                    ),
                }
            }
            FilterOp::Cmp { op, op_span, rhs } => {
                let l = self.expr(&f.lhs, Ctx::Match);
                let r = self.expr(rhs, Ctx::Match);
                let (Some(l), Some(r)) = (l, r) else { return };
                let Some((le, re)) = self.check_cmp(&l, *op, *op_span, &r, f.lhs.span, rhs.span)
                else {
                    return;
                };
                // push `$v.prop op operand` into the scan of a block-local node variable
                let (prop_side, operand, op2) = match (&le, as_operand(&re), as_operand(&le)) {
                    (ir::Expr::Prop { .. }, Some(o), _) => (Some(le.clone()), Some(o), Some(*op)),
                    (_, _, Some(o)) if matches!(re, ir::Expr::Prop { .. }) => {
                        (Some(re.clone()), Some(o), flip(*op))
                    }
                    _ => (None, None, None),
                };
                if let (Some(ir::Expr::Prop { var, prop, ty }), Some(value), Some(op2)) =
                    (prop_side, operand, op2)
                {
                    if let Some(i) = self.scan_index(var, depth) {
                        let p = if op2 == CmpOp::Contains && ty.is_list() {
                            ir::ScanPredicate::ListContains {
                                prop,
                                prop_type: ty,
                                value,
                            }
                        } else {
                            ir::ScanPredicate::Compare {
                                prop,
                                prop_type: ty,
                                op: op2,
                                value,
                            }
                        };
                        preds.entry(i).or_default().push(p);
                        return;
                    }
                }
                filters.push(ir::Predicate::Compare {
                    lhs: le,
                    op: *op,
                    rhs: re,
                });
            }
        }
    }

    /// Checks operand compatibility (§4.6) and converts literal operands to the other side's
    /// type. Returns the lowered operands.
    fn check_cmp(
        &mut self,
        l: &TExpr,
        op: CmpOp,
        op_span: Span,
        r: &TExpr,
        lspan: Span,
        rspan: Span,
    ) -> Option<(ir::Expr, ir::Expr)> {
        let whole = lspan.to(rspan);
        let describe = |t: &ETy| -> String {
            match t {
                ETy::Entity(n) => format!("a `{n}` entity"),
                ETy::Val(p) => p.pg(),
                ETy::Lit(l) => literal_kind(l).to_string(),
            }
        };
        let incompatible = |ck: &mut Self, extra: &str| {
            ck.err(
                "E-T007",
                op_span,
                format!(
                    "cannot apply `{}` to {} and {}{extra}",
                    op.as_str(),
                    describe(&l.ty),
                    describe(&r.ty)
                ),
            );
        };
        match (&l.ty, &r.ty) {
            (ETy::Entity(a), ETy::Entity(b)) => {
                if matches!(op, CmpOp::Eq | CmpOp::Ne) && a == b {
                    return Some((l.ir.clone(), r.ir.clone()));
                }
                incompatible(self, "");
                None
            }
            (ETy::Entity(_), _) | (_, ETy::Entity(_)) => {
                incompatible(self, " (compare a property such as `$v.id`)");
                None
            }
            (ETy::Val(a), ETy::Val(b)) => {
                if self.cores_ok(&a.core, op, &b.core) {
                    Some((l.ir.clone(), r.ir.clone()))
                } else {
                    let extra = self.mix_hint(&a.core, &b.core);
                    incompatible(self, &extra);
                    None
                }
            }
            (ETy::Val(a), ETy::Lit(lit)) => {
                let v = self.lit_for(&a.core, op, lit, rspan, true)?;
                Some((l.ir.clone(), ir::Expr::Operand(Operand::Literal(v))))
            }
            (ETy::Lit(lit), ETy::Val(b)) => {
                let v = self.lit_for(&b.core, op, lit, lspan, false)?;
                Some((ir::Expr::Operand(Operand::Literal(v)), r.ir.clone()))
            }
            (ETy::Lit(x), ETy::Lit(y)) => {
                let (Some((xv, xt)), Some((yv, yt))) = (literal_default(x), literal_default(y))
                else {
                    incompatible(self, "");
                    return None;
                };
                if self.cores_ok(&xt.core, op, &yt.core) {
                    Some((
                        ir::Expr::Operand(Operand::Literal(xv)),
                        ir::Expr::Operand(Operand::Literal(yv)),
                    ))
                } else {
                    let _ = whole;
                    incompatible(self, "");
                    None
                }
            }
        }
    }

    fn mix_hint(&self, a: &Core, b: &Core) -> String {
        let d = Core::Scalar(ScalarType::Date);
        let dt = Core::Scalar(ScalarType::DateTime);
        if (*a == d && *b == dt) || (*a == dt && *b == d) {
            " (Date and DateTime do not mix; use `date(\"…\")` or `datetime(\"…\")`)".into()
        } else if matches!(a, Core::List(_) | Core::Vector(_))
            || matches!(b, Core::List(_) | Core::Vector(_))
        {
            " (lists and vectors cannot be compared; use `contains` or `nearest`)".into()
        } else {
            String::new()
        }
    }

    fn cores_ok(&self, a: &Core, op: CmpOp, b: &Core) -> bool {
        match op {
            CmpOp::Contains => match (a, b) {
                (Core::List(e), other) => {
                    comparable(&Core::Scalar(*e), other) && !matches!(other, Core::List(_))
                }
                (Core::Scalar(ScalarType::String), Core::Scalar(ScalarType::String)) => true,
                _ => false,
            },
            _ => comparable(a, b),
        }
    }

    /// Converts a literal operand against the other operand's type. `lit_on_right` tells
    /// whether the literal is the right operand (matters for `contains`).
    fn lit_for(
        &mut self,
        other: &Core,
        op: CmpOp,
        lit: &Literal,
        span: Span,
        lit_on_right: bool,
    ) -> Option<Value> {
        if matches!(lit, Literal::Null) {
            self.err(
                "E-T029",
                span,
                "`null` cannot be compared; use `is null` / `is not null`",
            );
            return None;
        }
        let target: Core = match (op, other) {
            (CmpOp::Contains, Core::List(e)) if lit_on_right => Core::Scalar(*e),
            (CmpOp::Contains, Core::Scalar(ScalarType::String)) => Core::Scalar(ScalarType::String),
            (CmpOp::Contains, _) => {
                self.err(
                    "E-T007",
                    span,
                    format!(
                        "`contains` needs a list and an element, or two strings; found {} and {}",
                        core_text(other),
                        literal_kind(lit)
                    ),
                );
                return None;
            }
            (_, Core::List(_) | Core::Vector(_) | Core::Scalar(ScalarType::Blob)) => {
                self.err(
                    "E-T007",
                    span,
                    format!(
                        "values of type {} cannot be compared (use `contains` or `nearest`)",
                        core_text(other)
                    ),
                );
                return None;
            }
            (_, c) => c.clone(),
        };
        if matches!(lit, Literal::List(_)) {
            self.err(
                "E-T007",
                span,
                format!("cannot compare {} with a list literal", core_text(other)),
            );
            return None;
        }
        // numeric with numeric compares by value: an integer literal against a float type, or a
        // float literal against an integer type, is fine.
        let conv = match (lit, &target) {
            (Literal::Str(s), Core::Enum(_)) if op.is_ordering() => Ok(Value::String(s.clone())),
            _ => convert_literal(lit, &target, true),
        };
        match conv {
            Ok(v) => Some(v),
            Err(LitErr::Invalid(m)) => {
                self.err("E-T007", span, m);
                None
            }
            Err(LitErr::Mismatch) => {
                let extra = match (lit, &target) {
                    (Literal::Date(_), Core::Scalar(ScalarType::DateTime))
                    | (Literal::DateTime(_), Core::Scalar(ScalarType::Date)) => {
                        " (Date and DateTime do not mix)"
                    }
                    _ => "",
                };
                self.err(
                    "E-T007",
                    span,
                    format!(
                        "cannot compare {} with {} {}{extra}",
                        core_text(other),
                        literal_kind(lit),
                        literal_text(lit)
                    ),
                );
                None
            }
        }
    }

    // ----- expressions ---------------------------------------------------------------------

    fn expr(&mut self, e: &Expr, ctx: Ctx) -> Option<TExpr> {
        match &e.kind {
            ExprKind::Prop { var, prop } => {
                if var.is_anon() {
                    self.err(
                        "E-T026",
                        var.span,
                        "`$_` may appear only as a traversal endpoint",
                    );
                    return None;
                }
                if self.lookup(&var.name).is_none() && self.params.contains_key(&var.name) {
                    self.err(
                        "E-T006",
                        e.span,
                        format!(
                            "`${}` is a parameter, not a match variable; it has no properties",
                            var.name
                        ),
                    );
                    return None;
                }
                let (r, entry) = self.resolve_var(var)?;
                let tn = entry.type_name.clone()?;
                let ti = self.type_info(&tn)?;
                match ti.prop_type(&prop.name, false) {
                    Some(ty) => Some(TExpr {
                        ir: ir::Expr::Prop {
                            var: r,
                            prop: prop.name.clone(),
                            ty: ty.clone(),
                        },
                        ty: ETy::Val(ty),
                    }),
                    None => {
                        let mut cands = ti.prop_names();
                        cands.push("id");
                        let help = did_you_mean(&prop.name, cands.iter())
                            .map(|c| format!("did you mean `{c}`?"));
                        self.err_help(
                            "E-T006",
                            prop.span,
                            format!("unknown property `{}` of `{}`", prop.name, ti.name),
                            help,
                        );
                        None
                    }
                }
            }
            ExprKind::Var(v) => {
                if v.is_anon() {
                    self.err(
                        "E-T026",
                        v.span,
                        "`$_` may appear only as a traversal endpoint",
                    );
                    return None;
                }
                if let Some((r, entry)) = self.lookup(&v.name) {
                    let tn = entry.type_name.clone()?;
                    return Some(TExpr {
                        ir: ir::Expr::Entity { var: r },
                        ty: ETy::Entity(tn),
                    });
                }
                if self.params.contains_key(&v.name) {
                    let p = self.param_ref(v)?;
                    return Some(TExpr {
                        ir: ir::Expr::Operand(Operand::Param(p.name.clone())),
                        ty: ETy::Val(p.ty),
                    });
                }
                if self.local_names.contains(&v.name) {
                    self.resolve_var(v);
                    return None;
                }
                self.param_ref(v);
                None
            }
            ExprKind::Lit(l) => {
                if matches!(l, Literal::Null) {
                    self.err(
                        "E-T029",
                        e.span,
                        "`null` is allowed only as an assigned value; use `is null` to test for null",
                    );
                    return None;
                }
                let (v, _) = match literal_default(l) {
                    Some(x) => x,
                    None => {
                        self.err(
                            "E-T007",
                            e.span,
                            "list literal elements must all have one scalar type",
                        );
                        return None;
                    }
                };
                Some(TExpr {
                    ir: ir::Expr::Operand(Operand::Literal(v)),
                    ty: ETy::Lit(l.clone()),
                })
            }
            ExprKind::Now => Some(TExpr {
                ir: ir::Expr::Operand(Operand::Now),
                ty: ETy::Val(scalar(ScalarType::DateTime)),
            }),
            ExprKind::Alias(a) => {
                let help = if ctx == Ctx::Match {
                    Some(format!(
                        "variables and parameters start with `$`: `${}`",
                        a.name
                    ))
                } else {
                    None
                };
                self.err_help("E-T006", a.span, format!("unknown name `{}`", a.name), help);
                None
            }
            ExprKind::Agg { func, arg } => {
                if ctx != Ctx::Return {
                    let code = if ctx == Ctx::Order {
                        "E-T009"
                    } else {
                        "E-T008"
                    };
                    self.err(
                        code,
                        e.span,
                        format!("aggregate `{}` is allowed only in `return`", func.as_str()),
                    );
                    return None;
                }
                if !matches!(arg.kind, ExprKind::Var(_) | ExprKind::Prop { .. }) {
                    self.err(
                        "E-T008",
                        arg.span,
                        format!(
                            "the argument of `{}` must be `$v` or `$v.prop`",
                            func.as_str()
                        ),
                    );
                    return None;
                }
                if let ExprKind::Var(v) = &arg.kind {
                    if self.lookup(&v.name).is_none() && self.params.contains_key(&v.name) {
                        self.err(
                            "E-T008",
                            arg.span,
                            format!("the argument of `{}` must be a match variable, not parameter `${}`", func.as_str(), v.name),
                        );
                        return None;
                    }
                }
                let a = self.expr(arg, Ctx::Return)?;
                let result = match &a.ty {
                    ETy::Entity(_) => {
                        if *func == AggFunc::Count {
                            Some(scalar(ScalarType::I64))
                        } else {
                            None
                        }
                    }
                    ETy::Val(t) => agg_result_type(*func, t),
                    ETy::Lit(_) => None,
                };
                let Some(result) = result else {
                    let found = match &a.ty {
                        ETy::Entity(n) => format!("a `{n}` entity"),
                        ETy::Val(t) => t.pg(),
                        ETy::Lit(_) => "a literal".into(),
                    };
                    self.err(
                        "E-T008",
                        arg.span,
                        format!("`{}` cannot aggregate {found}", func.as_str()),
                    );
                    return None;
                };
                Some(TExpr {
                    ir: ir::Expr::Agg {
                        func: *func,
                        arg: Box::new(a.ir),
                        span: e.span,
                    },
                    ty: ETy::Val(result),
                })
            }
            ExprKind::Call {
                func,
                func_span,
                args,
            } => self.call(*func, *func_span, args, e.span, ctx),
        }
    }

    /// `$v.f` with `f` a non-list `String` property, as (var, prop).
    fn text_field(
        &mut self,
        arg: Option<&Expr>,
        code: &'static str,
        fname: &str,
        span: Span,
    ) -> Option<(VarRef, String)> {
        let Some(arg) = arg else {
            self.err(
                code,
                span,
                format!("`{fname}` needs a property `$v.field` and a query"),
            );
            return None;
        };
        if !matches!(arg.kind, ExprKind::Prop { .. }) {
            self.err(
                code,
                arg.span,
                format!("the first argument of `{fname}` must be a `String` property `$v.field`"),
            );
            return None;
        }
        let t = self.expr(arg, Ctx::Return)?;
        match t.ir {
            ir::Expr::Prop { var, prop, ty } => {
                if matches!(ty.core, Core::Scalar(ScalarType::String)) {
                    let tn = self.var_type_name(var);
                    self.facts.text_searches.push((arg.span, tn, prop.clone()));
                    Some((var, prop))
                } else {
                    self.err(
                        code,
                        arg.span,
                        format!("`{fname}` needs a non-list `String` property, found `{prop}` of type {}", ty.pg()),
                    );
                    None
                }
            }
            _ => None,
        }
    }

    /// A `String` query operand (literal or parameter).
    fn text_query(
        &mut self,
        arg: Option<&Expr>,
        code: &'static str,
        fname: &str,
        span: Span,
    ) -> Option<Operand> {
        let Some(arg) = arg else {
            self.err(
                code,
                span,
                format!("`{fname}` needs a query string as its second argument"),
            );
            return None;
        };
        match &arg.kind {
            ExprKind::Lit(Literal::Str(s)) => Some(Operand::Literal(Value::String(s.clone()))),
            ExprKind::Var(v) if self.lookup(&v.name).is_none() => {
                let p = self.param_ref(v)?;
                if matches!(p.ty.core, Core::Scalar(ScalarType::String)) {
                    Some(Operand::Param(p.name))
                } else {
                    self.err(
                        code,
                        arg.span,
                        format!(
                            "the query of `{fname}` must be a String, but `${}` is {}",
                            p.name,
                            p.ty.pg()
                        ),
                    );
                    None
                }
            }
            _ => {
                self.err(
                    code,
                    arg.span,
                    format!(
                        "the query of `{fname}` must be a string literal or a `String` parameter"
                    ),
                );
                None
            }
        }
    }

    /// An integer operand (literal within `lo..=hi`, or an integer parameter).
    fn int_operand(
        &mut self,
        arg: &Expr,
        code: &'static str,
        what: &str,
        lo: i128,
        hi: i128,
    ) -> Option<Operand> {
        match &arg.kind {
            ExprKind::Lit(Literal::Int(i)) if *i >= lo && *i <= hi => Some(Operand::Literal(
                Value::I64(i64::try_from(*i).unwrap_or(i64::MAX)),
            )),
            ExprKind::Var(v) if self.lookup(&v.name).is_none() => {
                let p = self.param_ref(v)?;
                if p.ty.as_scalar().is_some_and(|s| s.is_integer()) {
                    Some(Operand::Param(p.name))
                } else {
                    self.err(
                        code,
                        arg.span,
                        format!(
                            "{what} must be an integer, but `${}` is {}",
                            p.name,
                            p.ty.pg()
                        ),
                    );
                    None
                }
            }
            _ => {
                self.err(
                    code,
                    arg.span,
                    format!(
                        "{what} must be an integer literal in {lo}..={} or an integer parameter",
                        if hi == i128::MAX {
                            "".to_string()
                        } else {
                            hi.to_string()
                        }
                    ),
                );
                None
            }
        }
    }

    fn call(
        &mut self,
        func: Func,
        fspan: Span,
        args: &[Expr],
        span: Span,
        ctx: Ctx,
    ) -> Option<TExpr> {
        let fname = func.as_str();
        if func.is_ranking() && ctx == Ctx::Match {
            self.err(
                "E-T018",
                fspan,
                format!("`{fname}` is a ranking function; use it in `return` or `order`, not in `match`"),
            );
            return None;
        }
        match func {
            Func::Search | Func::Fuzzy | Func::MatchText | Func::Bm25 => {
                let code = if matches!(func, Func::Search | Func::Fuzzy) {
                    "E-T019"
                } else {
                    "E-T020"
                };
                let max_args = if func == Func::Fuzzy { 3 } else { 2 };
                if args.len() < 2 || args.len() > max_args {
                    self.err(
                        code,
                        span,
                        format!(
                            "`{fname}` takes {} arguments, found {}",
                            if max_args == 3 { "2 or 3" } else { "2" },
                            args.len()
                        ),
                    );
                    return None;
                }
                let field = self.text_field(args.first(), code, fname, span);
                let query = self.text_query(args.get(1), code, fname, span);
                let edits = match args.get(2) {
                    Some(a) => {
                        Some(self.int_operand(a, code, "the edit distance of `fuzzy`", 0, 2)?)
                    }
                    None => None,
                };
                let (var, prop) = field?;
                let query = query?;
                if func == Func::Bm25 {
                    return Some(TExpr {
                        ir: ir::Expr::Bm25 { var, prop, query },
                        ty: ETy::Val(scalar(ScalarType::F64)),
                    });
                }
                let tf = match func {
                    Func::Search => ir::TextFunc::Search,
                    Func::Fuzzy => ir::TextFunc::Fuzzy,
                    _ => ir::TextFunc::MatchText,
                };
                let edits_span = args.get(2).map_or(span, |a| a.span);
                let edits = if func == Func::Fuzzy {
                    Some(edits.unwrap_or(Operand::Literal(Value::I64(2))))
                } else {
                    None
                };
                Some(TExpr {
                    ir: ir::Expr::Text {
                        var,
                        pred: ir::TextPredicate {
                            func: tf,
                            prop,
                            query,
                            edits,
                            edits_span,
                        },
                    },
                    ty: ETy::Val(scalar(ScalarType::Bool)),
                })
            }
            Func::Nearest => {
                if args.len() != 2 {
                    self.err(
                        "E-T022",
                        span,
                        format!("`nearest` takes 2 arguments, found {}", args.len()),
                    );
                    return None;
                }
                let a0 = &args[0];
                if !matches!(a0.kind, ExprKind::Prop { .. }) {
                    self.err(
                        "E-T022",
                        a0.span,
                        "the first argument of `nearest` must be a vector property `$v.field`",
                    );
                    return None;
                }
                let t = self.expr(a0, Ctx::Return)?;
                let ir::Expr::Prop { var, prop, ty } = t.ir else {
                    return None;
                };
                let Core::Vector(n) = ty.core else {
                    self.err(
                        "E-T022",
                        a0.span,
                        format!(
                            "`nearest` needs a `Vector(n)` property, found `{prop}` of type {}",
                            ty.pg()
                        ),
                    );
                    return None;
                };
                let a1 = &args[1];
                let query = match &a1.kind {
                    ExprKind::Lit(Literal::Str(s)) => Operand::Literal(Value::String(s.clone())),
                    ExprKind::Lit(l @ Literal::List(_)) => {
                        match convert_literal(l, &Core::Vector(n), false) {
                            Ok(v) => Operand::Literal(v),
                            Err(_) => {
                                self.err(
                                "E-T022",
                                a1.span,
                                format!("the query vector must be a list of {n} numbers to match `{prop}` (Vector({n}))"),
                            );
                                return None;
                            }
                        }
                    }
                    ExprKind::Var(v) if self.lookup(&v.name).is_none() => {
                        let p = self.param_ref(v)?;
                        match p.ty.core {
                            Core::Vector(m) if m == n => Operand::Param(p.name),
                            Core::Scalar(ScalarType::String) => Operand::Param(p.name),
                            _ => {
                                self.err(
                                    "E-T022",
                                    a1.span,
                                    format!(
                                        "`${}` is {}, but `{prop}` is Vector({n})",
                                        p.name,
                                        p.ty.pg()
                                    ),
                                );
                                return None;
                            }
                        }
                    }
                    _ => {
                        self.err(
                            "E-T022",
                            a1.span,
                            "the query of `nearest` must be a `Vector(n)` parameter, a numeric list literal or a string",
                        );
                        return None;
                    }
                };
                Some(TExpr {
                    ir: ir::Expr::Nearest {
                        var,
                        prop,
                        dim: n,
                        query,
                        query_span: a1.span,
                    },
                    ty: ETy::Val(scalar(ScalarType::F64).nullable()),
                })
            }
            Func::Rrf => {
                if args.len() < 2 || args.len() > 3 {
                    self.err(
                        "E-T021",
                        span,
                        format!("`rrf` takes 2 or 3 arguments, found {}", args.len()),
                    );
                    return None;
                }
                let mut ranks = Vec::new();
                for a in &args[..2] {
                    match &a.kind {
                        ExprKind::Call {
                            func: Func::Nearest | Func::Bm25,
                            ..
                        } => {
                            ranks.push(self.expr(a, ctx));
                        }
                        _ => {
                            self.err(
                                "E-T021",
                                a.span,
                                "the arguments of `rrf` must be `nearest(…)` or `bm25(…)`",
                            );
                            ranks.push(None);
                        }
                    }
                }
                let k = match args.get(2) {
                    Some(a) => {
                        self.int_operand(a, "E-T021", "the `k` of `rrf`", 1, i128::from(i64::MAX))?
                    }
                    None => Operand::Literal(Value::I64(60)),
                };
                let r2 = ranks.pop().flatten()?;
                let r1 = ranks.pop().flatten()?;
                Some(TExpr {
                    ir: ir::Expr::Rrf {
                        r1: Box::new(r1.ir),
                        r2: Box::new(r2.ir),
                        k,
                        k_span: args.get(2).map_or(span, |a| a.span),
                    },
                    ty: ETy::Val(scalar(ScalarType::F64)),
                })
            }
        }
    }
}

impl<'a, 'd> Checker<'a, 'd> {
    // ----- mutations -----------------------------------------------------------------------

    fn mutation(&mut self, stmts: &[Statement]) -> Vec<ir::Statement> {
        let mut out = Vec::new();
        for s in stmts {
            if let Some(x) = self.statement(s) {
                out.push(x);
            }
        }
        out
    }

    fn target_type(&mut self, n: &Name) -> Option<TypeInfo> {
        if let Some(t) = self.schema.type_exact(&n.name) {
            return Some(t.clone());
        }
        if self.schema.is_interface(&n.name) {
            self.err_help(
                "E-T010",
                n.span,
                format!("`{}` is an interface; interfaces hold no data", n.name),
                Some("write to a node type that implements it".into()),
            );
            return None;
        }
        let mut names: Vec<String> = self.schema.nodes.keys().cloned().collect();
        names.extend(self.schema.edges.values().map(|e| e.name.clone()));
        let help = did_you_mean(&n.name, names.iter()).map(|c| format!("did you mean `{c}`?"));
        self.err_help("E-T010", n.span, format!("unknown type `{}`", n.name), help);
        None
    }

    /// Types an assigned value against a property type. `Ok(None)` assigns null.
    fn assign_value(
        &mut self,
        value: &Expr,
        target: &PropType,
        what: &str,
    ) -> Result<Option<Operand>, ()> {
        match &value.kind {
            ExprKind::Lit(Literal::Null) => {
                if target.nullable {
                    Ok(None)
                } else {
                    self.err(
                        "E-T029",
                        value.span,
                        format!(
                            "{what} is not nullable ({}); it cannot be assigned `null`",
                            target.pg()
                        ),
                    );
                    Err(())
                }
            }
            ExprKind::Lit(l) => match convert_literal(l, &target.core, false) {
                Ok(v) => Ok(Some(Operand::Literal(v))),
                Err(LitErr::Mismatch) => {
                    self.err(
                        "E-T007",
                        value.span,
                        format!(
                            "cannot assign {} {} to {what} ({})",
                            literal_kind(l),
                            literal_text(l),
                            target.pg()
                        ),
                    );
                    Err(())
                }
                Err(LitErr::Invalid(m)) => {
                    self.err("E-T007", value.span, format!("{what}: {m}"));
                    Err(())
                }
            },
            ExprKind::Var(v) => {
                let Some(p) = self.param_ref(v) else {
                    return Err(());
                };
                if assignable(&p.ty.core, &target.core) {
                    Ok(Some(Operand::Param(p.name)))
                } else {
                    self.err(
                        "E-T007",
                        v.span,
                        format!(
                            "cannot assign `${}` ({}) to {what} ({})",
                            p.name,
                            p.ty.pg(),
                            target.pg()
                        ),
                    );
                    Err(())
                }
            }
            ExprKind::Now => {
                if matches!(target.core, Core::Scalar(ScalarType::DateTime)) {
                    Ok(Some(Operand::Now))
                } else {
                    self.err(
                        "E-T007",
                        value.span,
                        format!(
                            "cannot assign `now()` (DateTime) to {what} ({})",
                            target.pg()
                        ),
                    );
                    Err(())
                }
            }
            _ => Err(()),
        }
    }

    /// Types a node-id value for an edge endpoint (`from`/`to`) of node type `node`.
    fn endpoint_value(&mut self, value: &Expr, node: &str, what: &str) -> Result<Operand, ()> {
        let key = self.schema.key_type(node);
        let expected = match &key {
            Some(k) if !matches!(k.core, Core::Scalar(ScalarType::String)) => {
                format!("String or {} (the key type of `{node}`)", k.pg())
            }
            _ => "String".to_string(),
        };
        match &value.kind {
            ExprKind::Lit(Literal::Null) => {
                self.err("E-T029", value.span, format!("{what} cannot be `null`"));
                Err(())
            }
            ExprKind::Lit(Literal::Str(s)) => Ok(Operand::Literal(Value::String(s.clone()))),
            ExprKind::Lit(l) => {
                let converted = key
                    .as_ref()
                    .and_then(|k| convert_literal(l, &k.core, false).ok())
                    .and_then(|v| v.canonical_key_text());
                match converted {
                    Some(t) => Ok(Operand::Literal(Value::String(t))),
                    None => {
                        self.err(
                            "E-T007",
                            value.span,
                            format!(
                                "{what} takes a node id ({expected}), found {} {}",
                                literal_kind(l),
                                literal_text(l)
                            ),
                        );
                        Err(())
                    }
                }
            }
            ExprKind::Var(v) => {
                let Some(p) = self.param_ref(v) else {
                    return Err(());
                };
                let ok = matches!(p.ty.core, Core::Scalar(ScalarType::String))
                    || key.as_ref().is_some_and(|k| k.core == p.ty.core);
                if ok {
                    Ok(Operand::Param(p.name))
                } else {
                    self.err(
                        "E-T007",
                        v.span,
                        format!(
                            "{what} takes a node id ({expected}), but `${}` is {}",
                            p.name,
                            p.ty.pg()
                        ),
                    );
                    Err(())
                }
            }
            ExprKind::Now => {
                if key
                    .as_ref()
                    .is_some_and(|k| matches!(k.core, Core::Scalar(ScalarType::DateTime)))
                {
                    Ok(Operand::Now)
                } else {
                    self.err(
                        "E-T007",
                        value.span,
                        format!("{what} takes a node id ({expected}), found `now()`"),
                    );
                    Err(())
                }
            }
            _ => Err(()),
        }
    }

    fn unknown_prop(&mut self, code: &'static str, n: &Name, ti: &TypeInfo, extra: &[&str]) {
        let mut cands = ti.prop_names();
        cands.extend_from_slice(extra);
        let help = did_you_mean(&n.name, cands.iter()).map(|c| format!("did you mean `{c}`?"));
        self.err_help(
            code,
            n.span,
            format!("unknown property `{}` of `{}`", n.name, ti.name),
            help,
        );
    }

    fn assignments(&mut self, ti: &TypeInfo, assigns: &[Assign], is_insert: bool) -> AssignOut {
        let mut out = Vec::new();
        let (mut id, mut from, mut to) = (None, None, None);
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let verb = if ti.is_edge { "edge" } else { "node" };
        for a in assigns {
            let name = a.prop.name.as_str();
            if !seen.insert(name.to_string()) {
                self.err(
                    "E-T013",
                    a.prop.span,
                    format!("`{name}` is assigned twice in this statement"),
                );
                continue;
            }
            if name == "id" {
                if !is_insert {
                    self.err_help(
                        "E-T016",
                        a.prop.span,
                        format!(
                            "cannot assign `id` of `{}` in an update: ids are immutable",
                            ti.name
                        ),
                        Some(format!("delete the {verb} and insert it again")),
                    );
                    continue;
                }
                if let (false, Some(k)) = (ti.is_edge, &ti.key) {
                    self.err_help(
                        "E-T016",
                        a.prop.span,
                        format!("cannot assign `id`: ids of `{}` are the canonical text of its @key `{k}`", ti.name),
                        Some(format!("assign `{k}` instead")),
                    );
                    continue;
                }
                if let Ok(v) = self.assign_value(
                    &a.value,
                    &scalar(ScalarType::String),
                    &format!("`{}.id`", ti.name),
                ) {
                    id = v;
                }
                continue;
            }
            if ti.is_edge && (name == "from" || name == "to") {
                if !is_insert {
                    self.err_help(
                        "E-T016",
                        a.prop.span,
                        format!("cannot assign `{name}` of `{}` in an update: edge endpoints are immutable", ti.name),
                        Some("delete the edge and insert it again".into()),
                    );
                    continue;
                }
                let node = if name == "from" {
                    ti.from.clone()
                } else {
                    ti.to.clone()
                };
                if let Ok(v) =
                    self.endpoint_value(&a.value, &node, &format!("`{name}` of `{}`", ti.name))
                {
                    if name == "from" {
                        from = Some(v);
                    } else {
                        to = Some(v);
                    }
                }
                continue;
            }
            let Some(p) = ti.prop(name).cloned() else {
                let extra: &[&str] = if ti.is_edge {
                    &["id", "from", "to"]
                } else {
                    &["id"]
                };
                self.unknown_prop("E-T002", &a.prop, ti, extra);
                continue;
            };
            if !is_insert && ti.key.as_deref() == Some(name) {
                self.err_help(
                    "E-T016",
                    a.prop.span,
                    format!("cannot assign `{name}`: it is the @key of `{}`", ti.name),
                    Some("delete the node and insert it again".into()),
                );
                continue;
            }
            if let Ok(v) = self.assign_value(&a.value, &p.ty, &format!("`{}.{name}`", ti.name)) {
                out.push(ir::Assignment {
                    prop: name.to_string(),
                    ty: p.ty.clone(),
                    value: v,
                });
            }
        }
        AssignOut {
            assignments: out,
            id,
            from,
            to,
            seen,
        }
    }

    fn conditions(&mut self, ti: &TypeInfo, conds: &[Cond]) -> Vec<ir::Condition> {
        let mut out = Vec::new();
        for c in conds {
            let name = c.prop.name.as_str();
            let Some(pt) = ti.prop_type(name, true) else {
                let extra: &[&str] = if ti.is_edge {
                    &["id", "from", "to"]
                } else {
                    &["id"]
                };
                self.unknown_prop("E-T011", &c.prop, ti, extra);
                continue;
            };
            if matches!(pt.core, Core::Vector(_) | Core::Scalar(ScalarType::Blob)) {
                self.err(
                    "E-T011",
                    c.prop.span,
                    format!(
                        "cannot use {} property `{}.{name}` in a `where` condition",
                        if pt.is_vector() { "vector" } else { "blob" },
                        ti.name
                    ),
                );
                continue;
            }
            match &c.op {
                CondOp::IsNull { negated, op_span } => {
                    self.facts.null_tests.push((
                        c.prop.span.to(*op_span),
                        ti.name.clone(),
                        name.to_string(),
                        pt.clone(),
                        *negated,
                    ));
                    out.push(ir::Condition::IsNull {
                        prop: name.to_string(),
                        negated: *negated,
                    })
                }
                CondOp::Cmp { op, op_span, value } => {
                    let is_endpoint = ti.is_edge && (name == "from" || name == "to");
                    if is_endpoint && matches!(op, CmpOp::Eq | CmpOp::Ne) {
                        let node = if name == "from" {
                            ti.from.clone()
                        } else {
                            ti.to.clone()
                        };
                        if let Ok(v) =
                            self.endpoint_value(value, &node, &format!("`{name}` of `{}`", ti.name))
                        {
                            out.push(ir::Condition::Compare {
                                prop: name.to_string(),
                                prop_type: pt,
                                op: *op,
                                value: v,
                            });
                        }
                        continue;
                    }
                    let operand = match &value.kind {
                        ExprKind::Lit(l) => self
                            .lit_for(&pt.core, *op, l, value.span, true)
                            .map(Operand::Literal),
                        ExprKind::Var(v) => match self.param_ref(v) {
                            Some(p) => {
                                if self.cores_ok(&pt.core, *op, &p.ty.core) {
                                    Some(Operand::Param(p.name))
                                } else {
                                    self.err(
                                        "E-T007",
                                        *op_span,
                                        format!(
                                            "cannot apply `{}` to `{}.{name}` ({}) and `${}` ({})",
                                            op.as_str(),
                                            ti.name,
                                            pt.pg(),
                                            p.name,
                                            p.ty.pg()
                                        ),
                                    );
                                    None
                                }
                            }
                            None => None,
                        },
                        ExprKind::Now => {
                            if self.cores_ok(&pt.core, *op, &Core::Scalar(ScalarType::DateTime)) {
                                Some(Operand::Now)
                            } else {
                                self.err(
                                    "E-T007",
                                    *op_span,
                                    format!("cannot apply `{}` to `{}.{name}` ({}) and `now()` (DateTime)", op.as_str(), ti.name, pt.pg()),
                                );
                                None
                            }
                        }
                        _ => None,
                    };
                    if let Some(v) = operand {
                        out.push(ir::Condition::Compare {
                            prop: name.to_string(),
                            prop_type: pt,
                            op: *op,
                            value: v,
                        });
                    }
                }
            }
        }
        out
    }

    fn statement(&mut self, s: &Statement) -> Option<ir::Statement> {
        let ti = self.target_type(s.type_name())?;
        let entity = if ti.is_edge {
            EntityKind::Edge
        } else {
            EntityKind::Node
        };
        let table = ti.table_key();
        match s {
            Statement::Insert {
                type_name,
                assigns,
                span,
            } => {
                let AssignOut {
                    assignments,
                    id,
                    from,
                    to,
                    seen,
                } = self.assignments(&ti, assigns, true);
                let mut missing: Vec<String> = Vec::new();
                if ti.is_edge {
                    for e in ["from", "to"] {
                        if !seen.contains(e) {
                            missing.push(e.to_string());
                        }
                    }
                }
                for p in &ti.props {
                    if p.ty.nullable || seen.contains(&p.name) {
                        continue;
                    }
                    if p.embed_source
                        .as_ref()
                        .is_some_and(|src| seen.contains(src))
                    {
                        continue;
                    }
                    missing.push(p.name.clone());
                }
                if !missing.is_empty() {
                    let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
                    self.err_help(
                        "E-T012",
                        type_name.span,
                        format!(
                            "insert into `{}` omits required {} {}",
                            ti.name,
                            if missing.len() == 1 {
                                "property"
                            } else {
                                "properties"
                            },
                            list.join(", ")
                        ),
                        Some(format!("assign {}", list.join(", "))),
                    );
                }
                Some(ir::Statement::Insert {
                    type_name: ti.name.clone(),
                    table,
                    entity,
                    key: if ti.is_edge { None } else { ti.key.clone() },
                    id,
                    from,
                    to,
                    assignments,
                    span: *span,
                })
            }
            Statement::Update {
                assigns,
                conds,
                span,
                ..
            } => {
                let assignments = self.assignments(&ti, assigns, false).assignments;
                let conditions = self.conditions(&ti, conds);
                Some(ir::Statement::Update {
                    type_name: ti.name.clone(),
                    table,
                    entity,
                    assignments,
                    conditions,
                    span: *span,
                })
            }
            Statement::Delete { conds, span, .. } => {
                let conditions = self.conditions(&ti, conds);
                Some(ir::Statement::Delete {
                    type_name: ti.name.clone(),
                    table,
                    entity,
                    conditions,
                    span: *span,
                })
            }
        }
    }
}
