//! Lowering to the IR: the plan-assembly steps shared by the typechecker — match variables
//! with their table keys, scan predicates turned into plain filters, grouping and the default
//! tie-break. The typechecker calls these as it builds the plan; [`crate::query::lower`] hands
//! the finished plan to the executor.

use super::ast::CmpOp;
use super::ir::{self, EntityKind, VarRef};
use crate::schema::catalog::{edge_table_key, node_table_key};

/// The table key of a match variable's type.
pub(crate) fn table_key(kind: EntityKind, type_name: &str) -> String {
    match kind {
        EntityKind::Node => node_table_key(type_name),
        EntityKind::Edge => edge_table_key(type_name),
    }
}

/// A match variable of a (possibly still untyped) entity kind.
pub(crate) fn var_def(name: &str, kind: EntityKind, type_name: Option<&str>) -> ir::VarDef {
    let type_name = type_name.unwrap_or_default().to_string();
    ir::VarDef {
        name: name.to_string(),
        kind,
        table: table_key(kind, &type_name),
        type_name,
    }
}

/// The grouping of a read and its tie-break: in an aggregate query every non-aggregate
/// projection is a group key and the keys break ties; otherwise the match variables do, in
/// order.
pub(crate) fn grouping(
    projections: &[ir::Projection],
    is_agg: bool,
    var_count: usize,
) -> (Option<ir::Aggregate>, ir::TieBreak) {
    if !is_agg {
        return (None, ir::TieBreak::VarIds((0..var_count).collect()));
    }
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
}

/// A scan predicate on `var` as a plain filter (for bindings of outer variables inside a
/// `not` block, which cannot narrow that variable's scan).
pub(crate) fn scan_pred_to_filter(var: VarRef, p: ir::ScanPredicate) -> ir::Predicate {
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
