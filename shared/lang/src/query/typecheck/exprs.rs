//! Expressions: properties, variables, literals, `now()`, aliases and aggregates, with
//! their result types.

use super::literals::{literal_default, scalar};
use super::{Checker, Ctx, ETy, TExpr};
use crate::diagnostics::diagnostic::did_you_mean;
use crate::query::ast::*;
use crate::query::ir::{self, Operand};
use crate::schema::types::{Core, PropType, ScalarType};

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

impl<'a, 'd> Checker<'a, 'd> {
    // ----- expressions ---------------------------------------------------------------------

    pub(super) fn expr(&mut self, e: &Expr, ctx: Ctx) -> Option<TExpr> {
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
}
