//! Function calls: text search (`search`, `fuzzy`, `match_text`, `bm25`) and ranking
//! (`nearest`, `rrf`) with their operands.

use super::literals::{convert_literal, scalar};
use super::{Checker, Ctx, ETy, TExpr};
use crate::diagnostics::span::Span;
use crate::query::ast::*;
use crate::query::ir::{self, Operand, VarRef};
use crate::schema::types::{Core, ScalarType};
use crate::schema::value::Value;

impl<'a, 'd> Checker<'a, 'd> {
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

    pub(super) fn call(
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
