//! Bindings (`$v: Type { prop: value }`): the bound type and the scan predicates of its
//! property matches.

use super::literals::{comparable, convert_literal, literal_kind, literal_text, LitErr};
use super::Checker;
use crate::diagnostics::diagnostic::did_you_mean;
use crate::query::ast::*;
use crate::query::ir::{self, EntityKind, Operand};
use crate::schema::types::{Core, ScalarType};
use std::collections::BTreeMap;

impl<'a, 'd> Checker<'a, 'd> {
    pub(super) fn binding(
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
                    self.pending_filters
                        .push(crate::query::lowering::scan_pred_to_filter(r, pred));
                }
            }
        }
    }
}
