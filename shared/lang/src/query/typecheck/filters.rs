//! Filter clauses: comparisons, `is [not] null`, pushing predicates into scans, and the
//! operand checks shared with expressions.

use super::literals::{
    comparable, convert_literal, core_text, literal_default, literal_kind, literal_text, LitErr,
};
use super::{Checker, Ctx, ETy, TExpr};
use crate::diagnostics::span::Span;
use crate::query::ast::{self, *};
use crate::query::ir::{self, Operand};
use crate::schema::types::{Core, ScalarType};
use crate::schema::value::Value;
use std::collections::BTreeMap;

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

impl<'a, 'd> Checker<'a, 'd> {
    pub(super) fn filter(
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

    /// Checks operand compatibility (docs/reference/queries.md, "Filters and nulls") and converts
    /// literal operands to the other side's type. Returns the lowered operands.
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

    pub(super) fn cores_ok(&self, a: &Core, op: CmpOp, b: &Core) -> bool {
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
    pub(super) fn lit_for(
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
}
