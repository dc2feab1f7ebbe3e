//! Parser for `.gq` files (spec §4.1). Produces a [`QueryFile`] and parse diagnostics
//! (E-P…). A query containing a syntax error is dropped from the result; parsing resumes at
//! the next `query <name> (`.

use super::ast::*;
use crate::diagnostics::diagnostic::Diagnostic;
use crate::diagnostics::span::Span;
use crate::schema::value::{parse_date, parse_datetime};
use crate::syntax::lexer::{is_reserved, lex, lower_first, upper_first, Token, TokenKind};

/// Lexes and parses a `.gq` source text. Diagnostics are in source order.
pub fn parse_query_file(src: &str) -> (QueryFile, Vec<Diagnostic>) {
    let (tokens, mut diags) = lex(src);
    let mut p = Parser {
        toks: &tokens,
        pos: 0,
        diags: Vec::new(),
        eof: Span::empty(0),
    };
    p.eof = tokens
        .last()
        .map(|t| t.span)
        .unwrap_or(Span::empty(crate::diagnostics::span::to_u32(src.len())));
    let file = p.file();
    diags.extend(p.diags);
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    (file, diags)
}

/// Marker for a reported syntax error (the diagnostic is already recorded).
struct Fail;

type PResult<T> = Result<T, Fail>;

struct Parser<'t> {
    toks: &'t [Token],
    pos: usize,
    diags: Vec<Diagnostic>,
    eof: Span,
}

impl<'t> Parser<'t> {
    // ----- token helpers --------------------------------------------------------------------

    fn kind_at(&self, n: usize) -> &TokenKind {
        self.toks
            .get(self.pos + n)
            .map(|t| &t.kind)
            .unwrap_or(&TokenKind::Eof)
    }

    fn peek(&self) -> &TokenKind {
        self.kind_at(0)
    }

    fn span(&self) -> Span {
        self.toks.get(self.pos).map(|t| t.span).unwrap_or(self.eof)
    }

    fn prev_span(&self) -> Span {
        if self.pos == 0 {
            return Span::empty(0);
        }
        self.toks
            .get(self.pos - 1)
            .map(|t| t.span)
            .unwrap_or(self.eof)
    }

    fn bump(&mut self) -> Span {
        let s = self.span();
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        s
    }

    fn at_eof(&self) -> bool {
        matches!(self.peek(), TokenKind::Eof)
    }

    fn is_ident(&self, n: usize, word: &str) -> bool {
        matches!(self.kind_at(n), TokenKind::Ident(s) if s == word)
    }

    fn is(&self, kind: &TokenKind) -> bool {
        self.peek() == kind
    }

    fn eat(&mut self, kind: &TokenKind) -> Option<Span> {
        if self.is(kind) {
            Some(self.bump())
        } else {
            None
        }
    }

    fn eat_ident(&mut self, word: &str) -> Option<Span> {
        if self.is_ident(0, word) {
            Some(self.bump())
        } else {
            None
        }
    }

    fn unexpected<T>(&mut self, expected: &str) -> PResult<T> {
        let found = self.peek().describe();
        let span = self.span();
        self.diags.push(Diagnostic::error(
            "E-P002",
            span,
            format!("expected {expected}, found {found}"),
        ));
        Err(Fail)
    }

    fn expect(&mut self, kind: &TokenKind, expected: &str) -> PResult<Span> {
        match self.eat(kind) {
            Some(s) => Ok(s),
            None => self.unexpected(expected),
        }
    }

    fn expect_kw(&mut self, word: &str) -> PResult<Span> {
        match self.eat_ident(word) {
            Some(s) => Ok(s),
            None => self.unexpected(&format!("`{word}`")),
        }
    }

    /// A lower-case name (`Ident`); a `TypeName` is E-P007, a reserved word E-P008 when
    /// `check_reserved`.
    fn ident(&mut self, role: &str, check_reserved: bool) -> PResult<Name> {
        match self.peek().clone() {
            TokenKind::Ident(s) => {
                let span = self.bump();
                if check_reserved && is_reserved(&s) {
                    self.diags.push(
                        Diagnostic::error(
                            "E-P008",
                            span,
                            format!("`{s}` is a reserved word and cannot be used as {role}"),
                        )
                        .with_help(format!("choose another name, e.g. `{s}_`")),
                    );
                }
                Ok(Name { name: s, span })
            }
            TokenKind::TypeName(s) => {
                let span = self.bump();
                let fixed = lower_first(&s);
                self.diags.push(
                    Diagnostic::error(
                        "E-P007",
                        span,
                        format!("{role} `{s}` must start with a lower-case letter"),
                    )
                    .with_help(format!("write `{fixed}`")),
                );
                Ok(Name { name: fixed, span })
            }
            _ => self.unexpected(role),
        }
    }

    /// A type name (`TypeName`); an `Ident` is E-P007.
    fn type_name(&mut self, role: &str) -> PResult<Name> {
        match self.peek().clone() {
            TokenKind::TypeName(s) => {
                let span = self.bump();
                Ok(Name { name: s, span })
            }
            TokenKind::Ident(s) => {
                let span = self.bump();
                let fixed = upper_first(&s);
                self.diags.push(
                    Diagnostic::error(
                        "E-P007",
                        span,
                        format!("{role} `{s}` must start with an upper-case letter"),
                    )
                    .with_help(format!("write `{fixed}`")),
                );
                Ok(Name { name: fixed, span })
            }
            _ => self.unexpected(role),
        }
    }

    fn var(&mut self, what: &str) -> PResult<Var> {
        match self.peek().clone() {
            TokenKind::Var(s) => {
                let span = self.bump();
                Ok(Var { name: s, span })
            }
            _ => self.unexpected(what),
        }
    }

    fn int_token(&mut self, what: &str) -> PResult<(i128, Span)> {
        match self.peek().clone() {
            TokenKind::Int(text) => {
                let span = self.bump();
                Ok((self.int_value(&text, span)?, span))
            }
            _ => self.unexpected(what),
        }
    }

    fn int_value(&mut self, text: &str, span: Span) -> PResult<i128> {
        match text.parse::<i128>() {
            Ok(v) if v >= i64::MIN as i128 && v <= u64::MAX as i128 => Ok(v),
            _ => {
                self.diags.push(Diagnostic::error(
                    "E-P005",
                    span,
                    format!("integer literal `{text}` does not fit in 64 bits"),
                ));
                Err(Fail)
            }
        }
    }

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

    fn file(&mut self) -> QueryFile {
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

    fn query(&mut self) -> PResult<Query> {
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

    /// `seq(clause)` up to (not including) the closing `}`.
    fn clauses(&mut self) -> PResult<Vec<Clause>> {
        let mut out = Vec::new();
        while !self.is(&TokenKind::RBrace) && !self.at_eof() {
            out.push(self.clause()?);
            self.eat(&TokenKind::Comma);
        }
        Ok(out)
    }

    fn clause(&mut self) -> PResult<Clause> {
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
    fn prop_values(&mut self) -> PResult<Vec<PropMatch>> {
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

    // ----- expressions ----------------------------------------------------------------------

    fn expr(&mut self) -> PResult<Expr> {
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
    fn value(&mut self) -> PResult<Expr> {
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

    fn literal(&mut self) -> PResult<Option<Literal>> {
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

    // ----- mutations ------------------------------------------------------------------------

    fn at_statement_start(&self) -> bool {
        (self.is_ident(0, "insert") || self.is_ident(0, "update") || self.is_ident(0, "delete"))
            && matches!(
                self.kind_at(1),
                TokenKind::TypeName(_) | TokenKind::Ident(_)
            )
    }

    fn statement(&mut self) -> PResult<Statement> {
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
