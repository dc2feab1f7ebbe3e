//! A read query's `return`, `order` and `limit`: result columns, aggregation rules,
//! ranking placement (E-T009, E-T017, E-T018, E-T025, E-T028).

use super::literals::literal_default;
use super::patterns::collect_local_names;
use super::{Checker, Ctx, ETy, Scope, TExpr};
use crate::diagnostics::diagnostic::did_you_mean;
use crate::diagnostics::span::Span;
use crate::query::ast::*;
use crate::query::ir;
use crate::query::lowering::{grouping, var_def};

impl<'a, 'd> Checker<'a, 'd> {
    // ----- reads --------------------------------------------------------------------------

    pub(super) fn read(&mut self, q: &Query, r: &ReadQuery) -> (ir::ReadPlan, Vec<String>) {
        self.scopes.push(Scope::default());
        collect_local_names(&r.clauses, &mut self.local_names, true);
        let pattern = self.block(&r.clauses, 0);
        let scope0 = self.scopes.first().cloned().unwrap_or_default();
        self.outer_vars = scope0
            .vars
            .iter()
            .map(|v| var_def(&v.name, v.kind, v.type_name.as_deref()))
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

        let (aggregate, tie_break) = grouping(&projections, is_agg, self.outer_vars.len());

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
}

/// Column name of an un-aliased return item (docs/reference/data.md, "Read results").
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
