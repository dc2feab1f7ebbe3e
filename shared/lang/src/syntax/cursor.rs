//! A token cursor shared by the schema and query parsers: peek/bump/expect with E-P002
//! "expected X, found Y" diagnostics and skipping to a recovery point.

use crate::diagnostics::diagnostic::Diagnostic;
use crate::diagnostics::span::Span;
use crate::syntax::lexer::{Token, TokenKind};

/// Marker returned when a parse function has already reported a diagnostic and the caller
/// should recover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abort;

/// Result type of parse functions.
pub type PResult<T> = Result<T, Abort>;

/// A cursor over a token slice that always ends with `Eof`.
#[derive(Debug)]
pub struct Cursor<'t> {
    tokens: &'t [Token],
    pos: usize,
    eof: Token,
    /// Diagnostics reported through the cursor.
    pub diags: Vec<Diagnostic>,
}

impl<'t> Cursor<'t> {
    pub fn new(tokens: &'t [Token]) -> Self {
        let end = tokens.last().map_or(0, |t| t.span.end);
        Cursor {
            tokens,
            pos: 0,
            eof: Token {
                kind: TokenKind::Eof,
                span: Span::empty(end),
            },
            diags: Vec::new(),
        }
    }

    /// The current token (`Eof` at the end).
    pub fn peek(&self) -> &Token {
        self.nth(0)
    }

    /// The token `n` positions ahead (`Eof` past the end).
    pub fn nth(&self, n: usize) -> &Token {
        self.tokens.get(self.pos + n).unwrap_or(&self.eof)
    }

    pub fn kind(&self) -> &TokenKind {
        &self.peek().kind
    }

    pub fn span(&self) -> Span {
        self.peek().span
    }

    /// Span of the previously consumed token (empty at the start).
    pub fn prev_span(&self) -> Span {
        match self.pos.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(t) => t.span,
            None => Span::empty(0),
        }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn at_eof(&self) -> bool {
        matches!(self.kind(), TokenKind::Eof)
    }

    /// True if the current token is the punctuation/variant `kind` (payload ignored).
    pub fn at(&self, kind: &TokenKind) -> bool {
        self.kind().same_variant(kind)
    }

    /// True if the current token is the identifier `word` (a contextual keyword).
    pub fn at_word(&self, word: &str) -> bool {
        self.kind().is_word(word)
    }

    /// Consumes and returns the current token (stays on `Eof`).
    pub fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.tokens.len() && !matches!(t.kind, TokenKind::Eof) {
            self.pos += 1;
        }
        t
    }

    /// Consumes the current token if it is the variant `kind`.
    pub fn eat(&mut self, kind: &TokenKind) -> Option<Token> {
        if self.at(kind) {
            Some(self.bump())
        } else {
            None
        }
    }

    /// Consumes the identifier `word` if present.
    pub fn eat_word(&mut self, word: &str) -> Option<Span> {
        if self.at_word(word) {
            Some(self.bump().span)
        } else {
            None
        }
    }

    /// Reports E-P002 "expected {what}, found {current}" at the current token.
    pub fn error_expected(&mut self, what: &str) -> Abort {
        let t = self.peek();
        let d = Diagnostic::new(
            "E-P002",
            t.span,
            format!("expected {what}, found {}", t.kind.describe()),
        );
        self.diags.push(d);
        Abort
    }

    /// Consumes a token of variant `kind` or reports E-P002.
    pub fn expect(&mut self, kind: &TokenKind) -> PResult<Token> {
        if self.at(kind) {
            Ok(self.bump())
        } else {
            Err(self.error_expected(&kind.describe()))
        }
    }

    /// Like [`Cursor::expect`] with a custom description of what was expected.
    pub fn expect_as(&mut self, kind: &TokenKind, what: &str) -> PResult<Token> {
        if self.at(kind) {
            Ok(self.bump())
        } else {
            Err(self.error_expected(what))
        }
    }

    /// Consumes the contextual keyword `word` or reports E-P002.
    pub fn expect_word(&mut self, word: &str) -> PResult<Span> {
        match self.eat_word(word) {
            Some(s) => Ok(s),
            None => Err(self.error_expected(&format!("`{word}`"))),
        }
    }

    /// Consumes an `Ident` and returns its text and span.
    pub fn expect_ident(&mut self, what: &str) -> PResult<(String, Span)> {
        if let TokenKind::Ident(s) = self.kind() {
            let s = s.clone();
            return Ok((s, self.bump().span));
        }
        Err(self.error_expected(what))
    }

    /// Consumes a `TypeName` and returns its text and span.
    pub fn expect_type_name(&mut self, what: &str) -> PResult<(String, Span)> {
        if let TokenKind::TypeName(s) = self.kind() {
            let s = s.clone();
            return Ok((s, self.bump().span));
        }
        Err(self.error_expected(what))
    }

    /// Consumes a `Var` and returns its name (without `$`) and span.
    pub fn expect_var(&mut self, what: &str) -> PResult<(String, Span)> {
        if let TokenKind::Var(s) = self.kind() {
            let s = s.clone();
            return Ok((s, self.bump().span));
        }
        Err(self.error_expected(what))
    }

    /// Consumes a `Str` and returns its value and span.
    pub fn expect_str(&mut self, what: &str) -> PResult<(String, Span)> {
        if let TokenKind::Str(s) = self.kind() {
            let s = s.clone();
            return Ok((s, self.bump().span));
        }
        Err(self.error_expected(what))
    }

    /// Skips tokens until `stop` holds for the cursor (or `Eof`). Balanced `{}`/`()`/`[]`
    /// groups opened while skipping are skipped whole, so nested tokens never stop it.
    pub fn recover_until(&mut self, mut stop: impl FnMut(&Cursor<'t>) -> bool) {
        let mut depth: usize = 0;
        loop {
            if self.at_eof() {
                return;
            }
            if depth == 0 && stop(self) {
                return;
            }
            match self.kind() {
                TokenKind::LBrace | TokenKind::LParen | TokenKind::LBracket => depth += 1,
                TokenKind::RBrace | TokenKind::RParen | TokenKind::RBracket => {
                    if depth == 0 {
                        // an unmatched closer: let the stop predicate see what follows
                        self.bump();
                        continue;
                    }
                    depth -= 1;
                }
                _ => {}
            }
            self.bump();
        }
    }

    /// Skips until the current token is one of the variants in `set` (payloads ignored).
    pub fn recover_to(&mut self, set: &[TokenKind]) {
        let mut depth: usize = 0;
        loop {
            if self.at_eof() {
                return;
            }
            if depth == 0 && set.iter().any(|k| self.at(k)) {
                return;
            }
            match self.kind() {
                TokenKind::LBrace | TokenKind::LParen | TokenKind::LBracket => depth += 1,
                TokenKind::RBrace | TokenKind::RParen | TokenKind::RBracket => {
                    depth = depth.saturating_sub(1)
                }
                _ => {}
            }
            self.bump();
        }
    }

    /// Takes the diagnostics collected so far.
    pub fn take_diags(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::lexer::lex;

    #[test]
    fn expect_and_errors() {
        let (toks, _) = lex("node Person {");
        let mut c = Cursor::new(&toks);
        assert_eq!(c.expect_word("node"), Ok(Span::new(0, 4)));
        assert_eq!(
            c.expect_type_name("a type name").map(|t| t.0),
            Ok("Person".to_string())
        );
        assert!(c.expect(&TokenKind::Colon).is_err());
        assert_eq!(c.diags[0].code, "E-P002");
        assert_eq!(c.diags[0].message, "expected `:`, found `{`");
        c.bump();
        assert!(c.at_eof());
        c.bump();
        assert!(c.at_eof());
        assert!(c.expect_ident("a property name").is_err());
        assert_eq!(
            c.diags[1].message,
            "expected a property name, found end of input"
        );
    }

    #[test]
    fn recovery_skips_groups() {
        let (toks, _) = lex("a { node } b node X");
        let mut c = Cursor::new(&toks);
        c.recover_until(|c| c.at_word("node"));
        assert_eq!(c.span(), Span::new(13, 17));
        let (toks, _) = lex("a ( } ) , b");
        let mut c = Cursor::new(&toks);
        c.recover_to(&[TokenKind::Comma]);
        assert!(c.at(&TokenKind::Comma));
    }
}
