//! Annotations: their canonical text, a declaration's header annotations
//! (`@description`, `@instruction`, `@rename_from`, custom metadata) and `@card`.

use super::{DeclMeta, Validator, KNOWN_ANNOTATIONS};
use crate::diagnostics::diagnostic::{did_you_mean_help, Diagnostic};
use crate::diagnostics::span::Span;
use crate::schema::ast::{AnnArg, Annotation, Bounds, Decl, DeclKind, NumLit};
use crate::schema::catalog::{quote, Cardinality, MetaAnnotation};

/// Canonical text of annotation arguments (used for metadata values and merging).
fn args_text(args: &[AnnArg]) -> String {
    args.iter()
        .map(|a| match a {
            AnnArg::Str { value, .. } => quote(value),
            AnnArg::Ident(n) => n.text.clone(),
            AnnArg::Number(n) => n.text.clone(),
            AnnArg::Bounds(b) => bounds_text(b),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn bounds_text(b: &Bounds) -> String {
    let lo = b.lo.as_ref().map_or("", |n| n.text.as_str());
    let hi = if b.hi_star {
        "*"
    } else {
        b.hi.as_ref().map_or("", |n| n.text.as_str())
    };
    format!("{lo}..{hi}")
}

pub(super) fn ann_key(a: &Annotation) -> (String, Option<String>) {
    (a.name.text.clone(), a.args.as_deref().map(args_text))
}

/// Span of `@name` (without arguments).
pub(super) fn head_span(a: &Annotation) -> Span {
    Span::new(a.span.start, a.name.span.end)
}

/// Single string-or-identifier argument.
pub(super) fn single_text(a: &Annotation) -> Option<(&str, Span)> {
    match a.args.as_deref() {
        Some([AnnArg::Str { value, span }]) => Some((value.as_str(), *span)),
        Some([AnnArg::Ident(n)]) => Some((n.text.as_str(), n.span)),
        _ => None,
    }
}

fn single_str(a: &Annotation) -> Option<&str> {
    match a.args.as_deref() {
        Some([AnnArg::Str { value, .. }]) => Some(value.as_str()),
        _ => None,
    }
}

impl Validator {
    /// Header annotations of a declaration.
    pub(super) fn decl_meta(&mut self, d: &Decl) -> DeclMeta {
        let mut m = DeclMeta::default();
        let mut seen_card = false;
        for a in &d.annotations {
            let name = a.name.text.as_str();
            match name {
                "description" => self.description(a, &mut m.description, &d.name.text),
                "instruction" => {
                    if d.kind == DeclKind::Interface {
                        self.err(
                            "E-S010",
                            head_span(a),
                            format!("@instruction is not allowed on interface `{}`", d.name.text),
                        );
                    } else {
                        self.instruction(a, &mut m.instruction, &d.name.text);
                    }
                }
                "rename_from" => self.rename_from(a, &mut m.rename_from, &d.name.text),
                "card" => {
                    if d.kind != DeclKind::Edge {
                        self.err(
                            "E-S010",
                            head_span(a),
                            format!(
                                "@card is only allowed on edge types, not on {} `{}`",
                                d.kind.keyword(),
                                d.name.text
                            ),
                        );
                    } else if seen_card {
                        self.err(
                            "E-S016",
                            head_span(a),
                            format!("@card is declared twice on `{}`", d.name.text),
                        );
                    } else {
                        seen_card = true;
                        m.card = self.card(a, &d.name.text);
                    }
                }
                "key" if d.kind == DeclKind::Edge => self.err_help(
                    "E-S007",
                    head_span(a),
                    format!("edge `{}` cannot have a @key", d.name.text),
                    Some(
                        "edges get their id from the writer; use @unique for uniqueness"
                            .to_string(),
                    ),
                ),
                "key" | "unique" | "index" | "range" | "check" | "embed" => self.err_help(
                    "E-S010",
                    head_span(a),
                    format!(
                        "@{name} is not allowed on the declaration of `{}`",
                        d.name.text
                    ),
                    Some(format!(
                        "write `@{name}(…)` inside the body or on the property"
                    )),
                ),
                _ => self.custom(a, &mut m.annotations),
            }
        }
        m
    }

    pub(super) fn custom(&mut self, a: &Annotation, out: &mut Vec<MetaAnnotation>) {
        let help = did_you_mean_help(&a.name.text, KNOWN_ANNOTATIONS.iter())
            .map(|h| h.replacen('`', "`@", 1));
        self.diags.push(
            Diagnostic::new(
                "W-S001",
                head_span(a),
                format!("unknown annotation `@{}`, kept as metadata", a.name.text),
            )
            .with_help_opt(help),
        );
        out.push(MetaAnnotation {
            name: a.name.text.clone(),
            value: a.args.as_deref().map(args_text),
        });
    }

    pub(super) fn description(&mut self, a: &Annotation, slot: &mut Option<String>, owner: &str) {
        self.doc_annotation(a, slot, owner, "description")
    }

    pub(super) fn instruction(&mut self, a: &Annotation, slot: &mut Option<String>, owner: &str) {
        self.doc_annotation(a, slot, owner, "instruction")
    }

    fn doc_annotation(
        &mut self,
        a: &Annotation,
        slot: &mut Option<String>,
        owner: &str,
        what: &str,
    ) {
        if slot.is_some() {
            self.err(
                "E-S015",
                head_span(a),
                format!("@{what} is given more than once on `{owner}`"),
            );
            return;
        }
        match single_str(a) {
            Some(s) if !s.trim().is_empty() => *slot = Some(s.to_string()),
            Some(_) => self.err(
                "E-S015",
                a.span,
                format!("@{what} on `{owner}` must not be empty"),
            ),
            None => self.err_help(
                "E-S015",
                a.span,
                format!("@{what} on `{owner}` takes one string argument"),
                Some(format!("write `@{what}(\"…\")`")),
            ),
        }
    }

    pub(super) fn rename_from(&mut self, a: &Annotation, slot: &mut Option<String>, owner: &str) {
        if slot.is_some() {
            self.err(
                "E-S018",
                head_span(a),
                format!("@rename_from is given more than once on `{owner}`"),
            );
            return;
        }
        match single_text(a) {
            Some((s, _)) if s.trim().is_empty() => self.err(
                "E-S018",
                a.span,
                format!("@rename_from on `{owner}` must not be empty"),
            ),
            Some((s, span)) if s == owner => self.err(
                "E-S018",
                span,
                format!("@rename_from on `{owner}` names itself"),
            ),
            Some((s, _)) => *slot = Some(s.to_string()),
            None => self.err_help(
                "E-S018",
                a.span,
                format!("@rename_from on `{owner}` takes the old name"),
                Some("write `@rename_from(\"Old\")`".to_string()),
            ),
        }
    }

    pub(super) fn card(&mut self, a: &Annotation, edge: &str) -> Option<Cardinality> {
        let Some([AnnArg::Bounds(b)]) = a.args.as_deref() else {
            self.err_help(
                "E-S013",
                a.span,
                format!("invalid @card on `{edge}`"),
                Some("write `@card(min..max)` or `@card(min..*)`".to_string()),
            );
            return None;
        };
        let parse = |n: &NumLit| {
            if n.is_float {
                None
            } else {
                n.text.parse::<u64>().ok()
            }
        };
        let min = match &b.lo {
            Some(n) => {
                match parse(n) {
                    Some(v) => v,
                    None => {
                        self.err("E-S013", n.span, format!("@card bounds on `{edge}` must be non-negative integers, found `{}`", n.text));
                        return None;
                    }
                }
            }
            None => {
                self.err(
                    "E-S013",
                    b.span,
                    format!("@card on `{edge}` needs a lower bound"),
                );
                return None;
            }
        };
        let max = match &b.hi {
            Some(n) => {
                match parse(n) {
                    Some(v) => Some(v),
                    None => {
                        self.err("E-S013", n.span, format!("@card bounds on `{edge}` must be non-negative integers, found `{}`", n.text));
                        return None;
                    }
                }
            }
            None => None,
        };
        if let Some(max) = max {
            if min > max {
                self.err(
                    "E-S013",
                    b.span,
                    format!("@card({min}..{max}) on `{edge}`: min exceeds max"),
                );
                return None;
            }
            if max == 0 {
                self.err(
                    "E-S013",
                    b.span,
                    format!("@card({min}..{max}) on `{edge}`: max must be at least 1"),
                );
                return None;
            }
        }
        Some(Cardinality { min, max })
    }
}
