//! Match blocks and `not` blocks: declaring variables in order of first appearance and
//! assembling each block's pattern from its bindings, traversals and filters.

use super::{Checker, Ctx, Scope, VarEntry};
use crate::diagnostics::diagnostic::did_you_mean;
use crate::query::ast::*;
use crate::query::ir::{self, EntityKind, VarRef};
use crate::query::lowering::var_def;
use crate::query::schema_view::TypeInfo;
use crate::schema::catalog::node_table_key;
use crate::syntax::lexer::lower_first;
use std::collections::{BTreeMap, BTreeSet};

impl<'a, 'd> Checker<'a, 'd> {
    /// Types one match block (depth 0) or `not` block (depth ≥ 1) and builds its pattern.
    pub(super) fn block(&mut self, clauses: &[Clause], depth: usize) -> ir::Pattern {
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
                table: node_table_key(&tn),
                type_name: tn,
                predicates: scans_preds.remove(&i).unwrap_or_default(),
            });
        }
        if depth > 0 {
            let vars = scope
                .vars
                .iter()
                .map(|v| var_def(&v.name, v.kind, v.type_name.as_deref()))
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

/// Names of variables bound (by bindings / traversals) inside `not` blocks.
pub(super) fn collect_local_names(clauses: &[Clause], out: &mut BTreeSet<String>, top: bool) {
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
fn collect_mentioned(clauses: &[Clause], out: &mut BTreeSet<String>) {
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
    pub(super) fn scan_index(&self, r: VarRef, depth: usize) -> Option<usize> {
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

    pub(super) fn type_info(&self, name: &str) -> Option<TypeInfo> {
        self.schema.type_exact(name).cloned()
    }

    pub(super) fn unknown_node_type(&mut self, n: &Name) {
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
}
