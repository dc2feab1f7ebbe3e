//! The lexer shared by `.pg` and `.gq` (docs/reference/schema.md, "Lexical rules"): tokens with
//! byte spans, string unescaping, number validation and lexical diagnostics (E-P001, E-P003,
//! E-P004, E-P005, E-P007).
//!
//! Keywords are contextual, so the lexer never classifies them: `match`, `true`, `null`,
//! `node` … are [`TokenKind::Ident`]. Inside `enum( … )` the schema parser needs raw
//! `EnumWord`s (`health-care`, `2fa`); [`lex_with`] with [`LexOptions::enum_words`] switches
//! to that mode after the tokens `enum` `(` and yields [`TokenKind::EnumWord`] until `)`.
//! Plain [`lex`] (used for queries) never produces `EnumWord`.

use crate::diagnostics::diagnostic::Diagnostic;
use crate::diagnostics::span::{to_u32, Span};

/// The kind (and payload) of a token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// `[A-Z][A-Za-z0-9_]*`
    TypeName(String),
    /// `[a-z_][A-Za-z0-9_]*` (includes every contextual keyword and `true`/`false`/`null`)
    Ident(String),
    /// `$name` without the `$`; `"_"` for the anonymous `$_`
    Var(String),
    /// raw integer text, including a leading `-`; validated to fit 64 bits (i64 or u64)
    Int(String),
    /// raw float text, including a leading `-`; validated to be finite
    Float(String),
    /// unescaped string contents
    Str(String),
    /// `[A-Za-z0-9_-]+` inside `enum( … )`, only with [`LexOptions::enum_words`]
    EnumWord(String),
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Colon,
    Comma,
    Dot,
    Question,
    Star,
    /// `->`
    Arrow,
    /// `..`
    DotDot,
    At,
    Eq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Eof,
}

impl TokenKind {
    /// Short description for "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match self {
            TokenKind::TypeName(s) => format!("type name `{s}`"),
            TokenKind::Ident(s) => format!("`{s}`"),
            TokenKind::Var(s) => format!("variable `${s}`"),
            TokenKind::Int(s) => format!("integer `{s}`"),
            TokenKind::Float(s) => format!("number `{s}`"),
            TokenKind::Str(s) => {
                format!(
                    "string \"{}\"",
                    crate::diagnostics::diagnostic::truncate_value(s)
                )
            }
            TokenKind::EnumWord(s) => format!("enum value `{s}`"),
            TokenKind::Eof => "end of input".to_string(),
            other => format!("`{}`", other.punct_text()),
        }
    }

    /// Source spelling of a punctuation token (empty for tokens with a payload).
    pub fn punct_text(&self) -> &'static str {
        match self {
            TokenKind::LBrace => "{",
            TokenKind::RBrace => "}",
            TokenKind::LParen => "(",
            TokenKind::RParen => ")",
            TokenKind::LBracket => "[",
            TokenKind::RBracket => "]",
            TokenKind::Colon => ":",
            TokenKind::Comma => ",",
            TokenKind::Dot => ".",
            TokenKind::Question => "?",
            TokenKind::Star => "*",
            TokenKind::Arrow => "->",
            TokenKind::DotDot => "..",
            TokenKind::At => "@",
            TokenKind::Eq => "=",
            TokenKind::NotEq => "!=",
            TokenKind::Lt => "<",
            TokenKind::Le => "<=",
            TokenKind::Gt => ">",
            TokenKind::Ge => ">=",
            _ => "",
        }
    }

    /// True when both kinds are the same variant (payloads ignored).
    pub fn same_variant(&self, other: &TokenKind) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }

    /// The identifier text if this is an `Ident`.
    pub fn as_ident(&self) -> Option<&str> {
        match self {
            TokenKind::Ident(s) => Some(s),
            _ => None,
        }
    }

    /// True for `Ident(word)` — how parsers test contextual keywords.
    pub fn is_word(&self, word: &str) -> bool {
        matches!(self, TokenKind::Ident(s) if s == word)
    }
}

impl std::fmt::Display for TokenKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

/// A token and its byte span in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// Lexer options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LexOptions {
    /// After the tokens `enum` `(`, lex `EnumWord`s, commas and whitespace until `)`.
    pub enum_words: bool,
}

/// Words that may not be used as names (docs/reference/schema.md, "Lexical rules"; E-P008 /
/// E-S017).
pub const RESERVED_WORDS: &[&str] = &[
    "and", "as", "asc", "contains", "desc", "false", "is", "not", "null", "true",
];

/// True for the reserved words (docs/reference/schema.md, "Lexical rules").
pub fn is_reserved(word: &str) -> bool {
    RESERVED_WORDS.contains(&word)
}

/// Lexes `src` (query mode: no `EnumWord`s). The token list always ends with `Eof`; after an
/// error the lexer skips the offending text and continues.
pub fn lex(src: &str) -> (Vec<Token>, Vec<Diagnostic>) {
    lex_with(src, LexOptions::default())
}

/// Lexes `src` with options (the schema parser uses `enum_words: true`).
pub fn lex_with(src: &str, opts: LexOptions) -> (Vec<Token>, Vec<Diagnostic>) {
    let mut lx = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        tokens: Vec::new(),
        diags: Vec::new(),
    };
    if src.starts_with('\u{feff}') {
        lx.pos = '\u{feff}'.len_utf8();
    }
    lx.run(opts);
    (lx.tokens, lx.diags)
}

/// Decodes source bytes as UTF-8 (E-P001 with the span of the first invalid byte sequence).
pub fn decode_source(bytes: &[u8]) -> Result<&str, Diagnostic> {
    std::str::from_utf8(bytes).map_err(|e| {
        let start = e.valid_up_to();
        let len = e.error_len().unwrap_or(bytes.len() - start).max(1);
        Diagnostic::new(
            "E-P001",
            Span::from_range(start..start + len),
            "source is not valid UTF-8",
        )
    })
}

/// [`lex`] for raw bytes: invalid UTF-8 yields a single E-P001 and a lone `Eof`.
pub fn lex_bytes(bytes: &[u8]) -> (Vec<Token>, Vec<Diagnostic>) {
    match decode_source(bytes) {
        Ok(src) => lex(src),
        Err(d) => {
            let end = to_u32(bytes.len());
            (
                vec![Token {
                    kind: TokenKind::Eof,
                    span: Span::empty(end),
                }],
                vec![d],
            )
        }
    }
}

/// The raw source text of a span (empty if the span is out of range or splits a character).
pub fn raw_text(src: &str, span: Span) -> &str {
    span.text(src)
}

fn is_ident_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_enum_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    tokens: Vec<Token>,
    diags: Vec<Diagnostic>,
}

impl Lexer<'_> {
    fn peek_at(&self, i: usize) -> Option<u8> {
        self.bytes.get(self.pos + i).copied()
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.tokens.push(Token {
            kind,
            span: Span::from_range(start..self.pos),
        });
    }

    fn error(&mut self, code: &'static str, start: usize, end: usize, msg: String) {
        self.diags
            .push(Diagnostic::new(code, Span::from_range(start..end), msg));
    }

    fn in_enum_start(&self) -> bool {
        let n = self.tokens.len();
        n >= 2
            && self.tokens[n - 1].kind == TokenKind::LParen
            && self.tokens[n - 2].kind.is_word("enum")
    }

    fn run(&mut self, opts: LexOptions) {
        let mut enum_mode = false;
        while self.skip_trivia() {
            if opts.enum_words && !enum_mode && self.in_enum_start() {
                enum_mode = true;
            }
            let start = self.pos;
            let Some(b) = self.peek_at(0) else { break };
            if enum_mode {
                if is_enum_word_byte(b) {
                    while self.peek_at(0).is_some_and(is_enum_word_byte) {
                        self.pos += 1;
                    }
                    let word = self.src.get(start..self.pos).unwrap_or("").to_string();
                    self.push(TokenKind::EnumWord(word), start);
                    continue;
                }
                if b != b',' {
                    enum_mode = false;
                }
            }
            self.token(b, start);
        }
        let end = self.bytes.len();
        self.tokens.push(Token {
            kind: TokenKind::Eof,
            span: Span::from_range(end..end),
        });
    }

    /// Skips whitespace and comments; returns false at end of input.
    fn skip_trivia(&mut self) -> bool {
        loop {
            match self.peek_at(0) {
                None => return false,
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.pos += 1,
                Some(b'/') if self.peek_at(1) == Some(b'/') => {
                    while self.peek_at(0).is_some_and(|b| b != b'\n') {
                        self.pos += 1;
                    }
                }
                Some(b'/') if self.peek_at(1) == Some(b'*') => {
                    let start = self.pos;
                    match self.src.get(start + 2..).and_then(|rest| rest.find("*/")) {
                        Some(i) => self.pos = start + 2 + i + 2,
                        None => {
                            self.error(
                                "E-P003",
                                start,
                                start + 2,
                                "unterminated block comment".to_string(),
                            );
                            self.pos = self.bytes.len();
                            return false;
                        }
                    }
                }
                Some(_) => return true,
            }
        }
    }

    fn single(&mut self, kind: TokenKind, len: usize, start: usize) {
        self.pos += len;
        self.push(kind, start);
    }

    fn token(&mut self, b: u8, start: usize) {
        match b {
            b'{' => self.single(TokenKind::LBrace, 1, start),
            b'}' => self.single(TokenKind::RBrace, 1, start),
            b'(' => self.single(TokenKind::LParen, 1, start),
            b')' => self.single(TokenKind::RParen, 1, start),
            b'[' => self.single(TokenKind::LBracket, 1, start),
            b']' => self.single(TokenKind::RBracket, 1, start),
            b':' => self.single(TokenKind::Colon, 1, start),
            b',' => self.single(TokenKind::Comma, 1, start),
            b'?' => self.single(TokenKind::Question, 1, start),
            b'*' => self.single(TokenKind::Star, 1, start),
            b'@' => self.single(TokenKind::At, 1, start),
            b'=' => self.single(TokenKind::Eq, 1, start),
            b'.' if self.peek_at(1) == Some(b'.') => self.single(TokenKind::DotDot, 2, start),
            b'.' => self.single(TokenKind::Dot, 1, start),
            b'!' if self.peek_at(1) == Some(b'=') => self.single(TokenKind::NotEq, 2, start),
            b'<' if self.peek_at(1) == Some(b'=') => self.single(TokenKind::Le, 2, start),
            b'<' => self.single(TokenKind::Lt, 1, start),
            b'>' if self.peek_at(1) == Some(b'=') => self.single(TokenKind::Ge, 2, start),
            b'>' => self.single(TokenKind::Gt, 1, start),
            b'-' if self.peek_at(1) == Some(b'>') => self.single(TokenKind::Arrow, 2, start),
            b'-' if self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) => self.number(start),
            b'0'..=b'9' => self.number(start),
            b'"' => self.string(start),
            b'$' => self.var(start),
            b'A'..=b'Z' => {
                let w = self.word(start);
                self.push(TokenKind::TypeName(w), start);
            }
            b'a'..=b'z' | b'_' => {
                let w = self.word(start);
                self.push(TokenKind::Ident(w), start);
            }
            _ => self.invalid_char(start),
        }
    }

    fn word(&mut self, start: usize) -> String {
        while self.peek_at(0).is_some_and(is_ident_continue) {
            self.pos += 1;
        }
        self.src.get(start..self.pos).unwrap_or("").to_string()
    }

    fn invalid_char(&mut self, start: usize) {
        let c = self
            .src
            .get(start..)
            .and_then(|s| s.chars().next())
            .unwrap_or('\u{fffd}');
        self.pos = start + c.len_utf8();
        let shown = if c.is_control() || c.is_whitespace() {
            format!("{}", c.escape_unicode())
        } else {
            c.to_string()
        };
        let msg = match c {
            '-' => "invalid character `-`: expected `->` or a number".to_string(),
            '!' => "invalid character `!`: expected `!=`".to_string(),
            _ => format!("invalid character `{shown}`"),
        };
        self.error("E-P001", start, self.pos, msg);
    }

    fn var(&mut self, start: usize) {
        self.pos += 1;
        match self.peek_at(0) {
            Some(b'a'..=b'z' | b'_') => {
                let name = self.word(start + 1);
                self.push(TokenKind::Var(name), start);
            }
            Some(b'A'..=b'Z') => {
                let name = self.word(start + 1);
                let fixed = lower_first(&name);
                self.diags.push(
                    Diagnostic::new(
                        "E-P007",
                        Span::from_range(start..self.pos),
                        format!("variable `${name}` must start with a lower-case letter or `_`"),
                    )
                    .with_help(format!("write `${fixed}`")),
                );
                self.push(TokenKind::Var(name), start);
            }
            _ => self.error(
                "E-P001",
                start,
                start + 1,
                "invalid character `$`: expected a variable name after `$`".to_string(),
            ),
        }
    }

    fn digits(&mut self) -> usize {
        let s = self.pos;
        while self.peek_at(0).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - s
    }

    fn number(&mut self, start: usize) {
        if self.peek_at(0) == Some(b'-') {
            self.pos += 1;
        }
        self.digits();
        let mut is_float = false;
        let mut malformed = false;
        if self.peek_at(0) == Some(b'.') && self.peek_at(1) != Some(b'.') {
            self.pos += 1;
            is_float = true;
            if self.digits() == 0 {
                malformed = true;
            }
        }
        if matches!(self.peek_at(0), Some(b'e' | b'E')) {
            if !is_float {
                malformed = true;
            }
            self.pos += 1;
            if matches!(self.peek_at(0), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                malformed = true;
            }
        }
        // glued letters / digits / dots make the whole run malformed (`12abc`, `1.2.3`)
        while self.peek_at(0).is_some_and(|c| {
            is_ident_continue(c)
                || (c == b'.' && self.peek_at(1).is_some_and(|d| d.is_ascii_digit()))
        }) {
            malformed = true;
            self.pos += 1;
        }
        let text = self.src.get(start..self.pos).unwrap_or("").to_string();
        if malformed {
            self.error(
                "E-P005",
                start,
                self.pos,
                format!("malformed number `{text}`"),
            );
            let kind = if is_float {
                TokenKind::Float("0.0".into())
            } else {
                TokenKind::Int("0".into())
            };
            self.push(kind, start);
            return;
        }
        if is_float {
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => {}
                _ => self.error(
                    "E-P005",
                    start,
                    self.pos,
                    format!(
                        "number `{}` is out of range",
                        crate::diagnostics::diagnostic::truncate_value(&text)
                    ),
                ),
            }
            self.push(TokenKind::Float(text), start);
        } else {
            let fits = if text.starts_with('-') {
                text.parse::<i64>().is_ok()
            } else {
                text.parse::<u64>().is_ok()
            };
            if !fits {
                self.error(
                    "E-P005",
                    start,
                    self.pos,
                    format!(
                        "integer `{}` does not fit in 64 bits",
                        crate::diagnostics::diagnostic::truncate_value(&text)
                    ),
                );
            }
            self.push(TokenKind::Int(text), start);
        }
    }

    fn string(&mut self, start: usize) {
        self.pos += 1;
        let mut out = String::new();
        while let Some(rest) = self.src.get(self.pos..) {
            let Some(c) = rest.chars().next() else {
                self.error(
                    "E-P003",
                    start,
                    start + 1,
                    "unterminated string".to_string(),
                );
                self.push(TokenKind::Str(out), start);
                return;
            };
            match c {
                '"' => {
                    self.pos += 1;
                    self.push(TokenKind::Str(out), start);
                    return;
                }
                '\\' => self.escape(&mut out),
                _ => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
        self.push(TokenKind::Str(out), start);
    }

    fn escape(&mut self, out: &mut String) {
        let esc_start = self.pos;
        self.pos += 1;
        let Some(c) = self.src.get(self.pos..).and_then(|s| s.chars().next()) else {
            return; // the unterminated-string error follows
        };
        self.pos += c.len_utf8();
        match c {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                if self.peek_at(0) != Some(b'{') {
                    self.error(
                        "E-P004",
                        esc_start,
                        self.pos,
                        "invalid escape `\\u`: expected `\\u{…}` with 1-6 hex digits".to_string(),
                    );
                    return;
                }
                self.pos += 1;
                let hex_start = self.pos;
                while self.peek_at(0).is_some_and(|b| b.is_ascii_hexdigit()) {
                    self.pos += 1;
                }
                let hex = self.src.get(hex_start..self.pos).unwrap_or("").to_string();
                let closed = self.peek_at(0) == Some(b'}');
                if closed {
                    self.pos += 1;
                }
                let value = if closed && (1..=6).contains(&hex.len()) {
                    u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                } else {
                    None
                };
                match value {
                    Some(ch) => out.push(ch),
                    None => {
                        let text = self.src.get(esc_start..self.pos).unwrap_or("").to_string();
                        self.error(
                            "E-P004",
                            esc_start,
                            self.pos,
                            format!(
                                "invalid escape `{text}`: expected 1-6 hex digits naming a Unicode scalar value"
                            ),
                        );
                    }
                }
            }
            other => {
                let shown: String = if other.is_control() {
                    other.escape_default().collect()
                } else {
                    other.to_string()
                };
                self.error(
                    "E-P004",
                    esc_start,
                    self.pos,
                    format!("invalid escape `\\{shown}` in string"),
                );
                out.push(other);
            }
        }
    }
}

/// `name` with its first character lower-cased.
pub fn lower_first(name: &str) -> String {
    let mut cs = name.chars();
    match cs.next() {
        Some(c) => c.to_lowercase().chain(cs).collect(),
        None => String::new(),
    }
}

/// `name` with its first character upper-cased.
pub fn upper_first(name: &str) -> String {
    let mut cs = name.chars();
    match cs.next() {
        Some(c) => c.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenKind::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        let (toks, diags) = lex(src);
        assert!(diags.is_empty(), "{diags:?}");
        toks.into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn punctuation_and_words() {
        assert_eq!(
            kinds("{ } ( ) [ ] : , . ? * -> .. @ = != < <= > >="),
            vec![
                LBrace, RBrace, LParen, RParen, LBracket, RBracket, Colon, Comma, Dot, Question,
                Star, Arrow, DotDot, At, Eq, NotEq, Lt, Le, Gt, Ge, Eof
            ]
        );
        assert_eq!(
            kinds("node Person $p $_ match"),
            vec![
                Ident("node".into()),
                TypeName("Person".into()),
                Var("p".into()),
                Var("_".into()),
                Ident("match".into()),
                Eof
            ]
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(
            kinds("1..5 -3 2.5 -1.5e-3 ..9 0..*"),
            vec![
                Int("1".into()),
                DotDot,
                Int("5".into()),
                Int("-3".into()),
                Float("2.5".into()),
                Float("-1.5e-3".into()),
                DotDot,
                Int("9".into()),
                Int("0".into()),
                DotDot,
                Star,
                Eof
            ]
        );
        assert_eq!(
            kinds("18446744073709551615")[0],
            Int("18446744073709551615".into())
        );
        for bad in [
            "18446744073709551616",
            "-9223372036854775809",
            "12abc",
            "1e5",
            "1.",
            "1.5e",
            "1.0e999",
        ] {
            let (_, d) = lex(bad);
            assert_eq!(d.len(), 1, "{bad}");
            assert_eq!(d[0].code, "E-P005", "{bad}");
            assert_eq!(d[0].span, Span::from_range(0..bad.len()), "{bad}");
        }
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            kinds(r#""a\"b\\c\n\r\t\u{48}\u{1F600}""#)[0],
            Str("a\"b\\c\n\r\tH😀".into())
        );
        assert_eq!(kinds("\"x\ny\"")[0], Str("x\ny".into()));
        let (toks, d) = lex(r#"  "a\qb" x"#);
        assert_eq!(d[0].code, "E-P004");
        assert_eq!(d[0].span, Span::new(4, 6));
        assert_eq!(toks[1].kind, Ident("x".into()));
        for bad in [
            r#""\u{}""#,
            r#""\u{D800}""#,
            r#""\u{1234567}""#,
            r#""\u41""#,
        ] {
            let (_, d) = lex(bad);
            assert_eq!(d[0].code, "E-P004", "{bad}");
        }
        let (toks, d) = lex("x \"abc");
        assert_eq!(d[0].code, "E-P003");
        assert_eq!(d[0].span, Span::new(2, 3));
        assert_eq!(toks.last().map(|t| &t.kind), Some(&Eof));
    }

    #[test]
    fn comments_and_bom() {
        assert_eq!(
            kinds("\u{feff}a // c\n/* x\n y */ b"),
            vec![Ident("a".into()), Ident("b".into()), Eof]
        );
        let (_, d) = lex("a /* open");
        assert_eq!(d[0].code, "E-P003");
        assert_eq!(d[0].span, Span::new(2, 4));
    }

    #[test]
    fn invalid_characters_recover() {
        let (toks, d) = lex("a # b ü - !");
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec!["E-P001"; 4]);
        assert_eq!(d[1].span, Span::new(6, 8));
        assert_eq!(toks.len(), 3);
        let (_, d) = lex("$Foo");
        assert_eq!(d[0].code, "E-P007");
        assert_eq!(d[0].help.as_deref(), Some("write `$foo`"));
    }

    #[test]
    fn enum_words_mode() {
        let (toks, d) = lex_with(
            "x: enum(health-care, 2fa, Open) y",
            LexOptions { enum_words: true },
        );
        assert!(d.is_empty(), "{d:?}");
        let k: Vec<_> = toks.into_iter().map(|t| t.kind).collect();
        assert_eq!(
            k,
            vec![
                Ident("x".into()),
                Colon,
                Ident("enum".into()),
                LParen,
                EnumWord("health-care".into()),
                Comma,
                EnumWord("2fa".into()),
                Comma,
                EnumWord("Open".into()),
                RParen,
                Ident("y".into()),
                Eof
            ]
        );
        // query mode: no enum words
        let (_, d) = lex("enum(2fa)");
        assert_eq!(d[0].code, "E-P005");
    }

    #[test]
    fn invalid_utf8() {
        let (toks, d) = lex_bytes(b"node \xff");
        assert_eq!(d[0].code, "E-P001");
        assert_eq!(d[0].span, Span::new(5, 6));
        assert_eq!(toks.len(), 1);
        assert!(decode_source(b"ok").is_ok());
    }
}
