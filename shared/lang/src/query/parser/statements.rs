//! Mutation statements: `insert`, `update`, `delete`, their assignments and conditions.

use super::{PResult, Parser};
use crate::query::ast::*;
use crate::syntax::lexer::TokenKind;

impl<'t> Parser<'t> {
    // ----- mutations ------------------------------------------------------------------------

    pub(super) fn at_statement_start(&self) -> bool {
        (self.is_ident(0, "insert") || self.is_ident(0, "update") || self.is_ident(0, "delete"))
            && matches!(
                self.kind_at(1),
                TokenKind::TypeName(_) | TokenKind::Ident(_)
            )
    }

    pub(super) fn statement(&mut self) -> PResult<Statement> {
        let kw = match self.peek() {
            TokenKind::Ident(w) => w.clone(),
            _ => return self.unexpected("a statement"),
        };
        let start = self.bump();
        let type_name = self.type_name("a type name")?;
        match kw.as_str() {
            "insert" => {
                self.expect(&TokenKind::LBrace, "`{`")?;
                let assigns = self.assigns()?;
                let end = self.expect(&TokenKind::RBrace, "a property or `}`")?;
                Ok(Statement::Insert {
                    type_name,
                    assigns,
                    span: start.to(end),
                })
            }
            "update" => {
                self.expect_kw("set")?;
                self.expect(&TokenKind::LBrace, "`{`")?;
                let assigns = self.assigns()?;
                self.expect(&TokenKind::RBrace, "a property or `}`")?;
                self.expect_kw("where")?;
                let conds = self.conds()?;
                let end = self.prev_span();
                Ok(Statement::Update {
                    type_name,
                    assigns,
                    conds,
                    span: start.to(end),
                })
            }
            _ => {
                self.expect_kw("where")?;
                let conds = self.conds()?;
                let end = self.prev_span();
                Ok(Statement::Delete {
                    type_name,
                    conds,
                    span: start.to(end),
                })
            }
        }
    }

    fn assigns(&mut self) -> PResult<Vec<Assign>> {
        Ok(self
            .prop_values()?
            .into_iter()
            .map(|p| Assign {
                prop: p.prop,
                value: p.value,
                span: p.span,
            })
            .collect())
    }

    fn conds(&mut self) -> PResult<Vec<Cond>> {
        let mut out = vec![self.cond()?];
        while self.eat_ident("and").is_some() {
            out.push(self.cond()?);
        }
        Ok(out)
    }

    fn cond(&mut self) -> PResult<Cond> {
        let prop = self.ident("a property name", false)?;
        let op = match self.peek() {
            TokenKind::Eq => CmpOp::Eq,
            TokenKind::NotEq => CmpOp::Ne,
            TokenKind::Lt => CmpOp::Lt,
            TokenKind::Le => CmpOp::Le,
            TokenKind::Gt => CmpOp::Gt,
            TokenKind::Ge => CmpOp::Ge,
            TokenKind::Ident(w) if w == "contains" => CmpOp::Contains,
            TokenKind::Ident(w) if w == "is" => {
                let s = self.bump();
                let negated = self.eat_ident("not").is_some();
                let e = self.expect_kw("null")?;
                let op_span = s.to(e);
                return Ok(Cond {
                    span: prop.span.to(op_span),
                    prop,
                    op: CondOp::IsNull { negated, op_span },
                });
            }
            _ => return self.unexpected("a comparison operator or `is`"),
        };
        let op_span = self.bump();
        let value = self.value()?;
        Ok(Cond {
            span: prop.span.to(value.span),
            prop,
            op: CondOp::Cmp { op, op_span, value },
        })
    }
}
