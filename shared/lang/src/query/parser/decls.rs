//! Query declarations: the file, each query's header, parameters and annotations, and the
//! body of a read query (`match`, `return`, `order`, `limit`).

use super::{Fail, PResult, Parser};
use crate::diagnostics::diagnostic::Diagnostic;
use crate::query::ast::*;
use crate::syntax::lexer::TokenKind;

impl<'t> Parser<'t> {
    // ----- file / query ---------------------------------------------------------------------

    fn at_query_start(&self) -> bool {
        self.is_ident(0, "query")
            && matches!(
                self.kind_at(1),
                TokenKind::Ident(_) | TokenKind::TypeName(_)
            )
            && matches!(self.kind_at(2), TokenKind::LParen)
    }

    fn recover_to_query(&mut self) {
        if !self.at_eof() {
            self.bump();
        }
        while !self.at_eof() && !self.at_query_start() {
            self.bump();
        }
    }

    pub(super) fn file(&mut self) -> QueryFile {
        let mut queries = Vec::new();
        while !self.at_eof() {
            if !self.is_ident(0, "query") {
                let _ = self.unexpected::<()>("`query`");
                self.recover_to_query();
                continue;
            }
            match self.query() {
                Ok(q) => queries.push(q),
                Err(Fail) => self.recover_to_query(),
            }
        }
        QueryFile { queries }
    }

    pub(super) fn query(&mut self) -> PResult<Query> {
        let start = self.bump(); // `query`
        let name = self.ident("a query name", true)?;
        self.expect(&TokenKind::LParen, "`(`")?;
        let mut params = Vec::new();
        if !self.is(&TokenKind::RParen) {
            loop {
                params.push(self.param()?);
                if self.eat(&TokenKind::Comma).is_none() {
                    break;
                }
            }
        }
        self.expect(&TokenKind::RParen, "`,` or `)`")?;
        let mut annotations = Vec::new();
        while self.is(&TokenKind::At) {
            let at = self.bump();
            let aname = match self.peek().clone() {
                TokenKind::Ident(s) if s == "description" || s == "instruction" => {
                    let span = self.bump();
                    Name { name: s, span }
                }
                _ => return self.unexpected("`description` or `instruction`"),
            };
            self.expect(&TokenKind::LParen, "`(`")?;
            let value = match self.peek().clone() {
                TokenKind::Str(s) => {
                    self.bump();
                    s
                }
                _ => return self.unexpected("a string"),
            };
            let end = self.expect(&TokenKind::RParen, "`)`")?;
            annotations.push(QueryAnnotation {
                name: aname,
                value,
                span: at.to(end),
            });
        }
        self.expect(&TokenKind::LBrace, "`{`")?;
        let body = if self.is_ident(0, "match") {
            QueryBody::Read(self.read()?)
        } else if self.at_statement_start() {
            let mut stmts = Vec::new();
            while self.at_statement_start() {
                stmts.push(self.statement()?);
            }
            QueryBody::Mutation(stmts)
        } else {
            return self.unexpected("`match`, `insert`, `update` or `delete`");
        };
        let end = match self.eat(&TokenKind::RBrace) {
            Some(s) => s,
            None => {
                let expected = match body {
                    QueryBody::Read(_) => {
                        if self.at_statement_start() {
                            let span = self.span();
                            self.diags.push(Diagnostic::error(
                                "E-P002",
                                span,
                                format!(
                                    "expected `}}`, found {}: a query is either a read or a mutation, never both",
                                    self.peek().describe()
                                ),
                            ));
                            return Err(Fail);
                        }
                        "`order`, `limit` or `}`"
                    }
                    QueryBody::Mutation(_) => "`insert`, `update`, `delete` or `}`",
                };
                return self.unexpected(expected);
            }
        };
        Ok(Query {
            name,
            params,
            annotations,
            body,
            span: start.to(end),
        })
    }

    fn param(&mut self) -> PResult<ParamDecl> {
        let var = self.var("a parameter such as `$name`")?;
        self.expect(&TokenKind::Colon, "`:`")?;
        let tstart = self.span();
        let kind = match self.peek().clone() {
            TokenKind::LBracket => {
                self.bump();
                let inner = self.type_name("a list element type")?;
                self.expect(&TokenKind::RBracket, "`]`")?;
                ParamTypeKindAst::List(inner)
            }
            TokenKind::TypeName(s) if s == "Vector" => {
                self.bump();
                self.expect(&TokenKind::LParen, "`(`")?;
                let (n, _) = self.int_token("the vector dimension")?;
                self.expect(&TokenKind::RParen, "`)`")?;
                ParamTypeKindAst::Vector(u32::try_from(n).ok())
            }
            _ => ParamTypeKindAst::Scalar(self.type_name("a parameter type")?),
        };
        let nullable = self.eat(&TokenKind::Question).is_some();
        let ty = ParamTypeAst {
            kind,
            nullable,
            span: tstart.to(self.prev_span()),
        };
        Ok(ParamDecl {
            span: var.span.to(ty.span),
            var,
            ty,
        })
    }

    // ----- reads ----------------------------------------------------------------------------

    fn read(&mut self) -> PResult<ReadQuery> {
        let mstart = self.bump(); // `match`
        self.expect(&TokenKind::LBrace, "`{`")?;
        let clauses = self.clauses()?;
        let mend = self.expect(&TokenKind::RBrace, "a clause or `}`")?;
        let rstart = self.expect_kw("return")?;
        self.expect(&TokenKind::LBrace, "`{`")?;
        let mut returns = Vec::new();
        while !self.is(&TokenKind::RBrace) {
            let expr = self.expr()?;
            let alias = if self.eat_ident("as").is_some() {
                Some(self.ident("an alias", true)?)
            } else {
                None
            };
            let span = expr
                .span
                .to(alias.as_ref().map(|a| a.span).unwrap_or(expr.span));
            returns.push(Projection { expr, alias, span });
            self.eat(&TokenKind::Comma);
            if self.at_eof() {
                break;
            }
        }
        let rend = self.expect(&TokenKind::RBrace, "a return item or `}`")?;
        if returns.is_empty() {
            self.diags.push(Diagnostic::error(
                "E-P002",
                rend,
                "expected at least one return item, found `}`",
            ));
            return Err(Fail);
        }
        let mut order = Vec::new();
        if self.is_ident(0, "order") && matches!(self.kind_at(1), TokenKind::LBrace) {
            self.bump();
            self.bump();
            while !self.is(&TokenKind::RBrace) {
                let expr = self.expr()?;
                let dir = if let Some(s) = self.eat_ident("asc") {
                    Some((Direction::Asc, s))
                } else {
                    self.eat_ident("desc").map(|s| (Direction::Desc, s))
                };
                let span = expr.span.to(dir.map(|d| d.1).unwrap_or(expr.span));
                order.push(OrderItem { expr, dir, span });
                self.eat(&TokenKind::Comma);
                if self.at_eof() {
                    break;
                }
            }
            let oend = self.expect(&TokenKind::RBrace, "an order item or `}`")?;
            if order.is_empty() {
                self.diags.push(Diagnostic::error(
                    "E-P002",
                    oend,
                    "expected at least one order item, found `}`",
                ));
                return Err(Fail);
            }
        }
        let mut limit = None;
        if let Some(kw) = self.eat_ident("limit") {
            let (value, span) = self.int_token("an integer")?;
            limit = Some(Limit {
                value,
                span: kw.to(span),
            });
        }
        Ok(ReadQuery {
            clauses,
            match_span: mstart.to(mend),
            returns,
            return_span: rstart.to(rend),
            order,
            limit,
        })
    }
}
