//! Match clauses: bindings, traversals, filters, text predicates and `not` blocks.

use super::{PResult, Parser};
use crate::query::ast::*;
use crate::syntax::lexer::TokenKind;

impl<'t> Parser<'t> {
    /// `seq(clause)` up to (not including) the closing `}`.
    pub(super) fn clauses(&mut self) -> PResult<Vec<Clause>> {
        let mut out = Vec::new();
        while !self.is(&TokenKind::RBrace) && !self.at_eof() {
            out.push(self.clause()?);
            self.eat(&TokenKind::Comma);
        }
        Ok(out)
    }

    pub(super) fn clause(&mut self) -> PResult<Clause> {
        if self.is_ident(0, "not") && matches!(self.kind_at(1), TokenKind::LBrace) {
            let kw = self.bump();
            self.bump();
            let clauses = self.clauses()?;
            let end = self.expect(&TokenKind::RBrace, "a clause or `}`")?;
            return Ok(Clause::Not(NotBlock {
                clauses,
                span: kw.to(end),
                kw_span: kw,
            }));
        }
        if let TokenKind::Var(_) = self.peek() {
            match (self.kind_at(1), self.kind_at(2)) {
                (TokenKind::Colon, _) => return self.binding().map(Clause::Binding),
                (TokenKind::Var(_), TokenKind::Colon) => {
                    return self.traversal().map(Clause::Traversal)
                }
                (TokenKind::Ident(w), _) if w != "contains" && w != "is" => {
                    return self.traversal().map(Clause::Traversal)
                }
                (TokenKind::TypeName(_), TokenKind::Var(_) | TokenKind::LBrace) => {
                    return self.traversal().map(Clause::Traversal)
                }
                _ => {}
            }
        }
        let lhs = self.expr()?;
        if let Some(op) = self.filter_op()? {
            let span = match &op {
                FilterOp::Cmp { rhs, .. } => lhs.span.to(rhs.span),
                FilterOp::IsNull { op_span, .. } => lhs.span.to(*op_span),
            };
            return Ok(Clause::Filter(Filter { lhs, op, span }));
        }
        if let ExprKind::Call { func, .. } = &lhs.kind {
            if func.is_text_predicate() {
                return Ok(Clause::Text(lhs));
            }
        }
        self.unexpected("a comparison operator or `is`")
    }

    /// A comparison operator followed by its right operand, or `is [not] null`.
    fn filter_op(&mut self) -> PResult<Option<FilterOp>> {
        let op = match self.peek() {
            TokenKind::Eq => CmpOp::Eq,
            TokenKind::NotEq => CmpOp::Ne,
            TokenKind::Lt => CmpOp::Lt,
            TokenKind::Le => CmpOp::Le,
            TokenKind::Gt => CmpOp::Gt,
            TokenKind::Ge => CmpOp::Ge,
            TokenKind::Ident(w) if w == "contains" => CmpOp::Contains,
            TokenKind::Ident(w) if w == "is" => {
                let start = self.bump();
                let negated = self.eat_ident("not").is_some();
                let end = self.expect_kw("null")?;
                return Ok(Some(FilterOp::IsNull {
                    negated,
                    op_span: start.to(end),
                }));
            }
            _ => return Ok(None),
        };
        let op_span = self.bump();
        let rhs = self.expr()?;
        Ok(Some(FilterOp::Cmp { op, op_span, rhs }))
    }

    fn binding(&mut self) -> PResult<Binding> {
        let var = self.var("a variable")?;
        self.bump(); // `:`
        let type_name = self.type_name("a node type name")?;
        let mut props = Vec::new();
        let mut end = type_name.span;
        if self.eat(&TokenKind::LBrace).is_some() {
            props = self.prop_values()?;
            end = self.expect(&TokenKind::RBrace, "a property or `}`")?;
        }
        Ok(Binding {
            span: var.span.to(end),
            var,
            type_name,
            props,
        })
    }

    /// `seq(Ident ":" value)` up to the closing `}`.
    pub(super) fn prop_values(&mut self) -> PResult<Vec<PropMatch>> {
        let mut out = Vec::new();
        while !self.is(&TokenKind::RBrace) && !self.at_eof() {
            let prop = self.ident("a property name", true)?;
            self.expect(&TokenKind::Colon, "`:`")?;
            let value = self.value()?;
            out.push(PropMatch {
                span: prop.span.to(value.span),
                prop,
                value,
            });
            self.eat(&TokenKind::Comma);
        }
        Ok(out)
    }

    fn traversal(&mut self) -> PResult<Traversal> {
        let src = self.var("a variable")?;
        let mut edge_var = None;
        if matches!(self.peek(), TokenKind::Var(_)) {
            edge_var = Some(self.var("an edge variable")?);
            self.expect(&TokenKind::Colon, "`:`")?;
        }
        let edge = self.ident("an edge name", false)?;
        let mut hops = None;
        if let Some(open) = self.eat(&TokenKind::LBrace) {
            let (min, _) = self.int_token("a minimum hop count")?;
            self.expect(&TokenKind::Comma, "`,`")?;
            let max = if matches!(self.peek(), TokenKind::Int(_)) {
                Some(self.int_token("a maximum hop count")?.0)
            } else {
                None
            };
            let close = self.expect(&TokenKind::RBrace, "`}`")?;
            hops = Some(Hops {
                min,
                max,
                span: open.to(close),
            });
        }
        let dst = self.var("a variable")?;
        Ok(Traversal {
            span: src.span.to(dst.span),
            src,
            edge_var,
            edge,
            hops,
            dst,
        })
    }
}
