//! Query lint (W-L001 … W-L006, docs/reference/diagnostics.md, "Codes"). Warnings never block
//! execution.
//!
//! * W-L001 — a nullable, non-key, non-`@embed` property of a node type that has `update`
//!   statements in the file is assigned by none of them (reported at the first such update).
//! * W-L002 — a mutation without parameters (hard-coded values), at the query name.
//! * W-L003 — a declared parameter that is never used, at its declaration.
//! * W-L004 — a match block made of disconnected parts (a cross product), at `match`.
//! * W-L005 — `is null` / `is not null` on a non-nullable property.
//! * W-L006 — a text function on a property without `@index`.
//!
//! W-L001 … W-L004 work on the syntax tree of every parsed query; W-L005 and W-L006 need types
//! and are reported for queries that typecheck.

use crate::diagnostics::diagnostic::Diagnostic;
use crate::query::ast::*;
use crate::query::schema_view::SchemaIndex;
use crate::query::typecheck::TypedQuery;
use std::collections::{BTreeMap, BTreeSet};

/// Lints a parsed file, given the queries of it that typechecked.
pub fn lint_file(schema: &SchemaIndex, file: &QueryFile, typed: &[TypedQuery]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for q in &file.queries {
        unused_params(q, &mut out);
        match &q.body {
            QueryBody::Mutation(_) => {
                if q.params.is_empty() {
                    out.push(
                        Diagnostic::warning(
                            "W-L002",
                            q.name.span,
                            format!(
                                "mutation `{}` has no parameters: its values are hard-coded",
                                q.name.name
                            ),
                        )
                        .with_help("pass the values as parameters so the query can be reused"),
                    );
                }
            }
            QueryBody::Read(r) => cross_product(q, r, &mut out),
        }
    }
    unassigned_properties(schema, file, &mut out);
    for t in typed {
        for (span, type_name, prop, ty, negated) in &t.facts.null_tests {
            if !ty.nullable {
                let (test, always) = if *negated {
                    ("is not null", "true")
                } else {
                    ("is null", "false")
                };
                out.push(Diagnostic::warning(
                    "W-L005",
                    *span,
                    format!("`{type_name}.{prop}` is not nullable, so `{test}` is always {always}"),
                ));
            }
        }
        for (span, type_name, prop) in &t.facts.text_searches {
            let indexed = prop == "id"
                || schema
                    .type_exact(type_name)
                    .and_then(|ti| ti.prop(prop))
                    .is_some_and(|p| p.indexed);
            if !indexed {
                out.push(
                    Diagnostic::warning(
                        "W-L006",
                        *span,
                        format!("text search on `{type_name}.{prop}`, which has no @index, scans every row"),
                    )
                    .with_help(format!("add `@index` to `{prop}` in the schema")),
                );
            }
        }
    }
    out
}

fn expr_uses(e: &Expr, out: &mut BTreeSet<String>) {
    match &e.kind {
        ExprKind::Var(v) | ExprKind::Prop { var: v, .. } => {
            out.insert(v.name.clone());
        }
        ExprKind::Agg { arg, .. } => expr_uses(arg, out),
        ExprKind::Call { args, .. } => args.iter().for_each(|a| expr_uses(a, out)),
        _ => {}
    }
}

fn clause_uses(c: &Clause, out: &mut BTreeSet<String>) {
    match c {
        Clause::Binding(b) => {
            out.insert(b.var.name.clone());
            for p in &b.props {
                expr_uses(&p.value, out);
            }
        }
        Clause::Traversal(t) => {
            out.insert(t.src.name.clone());
            out.insert(t.dst.name.clone());
            if let Some(e) = &t.edge_var {
                out.insert(e.name.clone());
            }
        }
        Clause::Filter(f) => {
            expr_uses(&f.lhs, out);
            if let FilterOp::Cmp { rhs, .. } = &f.op {
                expr_uses(rhs, out);
            }
        }
        Clause::Text(e) => expr_uses(e, out),
        Clause::Not(n) => n.clauses.iter().for_each(|c| clause_uses(c, out)),
    }
}

fn unused_params(q: &Query, out: &mut Vec<Diagnostic>) {
    let mut used = BTreeSet::new();
    match &q.body {
        QueryBody::Read(r) => {
            r.clauses.iter().for_each(|c| clause_uses(c, &mut used));
            r.returns.iter().for_each(|p| expr_uses(&p.expr, &mut used));
            r.order.iter().for_each(|o| expr_uses(&o.expr, &mut used));
        }
        QueryBody::Mutation(stmts) => {
            for s in stmts {
                let (assigns, conds): (&[Assign], &[Cond]) = match s {
                    Statement::Insert { assigns, .. } => (assigns, &[]),
                    Statement::Update { assigns, conds, .. } => (assigns, conds),
                    Statement::Delete { conds, .. } => (&[], conds),
                };
                assigns.iter().for_each(|a| expr_uses(&a.value, &mut used));
                for c in conds {
                    if let CondOp::Cmp { value, .. } = &c.op {
                        expr_uses(value, &mut used);
                    }
                }
            }
        }
    }
    for p in &q.params {
        if !used.contains(&p.var.name) {
            out.push(
                Diagnostic::warning(
                    "W-L003",
                    p.var.span,
                    format!("parameter `${}` is never used", p.var.name),
                )
                .with_help("remove it or use it in the query"),
            );
        }
    }
}

fn find(parent: &mut BTreeMap<String, String>, x: &str) -> String {
    let mut cur = x.to_string();
    let mut steps = 0;
    while let Some(p) = parent.get(&cur) {
        if *p == cur || steps > 10_000 {
            break;
        }
        cur = p.clone();
        steps += 1;
    }
    cur
}

fn union(parent: &mut BTreeMap<String, String>, a: &str, b: &str) {
    let ra = find(parent, a);
    let rb = find(parent, b);
    if ra != rb {
        parent.insert(ra, rb);
    }
}

fn cross_product(q: &Query, r: &ReadQuery, out: &mut Vec<Diagnostic>) {
    let params: BTreeSet<&str> = q.params.iter().map(|p| p.var.name.as_str()).collect();
    let mut vars: Vec<String> = Vec::new();
    let add = |v: &Var, vars: &mut Vec<String>| {
        if !v.is_anon() && !params.contains(v.name.as_str()) && !vars.contains(&v.name) {
            vars.push(v.name.clone());
        }
    };
    for c in &r.clauses {
        match c {
            Clause::Binding(b) => add(&b.var, &mut vars),
            Clause::Traversal(t) => {
                add(&t.src, &mut vars);
                if let Some(e) = &t.edge_var {
                    add(e, &mut vars);
                }
                add(&t.dst, &mut vars);
            }
            _ => {}
        }
    }
    if vars.len() < 2 {
        return;
    }
    let mut parent: BTreeMap<String, String> =
        vars.iter().map(|v| (v.clone(), v.clone())).collect();
    for c in &r.clauses {
        if matches!(c, Clause::Binding(_)) {
            continue;
        }
        let mut used = BTreeSet::new();
        clause_uses(c, &mut used);
        let mentioned: Vec<&String> = used.iter().filter(|u| vars.contains(u)).collect();
        for w in mentioned.windows(2) {
            union(&mut parent, w[0], w[1]);
        }
    }
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for v in &vars {
        let root = find(&mut parent, v);
        groups.entry(root).or_default().push(format!("${v}"));
    }
    if groups.len() > 1 {
        let mut parts: Vec<String> = groups.into_values().map(|g| g.join(", ")).collect();
        parts.sort();
        let n = parts.len();
        out.push(
            Diagnostic::warning(
                "W-L004",
                Span::new(r.match_span.start, r.match_span.start.saturating_add(5)),
                format!(
                    "match is a cross product of {n} disconnected parts: {{{}}}",
                    parts.join("}, {")
                ),
            )
            .with_help("connect the parts with a traversal, or split the query"),
        );
    }
}

use crate::diagnostics::span::Span;

fn unassigned_properties(schema: &SchemaIndex, file: &QueryFile, out: &mut Vec<Diagnostic>) {
    // node type -> (first update's type-name span, assigned properties)
    let mut updates: BTreeMap<String, (Span, BTreeSet<String>)> = BTreeMap::new();
    for q in &file.queries {
        let QueryBody::Mutation(stmts) = &q.body else {
            continue;
        };
        for s in stmts {
            if let Statement::Update {
                type_name, assigns, ..
            } = s
            {
                if schema.node(&type_name.name).is_none() {
                    continue;
                }
                let e = updates
                    .entry(type_name.name.clone())
                    .or_insert_with(|| (type_name.span, BTreeSet::new()));
                for a in assigns {
                    e.1.insert(a.prop.name.clone());
                }
            }
        }
    }
    for (tn, (span, assigned)) in updates {
        let Some(ti) = schema.node(&tn) else { continue };
        for p in &ti.props {
            let is_embed_target = p.embed_source.is_some();
            if p.ty.nullable
                && ti.key.as_deref() != Some(p.name.as_str())
                && !is_embed_target
                && !assigned.contains(&p.name)
            {
                out.push(
                    Diagnostic::warning(
                        "W-L001",
                        span,
                        format!("nullable property `{tn}.{}` is never assigned by any update of `{tn}` in this file", p.name),
                    )
                    .with_help("add an update that sets it, or make sure that is intended"),
                );
            }
        }
    }
}
