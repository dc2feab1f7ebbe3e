//! Variable references of a pattern: the tree of (sub-)patterns with their slots, and which
//! slots (and properties) an expression, a predicate or a whole subtree mentions.

use std::collections::BTreeSet;

use omnigraph_lang::ir::{Expr, Pattern, Predicate};

use super::{PatNode, SlotDef};
use crate::EngineError;

pub(super) fn build_tree<'p>(
    pattern: &'p Pattern,
    scope: Vec<usize>,
    locals: Vec<usize>,
    slots: &mut Vec<SlotDef>,
) -> PatNode<'p> {
    let mut children = Vec::new();
    for aj in &pattern.anti_joins {
        let base = slots.len();
        for v in &aj.vars {
            slots.push(SlotDef {
                kind: v.kind,
                table: v.table.clone(),
            });
        }
        let mut s = scope.clone();
        s.push(base);
        let locals = (base..base + aj.vars.len()).collect();
        children.push(build_tree(&aj.pattern, s, locals, slots));
    }
    PatNode {
        pattern,
        scope,
        locals,
        children,
    }
}

/// Calls `f(slot, prop)` for every variable an expression reads (`prop` `None`: the id).
pub(super) fn expr_refs(
    e: &Expr,
    scope: &[usize],
    f: &mut dyn FnMut(usize, Option<&str>),
) -> Result<(), EngineError> {
    let slot = |v| resolve(scope, v);
    match e {
        Expr::Prop { var, prop, .. } => f(slot(*var)?, Some(prop)),
        Expr::Entity { var } => f(slot(*var)?, None),
        Expr::Operand(_) | Expr::Column { .. } => {}
        Expr::Agg { arg, .. } => expr_refs(arg, scope, f)?,
        Expr::Text { var, pred } => f(slot(*var)?, Some(&pred.prop)),
        Expr::Bm25 { var, prop, .. } | Expr::Nearest { var, prop, .. } => {
            f(slot(*var)?, Some(prop))
        }
        Expr::Rrf { r1, r2, .. } => {
            expr_refs(r1, scope, f)?;
            expr_refs(r2, scope, f)?;
        }
    }
    Ok(())
}

pub(super) fn predicate_refs(
    p: &Predicate,
    scope: &[usize],
    f: &mut dyn FnMut(usize, Option<&str>),
) -> Result<(), EngineError> {
    match p {
        Predicate::Compare { lhs, rhs, .. } => {
            expr_refs(lhs, scope, f)?;
            expr_refs(rhs, scope, f)
        }
        Predicate::IsNull { expr, .. } => expr_refs(expr, scope, f),
        Predicate::Text { var, pred } => {
            f(resolve(scope, *var)?, Some(&pred.prop));
            Ok(())
        }
    }
}

pub(super) fn resolve(
    scope: &[usize],
    v: omnigraph_lang::ir::VarRef,
) -> Result<usize, EngineError> {
    match v {
        omnigraph_lang::ir::VarRef::Outer(i) => Ok(i),
        omnigraph_lang::ir::VarRef::Local { depth, index } => depth
            .checked_sub(1)
            .and_then(|d| scope.get(d))
            .map(|b| b + index)
            .ok_or_else(|| EngineError::internal("variable reference outside its block")),
    }
}

/// Every slot a subtree mentions, and every slot local to it.
pub(super) fn subtree_slots(
    node: &PatNode<'_>,
    refs: &mut BTreeSet<usize>,
    locals: &mut BTreeSet<usize>,
) -> Result<(), EngineError> {
    let p = node.pattern;
    locals.extend(node.locals.iter().copied());
    for s in &p.scans {
        refs.insert(resolve(&node.scope, s.var)?);
    }
    for e in &p.expansions {
        refs.insert(resolve(&node.scope, e.from)?);
        if let Some(t) = e.to {
            refs.insert(resolve(&node.scope, t)?);
        }
        if let Some(k) = e.edge_var {
            refs.insert(resolve(&node.scope, k)?);
        }
    }
    for f in &p.filters {
        predicate_refs(f, &node.scope, &mut |s, _| {
            refs.insert(s);
        })?;
    }
    for c in &node.children {
        subtree_slots(c, refs, locals)?;
    }
    Ok(())
}

pub(super) fn walk_nodes<'t, 'p>(node: &'t PatNode<'p>, out: &mut Vec<&'t PatNode<'p>>) {
    out.push(node);
    for c in &node.children {
        walk_nodes(c, out);
    }
}
