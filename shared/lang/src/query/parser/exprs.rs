//! Expressions and literals, including `date(…)`/`datetime(…)` and list literals.

use super::{Fail, PResult, Parser};
use crate::diagnostics::diagnostic::Diagnostic;
use crate::query::ast::*;
use crate::schema::value::{parse_date, parse_datetime};
use crate::syntax::lexer::TokenKind;

impl<'t> Parser<'t> {
    // ----- expressions ----------------------------------------------------------------------

    pub(super) fn expr(&mut self) -> PResult<Expr> {
        match self.peek().clone() {
            TokenKind::Var(name) => {
                let vspan = self.bump();
                let var = Var { name, span: vspan };
                if self.eat(&TokenKind::Dot).is_some() {
                    let prop = self.ident("a property name", false)?;
                    let span = vspan.to(prop.span);
                    Ok(Expr {
                        kind: ExprKind::Prop { var, prop },
                        span,
                    })
                } else {
                    Ok(Expr {
                        kind: ExprKind::Var(var),
                        span: vspan,
                    })
                }
            }
            TokenKind::Ident(word) => {
                let has_paren = matches!(self.kind_at(1), TokenKind::LParen);
                if has_paren {
                    if let Some(func) = AggFunc::from_name(&word) {
                        let start = self.bump();
                        self.bump();
                        let arg = self.expr()?;
                        let end = self.expect(&TokenKind::RParen, "`)`")?;
                        return Ok(Expr {
                            kind: ExprKind::Agg {
                                func,
                                arg: Box::new(arg),
                            },
                            span: start.to(end),
                        });
                    }
                    if let Some(func) = Func::from_name(&word) {
                        let func_span = self.bump();
                        self.bump();
                        let mut args = Vec::new();
                        if !self.is(&TokenKind::RParen) {
                            loop {
                                args.push(self.expr()?);
                                if self.eat(&TokenKind::Comma).is_none() {
                                    break;
                                }
                            }
                        }
                        let end = self.expect(&TokenKind::RParen, "`,` or `)`")?;
                        return Ok(Expr {
                            kind: ExprKind::Call {
                                func,
                                func_span,
                                args,
                            },
                            span: func_span.to(end),
                        });
                    }
                }
                if has_paren || matches!(word.as_str(), "true" | "false" | "null") {
                    if let Some(e) = self.try_literal_or_now()? {
                        return Ok(e);
                    }
                }
                let span = self.bump();
                Ok(Expr {
                    kind: ExprKind::Alias(Name { name: word, span }),
                    span,
                })
            }
            _ => match self.try_literal_or_now()? {
                Some(e) => Ok(e),
                None => self.unexpected("an expression"),
            },
        }
    }

    /// `value = literal | Var | "now" "(" ")" | "null"` (bindings and assignments).
    pub(super) fn value(&mut self) -> PResult<Expr> {
        if let TokenKind::Var(name) = self.peek().clone() {
            let span = self.bump();
            return Ok(Expr {
                kind: ExprKind::Var(Var { name, span }),
                span,
            });
        }
        match self.try_literal_or_now()? {
            Some(e) => Ok(e),
            None => self.unexpected("a value (literal, parameter or `now()`)"),
        }
    }

    fn try_literal_or_now(&mut self) -> PResult<Option<Expr>> {
        if self.is_ident(0, "now") && matches!(self.kind_at(1), TokenKind::LParen) {
            let start = self.bump();
            self.bump();
            let end = self.expect(&TokenKind::RParen, "`)`")?;
            return Ok(Some(Expr {
                kind: ExprKind::Now,
                span: start.to(end),
            }));
        }
        let start = self.span();
        match self.literal()? {
            Some(lit) => Ok(Some(Expr {
                kind: ExprKind::Lit(lit),
                span: start.to(self.prev_span()),
            })),
            None => Ok(None),
        }
    }

    pub(super) fn literal(&mut self) -> PResult<Option<Literal>> {
        let lit = match self.peek().clone() {
            TokenKind::Int(text) => {
                let span = self.bump();
                Literal::Int(self.int_value(&text, span)?)
            }
            TokenKind::Float(text) => {
                let span = self.bump();
                match text.parse::<f64>() {
                    Ok(v) if v.is_finite() => Literal::Float(v),
                    _ => {
                        self.diags.push(Diagnostic::error(
                            "E-P005",
                            span,
                            format!("float literal `{text}` is not a finite number"),
                        ));
                        return Err(Fail);
                    }
                }
            }
            TokenKind::Str(s) => {
                self.bump();
                Literal::Str(s)
            }
            TokenKind::Ident(w) if w == "true" => {
                self.bump();
                Literal::Bool(true)
            }
            TokenKind::Ident(w) if w == "false" => {
                self.bump();
                Literal::Bool(false)
            }
            TokenKind::Ident(w) if w == "null" => {
                self.bump();
                Literal::Null
            }
            TokenKind::Ident(w)
                if (w == "date" || w == "datetime")
                    && matches!(self.kind_at(1), TokenKind::LParen) =>
            {
                self.bump();
                self.bump();
                let (text, tspan) = match self.peek().clone() {
                    TokenKind::Str(s) => (s, self.bump()),
                    _ => return self.unexpected("a string"),
                };
                self.expect(&TokenKind::RParen, "`)`")?;
                if w == "date" {
                    match parse_date(&text) {
                        Ok(d) => Literal::Date(d),
                        Err(_) => {
                            self.diags.push(
                                Diagnostic::error(
                                    "E-P006",
                                    tspan,
                                    format!(
                                        "invalid date {}: expected a calendar date `YYYY-MM-DD` in years 0001–9999",
                                        crate::schema::value::quote_truncated(&text)
                                    ),
                                ),
                            );
                            return Err(Fail);
                        }
                    }
                } else {
                    match parse_datetime(&text) {
                        Ok(ms) => Literal::DateTime(ms),
                        Err(_) => {
                            self.diags.push(
                                Diagnostic::error(
                                    "E-P006",
                                    tspan,
                                    format!(
                                        "invalid datetime {}: expected RFC 3339 text such as `2024-01-05T10:00:00Z`",
                                        crate::schema::value::quote_truncated(&text)
                                    ),
                                ),
                            );
                            return Err(Fail);
                        }
                    }
                }
            }
            TokenKind::LBracket => {
                self.bump();
                let mut items = Vec::new();
                if !self.is(&TokenKind::RBracket) {
                    loop {
                        match self.literal()? {
                            Some(l) => items.push(l),
                            None => return self.unexpected("a literal"),
                        }
                        if self.eat(&TokenKind::Comma).is_none() {
                            break;
                        }
                    }
                }
                self.expect(&TokenKind::RBracket, "`,` or `]`")?;
                Literal::List(items)
            }
            _ => return Ok(None),
        };
        Ok(Some(lit))
    }
}
