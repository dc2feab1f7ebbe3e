//! Parser for `.gq` files (docs/reference/queries.md). Produces a [`QueryFile`] and parse
//! diagnostics (E-P…). A query containing a syntax error is dropped from the result; parsing
//! resumes at the next `query <name> (`.
//!
//! This module owns the entry point, the parser state and its token helpers (it keeps its
//! own small cursor because clause detection needs three tokens of look-ahead).

mod clauses;
mod decls;
mod exprs;
mod statements;

use crate::diagnostics::diagnostic::Diagnostic;
use crate::diagnostics::span::Span;
use crate::query::ast::*;
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
}
