//! The `.pg` parser: tokens to [`Schema`], reporting syntax errors (E-P002, E-P007, E-P008 and
//! the lexer's codes) and recovering at the next property or declaration.

use super::ast::*;
use crate::diagnostics::diagnostic::{did_you_mean_help, Diagnostic};
use crate::schema::types::ScalarType;
use crate::syntax::cursor::{Abort, Cursor, PResult};
use crate::syntax::lexer::{
    is_reserved, lex_with, lower_first, upper_first, LexOptions, TokenKind,
};

/// Parses a schema source. Always returns a (possibly partial) tree plus every syntax
/// diagnostic in source order.
pub fn parse_schema(src: &str) -> (Schema, Vec<Diagnostic>) {
    let (tokens, mut diags) = lex_with(src, LexOptions { enum_words: true });
    let mut p = Parser {
        c: Cursor::new(&tokens),
    };
    let schema = p.schema();
    diags.extend(p.c.take_diags());
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    (schema, diags)
}

const DECL_WORDS: [&str; 3] = ["interface", "node", "edge"];

struct Parser<'t> {
    c: Cursor<'t>,
}

fn decl_kind_of(word: &str) -> Option<DeclKind> {
    match word {
        "interface" => Some(DeclKind::Interface),
        "node" => Some(DeclKind::Node),
        "edge" => Some(DeclKind::Edge),
        _ => None,
    }
}

/// True when the cursor is at `interface|node|edge` followed by a (possibly mis-cased) name.
fn at_decl_start(c: &Cursor<'_>) -> bool {
    let kw = match c.kind() {
        TokenKind::Ident(s) => DECL_WORDS.contains(&s.as_str()),
        TokenKind::TypeName(s) => DECL_WORDS.contains(&s.to_ascii_lowercase().as_str()),
        _ => false,
    };
    kw && matches!(c.nth(1).kind, TokenKind::TypeName(_) | TokenKind::Ident(_))
}

/// True at a body constraint (`@key(p…)`, `@unique(p…)`, `@index(p…)`, `@range(p, …)`,
/// `@check(p, …)`): a constraint name whose first argument is a property name. The
/// property-level forms take no argument or a non-name argument, which disambiguates the two
/// without statement terminators.
fn at_body_constraint(c: &Cursor<'_>) -> bool {
    let constraint = matches!(&c.nth(1).kind, TokenKind::Ident(n)
        if matches!(n.as_str(), "key" | "unique" | "index" | "range" | "check"));
    constraint
        && matches!(c.nth(2).kind, TokenKind::LParen)
        && matches!(c.nth(3).kind, TokenKind::Ident(_) | TokenKind::TypeName(_))
}

/// True at the start of a property (`name :`).
fn at_property_start(c: &Cursor<'_>) -> bool {
    matches!(c.kind(), TokenKind::Ident(_) | TokenKind::TypeName(_))
        && matches!(c.nth(1).kind, TokenKind::Colon)
}

impl Parser<'_> {
    fn schema(&mut self) -> Schema {
        let mut decls = Vec::new();
        while !self.c.at_eof() {
            let kind = match self.c.kind().clone() {
                TokenKind::Ident(w) => decl_kind_of(&w),
                TokenKind::TypeName(w) if at_decl_start(&self.c) => {
                    let lower = w.to_ascii_lowercase();
                    self.c.diags.push(
                        Diagnostic::new(
                            "E-P007",
                            self.c.span(),
                            format!("keyword `{w}` must be written in lower case"),
                        )
                        .with_help(format!("write `{lower}`")),
                    );
                    decl_kind_of(&lower)
                }
                _ => None,
            };
            let Some(kind) = kind else {
                self.c.error_expected("`interface`, `node` or `edge`");
                self.c.bump();
                self.c.recover_until(at_decl_start);
                continue;
            };
            match self.decl(kind) {
                Ok(d) => decls.push(d),
                Err(Abort) => self.c.recover_until(at_decl_start),
            }
        }
        Schema { decls }
    }

    fn type_name(&mut self, what: &str) -> PResult<Name> {
        match self.c.kind().clone() {
            TokenKind::TypeName(text) => Ok(Name {
                text,
                span: self.c.bump().span,
            }),
            TokenKind::Ident(text) => {
                let span = self.c.bump().span;
                let fixed = upper_first(&text);
                self.c.diags.push(
                    Diagnostic::new(
                        "E-P007",
                        span,
                        format!("type name `{text}` must start with an upper-case letter"),
                    )
                    .with_help(format!("write `{fixed}`")),
                );
                Ok(Name { text: fixed, span })
            }
            _ => Err(self.c.error_expected(what)),
        }
    }

    fn decl(&mut self, kind: DeclKind) -> PResult<Decl> {
        let start = self.c.bump().span;
        let name = self.type_name("a type name")?;
        let mut decl = Decl {
            kind,
            name,
            annotations: Vec::new(),
            implements: Vec::new(),
            endpoints: None,
            properties: Vec::new(),
            constraints: Vec::new(),
            span: start,
        };
        if kind == DeclKind::Edge {
            self.c.expect(&TokenKind::Colon)?;
            let from = self.type_name("the source node type")?;
            self.c.expect(&TokenKind::Arrow)?;
            let to = self.type_name("the target node type")?;
            decl.endpoints = Some((from, to));
        }
        while self.c.at(&TokenKind::At) {
            decl.annotations.push(self.annotation()?);
        }
        if kind == DeclKind::Node && self.c.eat_word("implements").is_some() {
            loop {
                decl.implements.push(self.type_name("an interface name")?);
                if self.c.eat(&TokenKind::Comma).is_none() {
                    break;
                }
            }
        }
        let has_body = if kind == DeclKind::Edge {
            self.c.at(&TokenKind::LBrace)
        } else {
            self.c.expect_as(&TokenKind::LBrace, "`{`")?;
            true
        };
        if has_body {
            if kind == DeclKind::Edge {
                self.c.bump();
            }
            self.body(&mut decl);
        }
        decl.span = start.to(self.c.prev_span());
        Ok(decl)
    }

    /// Parses members until `}` (consumed). Errors inside a member recover to the next one.
    fn body(&mut self, decl: &mut Decl) {
        loop {
            if self.c.eat(&TokenKind::RBrace).is_some() {
                return;
            }
            if self.c.at_eof() || at_decl_start(&self.c) {
                self.c.error_expected("`}`");
                return;
            }
            let r = if self.c.at(&TokenKind::At) {
                self.annotation().map(|a| decl.constraints.push(a))
            } else if at_property_start(&self.c) {
                self.property().map(|p| decl.properties.push(p))
            } else {
                Err(self.c.error_expected("a property or a constraint"))
            };
            if r.is_err() {
                // skip at least one token, then up to the next member
                if !self.c.at(&TokenKind::RBrace) {
                    self.c.bump();
                }
                self.c.recover_until(|c| {
                    c.at(&TokenKind::RBrace) || at_property_start(c) || at_decl_start(c)
                });
            }
        }
    }

    fn property(&mut self) -> PResult<Property> {
        let tok = self.c.bump();
        let name = match tok.kind {
            TokenKind::Ident(text) => {
                if is_reserved(&text) {
                    self.c.diags.push(
                        Diagnostic::new(
                            "E-P008",
                            tok.span,
                            format!("`{text}` is a reserved word and cannot be a property name"),
                        )
                        .with_help(format!("choose another name, e.g. `{text}_value`")),
                    );
                }
                Name {
                    text,
                    span: tok.span,
                }
            }
            TokenKind::TypeName(text) => {
                let fixed = lower_first(&text);
                self.c.diags.push(
                    Diagnostic::new(
                        "E-P007",
                        tok.span,
                        format!("property name `{text}` must start with a lower-case letter"),
                    )
                    .with_help(format!("write `{fixed}`")),
                );
                Name {
                    text: fixed,
                    span: tok.span,
                }
            }
            _ => return Err(self.c.error_expected("a property name")),
        };
        self.c.expect(&TokenKind::Colon)?;
        let ty = self.type_expr()?;
        let mut annotations = Vec::new();
        while self.c.at(&TokenKind::At) && !at_body_constraint(&self.c) {
            annotations.push(self.annotation()?);
        }
        let span = name.span.to(self.c.prev_span());
        Ok(Property {
            name,
            ty,
            annotations,
            span,
        })
    }

    fn type_expr(&mut self) -> PResult<TypeExpr> {
        let start = self.c.span();
        let core = match self.c.kind().clone() {
            TokenKind::LBracket => {
                self.c.bump();
                let inner = self.type_expr()?;
                self.c.expect(&TokenKind::RBracket)?;
                CoreExpr::List(Box::new(inner))
            }
            TokenKind::TypeName(n) if n == "Vector" => {
                self.c.bump();
                self.c.expect(&TokenKind::LParen)?;
                let (dim, dim_span) = match self.c.kind().clone() {
                    TokenKind::Int(t) => (t, self.c.bump().span),
                    _ => return Err(self.c.error_expected("the vector dimension (an integer)")),
                };
                self.c.expect(&TokenKind::RParen)?;
                CoreExpr::Vector { dim, dim_span }
            }
            TokenKind::TypeName(n) => match ScalarType::from_name(&n) {
                Some(s) => {
                    self.c.bump();
                    CoreExpr::Scalar(s)
                }
                None => return Err(self.unknown_type(&n)),
            },
            TokenKind::Ident(n) if n == "enum" => {
                self.c.bump();
                self.c.expect(&TokenKind::LParen)?;
                let mut values = Vec::new();
                if !self.c.at(&TokenKind::RParen) {
                    loop {
                        match self.c.kind().clone() {
                            TokenKind::EnumWord(text) => values.push(Name {
                                text,
                                span: self.c.bump().span,
                            }),
                            _ => return Err(self.c.error_expected("an enum value")),
                        }
                        if self.c.eat(&TokenKind::Comma).is_none() {
                            break;
                        }
                    }
                }
                self.c.expect(&TokenKind::RParen)?;
                CoreExpr::Enum(values)
            }
            TokenKind::Ident(n) => {
                let fixed = upper_first(&n);
                if let Some(s) = ScalarType::from_name(&fixed).filter(|_| fixed != "Enum") {
                    let span = self.c.bump().span;
                    self.c.diags.push(
                        Diagnostic::new(
                            "E-P007",
                            span,
                            format!("type `{n}` must start with an upper-case letter"),
                        )
                        .with_help(format!("write `{fixed}`")),
                    );
                    CoreExpr::Scalar(s)
                } else {
                    return Err(self.unknown_type(&n));
                }
            }
            _ => return Err(self.c.error_expected("a type")),
        };
        let nullable = self.c.eat(&TokenKind::Question).is_some();
        Ok(TypeExpr {
            core,
            nullable,
            span: start.to(self.c.prev_span()),
        })
    }

    fn unknown_type(&mut self, name: &str) -> Abort {
        let mut candidates: Vec<&str> = ScalarType::ALL.iter().map(|s| s.name()).collect();
        candidates.push("Vector");
        candidates.push("enum");
        let help = did_you_mean_help(name, candidates.iter());
        let span = self.c.span();
        self.c.diags.push(
            Diagnostic::new("E-P002", span, format!("expected a type, found unknown type `{name}`"))
                .with_help(help.unwrap_or_else(|| {
                    "types are String, Bool, I32, I64, U32, U64, F32, F64, Date, DateTime, Blob, [T], Vector(n) and enum(…)".to_string()
                })),
        );
        Abort
    }

    fn annotation(&mut self) -> PResult<Annotation> {
        let at = self.c.expect(&TokenKind::At)?.span;
        let name = match self.c.kind().clone() {
            TokenKind::Ident(text) => Name {
                text,
                span: self.c.bump().span,
            },
            TokenKind::TypeName(text) => {
                let span = self.c.bump().span;
                let fixed = lower_first(&text);
                self.c.diags.push(
                    Diagnostic::new(
                        "E-P007",
                        span,
                        format!("annotation `@{text}` must start with a lower-case letter"),
                    )
                    .with_help(format!("write `@{fixed}`")),
                );
                Name { text: fixed, span }
            }
            _ => return Err(self.c.error_expected("an annotation name after `@`")),
        };
        let mut args = None;
        if self.c.eat(&TokenKind::LParen).is_some() {
            let mut list = Vec::new();
            if !self.c.at(&TokenKind::RParen) {
                loop {
                    list.push(self.ann_arg()?);
                    if self.c.eat(&TokenKind::Comma).is_none() {
                        break;
                    }
                }
            }
            self.c.expect_as(&TokenKind::RParen, "`,` or `)`")?;
            args = Some(list);
        }
        Ok(Annotation {
            name,
            args,
            span: at.to(self.c.prev_span()),
        })
    }

    fn number(&mut self) -> Option<NumLit> {
        let (text, is_float) = match self.c.kind() {
            TokenKind::Int(t) => (t.clone(), false),
            TokenKind::Float(t) => (t.clone(), true),
            _ => return None,
        };
        let span = self.c.bump().span;
        Some(NumLit {
            text,
            is_float,
            span,
        })
    }

    fn ann_arg(&mut self) -> PResult<AnnArg> {
        match self.c.kind().clone() {
            TokenKind::Str(value) => Ok(AnnArg::Str {
                value,
                span: self.c.bump().span,
            }),
            TokenKind::Ident(text) | TokenKind::TypeName(text) => Ok(AnnArg::Ident(Name {
                text,
                span: self.c.bump().span,
            })),
            TokenKind::Int(_) | TokenKind::Float(_) => {
                let lo = self.number();
                if self.c.at(&TokenKind::DotDot) {
                    self.bounds_rest(lo)
                } else {
                    lo.map(AnnArg::Number).ok_or(Abort)
                }
            }
            TokenKind::DotDot => self.bounds_rest(None),
            _ => Err(self.c.error_expected("an annotation argument")),
        }
    }

    /// Parses `.. hi?` after an optional lower bound.
    fn bounds_rest(&mut self, lo: Option<NumLit>) -> PResult<AnnArg> {
        let dots = self.c.expect(&TokenKind::DotDot)?.span;
        let start = lo.as_ref().map_or(dots, |l| l.span);
        let mut hi_star = false;
        let hi = if self.c.eat(&TokenKind::Star).is_some() {
            hi_star = true;
            None
        } else if self.c.at(&TokenKind::RParen) || self.c.at(&TokenKind::Comma) {
            None
        } else {
            match self.number() {
                Some(n) => Some(n),
                None => return Err(self.c.error_expected("a number, `*` or `)`")),
            }
        };
        let span = start.to(self.c.prev_span());
        Ok(AnnArg::Bounds(Bounds {
            lo,
            hi,
            hi_star,
            span,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> Schema {
        let (s, d) = parse_schema(src);
        assert!(d.is_empty(), "{d:?}");
        s
    }

    #[test]
    fn parses_all_forms() {
        let s = ok(r#"
            interface Stamped @description("x") { created: DateTime }
            node Ticket @instruction("y") implements Stamped, Other {
                ref: String @key @check("^T-[0-9]+$")
                priority: I32 @range(1..5)
                status: enum(open, closed, health-care, 2fa)
                tags: [String]?
                emb: Vector(3) @embed(ref) @index
                @unique(ref, priority)
                @range(priority, ..9)
            }
            edge Blocks: Ticket -> Ticket @card(0..*) { @unique(src, dst) }
            edge Plain: Ticket -> Ticket
        "#);
        assert_eq!(s.decls.len(), 4);
        let t = &s.decls[1];
        assert_eq!(t.implements.len(), 2);
        assert_eq!(t.properties.len(), 5);
        assert_eq!(t.constraints.len(), 2);
        match &t.properties[2].ty.core {
            CoreExpr::Enum(v) => assert_eq!(v[2].text, "health-care"),
            other => panic!("{other:?}"),
        }
        let e = &s.decls[2];
        assert_eq!(
            e.endpoints
                .as_ref()
                .map(|(a, b)| (a.text.as_str(), b.text.as_str())),
            Some(("Ticket", "Ticket"))
        );
        match &e.annotations[0].args.as_ref().unwrap()[0] {
            AnnArg::Bounds(b) => assert!(b.hi_star && b.lo.is_some()),
            other => panic!("{other:?}"),
        }
        assert!(s.decls[3].properties.is_empty());
    }

    #[test]
    fn recovers_and_reports_all() {
        let src = "node A { x: Strng\n y: I32 }\nnode person { Name: String }\nedge E: A -> A { not: I32 }\nfoo";
        let (s, d) = parse_schema(src);
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            vec!["E-P002", "E-P007", "E-P007", "E-P008", "E-P002"]
        );
        assert_eq!(s.decls.len(), 3);
        assert_eq!(s.decls[0].properties.len(), 1);
        assert_eq!(d[0].help.as_deref(), Some("did you mean `String`?"));
    }

    #[test]
    fn missing_brace_recovers_at_next_decl() {
        let (s, d) = parse_schema("node A { x: I32\nnode B { y: I32 }");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "E-P002");
        assert_eq!(s.decls.len(), 2);
    }
}
