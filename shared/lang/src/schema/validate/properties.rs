//! Properties and their types: a declaration's own properties (E-S002, E-S005), type
//! lowering (E-S006) and the scope of properties an interface expansion produces.

use super::annotations::{head_span, single_text};
use super::{CKind, Item, Lowered, ScopedProp, Validator};
use crate::diagnostics::diagnostic::did_you_mean_help;
use crate::diagnostics::span::Span;
use crate::schema::ast::{AnnArg, Annotation, CoreExpr, Decl, DeclKind, TypeExpr};
use crate::schema::catalog::PropertyDef;
use crate::schema::types::{Core, PropType, ScalarType, MAX_VECTOR_DIM};
use std::collections::HashSet;

impl Validator {
    /// The declaration's own properties; reports duplicates (E-S002) and reserved names
    /// (E-S005). Duplicates are dropped.
    pub(super) fn own_props<'a>(&mut self, d: &'a Decl) -> Vec<ScopedProp<'a>> {
        let mut out: Vec<ScopedProp<'a>> = Vec::new();
        for p in &d.properties {
            let n = &p.name.text;
            let reserved_edge =
                d.kind == DeclKind::Edge && ["src", "dst", "from", "to"].contains(&n.as_str());
            if n == "id" || reserved_edge {
                let what = if n == "id" {
                    "every node and edge has an implicit `id`".to_string()
                } else {
                    "edges have implicit endpoints `src`/`dst` (written `from`/`to`)".to_string()
                };
                self.err_help(
                    "E-S005",
                    p.name.span,
                    format!(
                        "`{n}` is a reserved property name on {} `{}`",
                        d.kind.keyword(),
                        d.name.text
                    ),
                    Some(what),
                );
                continue;
            }
            if out.iter().any(|s| &s.prop.name.text == n) {
                self.err(
                    "E-S002",
                    p.name.span,
                    format!(
                        "property `{n}` is declared more than once in `{}`",
                        d.name.text
                    ),
                );
                continue;
            }
            out.push(ScopedProp {
                prop: p,
                annotations: p.annotations.iter().collect(),
            });
        }
        out
    }
    /// Lowers a type, reporting E-S006.
    fn lower_type(&mut self, t: &TypeExpr) -> Option<PropType> {
        let core = match &t.core {
            CoreExpr::Scalar(s) => Core::Scalar(*s),
            CoreExpr::List(inner) => {
                if inner.nullable {
                    self.err(
                        "E-S006",
                        inner.span,
                        "list elements cannot be nullable (lists never hold null)",
                    );
                    return None;
                }
                match &inner.core {
                    CoreExpr::Scalar(ScalarType::Blob) => {
                        self.err("E-S006", inner.span, "lists of `Blob` are not supported");
                        return None;
                    }
                    CoreExpr::Scalar(s) => Core::List(*s),
                    _ => {
                        self.err_help(
                            "E-S006",
                            inner.span,
                            "list elements must be a scalar type",
                            Some("lists of lists, vectors and enums are not supported".to_string()),
                        );
                        return None;
                    }
                }
            }
            CoreExpr::Vector { dim, dim_span } => match dim.parse::<u32>() {
                Ok(n) if (1..=MAX_VECTOR_DIM).contains(&n) => Core::Vector(n),
                _ => {
                    self.err(
                        "E-S006",
                        *dim_span,
                        format!(
                            "vector size must be between 1 and {MAX_VECTOR_DIM}, found `{dim}`"
                        ),
                    );
                    return None;
                }
            },
            CoreExpr::Enum(values) => {
                if values.is_empty() {
                    self.err("E-S006", t.span, "an enum needs at least one value");
                    return None;
                }
                let mut seen = HashSet::new();
                let mut ok = true;
                for v in values {
                    if !seen.insert(v.text.as_str()) {
                        self.err(
                            "E-S006",
                            v.span,
                            format!("duplicate enum value `{}`", v.text),
                        );
                        ok = false;
                    }
                }
                if !ok {
                    return None;
                }
                Core::Enum(values.iter().map(|v| v.text.clone()).collect())
            }
        };
        Some(
            PropType {
                core,
                nullable: t.nullable,
            }
            .normalized(),
        )
    }

    /// Lowers a type without reporting (used for comparisons).
    pub(super) fn lower_type_quiet(&mut self, t: &TypeExpr) -> Option<PropType> {
        let n = self.diags.len();
        let r = self.lower_type(t);
        self.diags.truncate(n);
        r
    }

    /// Lowers the properties of a scope, interprets annotations and constraints.
    pub(super) fn lower_scope(
        &mut self,
        d: &Decl,
        scoped: &[ScopedProp<'_>],
        body: &[&Annotation],
    ) -> Lowered {
        let tname = d.name.text.as_str();
        let mut props: Vec<PropertyDef> = Vec::new();
        let mut items: Vec<Item> = Vec::new();
        let mut embeds: Vec<(String, String, Span)> = Vec::new();
        for sp in scoped {
            let p = sp.prop;
            let Some(ty) = self.lower_type(&p.ty) else {
                continue;
            };
            let mut pd = PropertyDef {
                name: p.name.text.clone(),
                ty,
                description: None,
                embed: None,
                rename_from: None,
                annotations: Vec::new(),
            };
            let owner = format!("{tname}.{}", p.name.text);
            for a in &sp.annotations {
                let has_args = a.args.is_some();
                match a.name.text.as_str() {
                    "key" | "unique" | "index" => {
                        if has_args {
                            self.err_help(
                                "E-P002",
                                a.span,
                                format!("property-level @{} takes no arguments", a.name.text),
                                Some(format!(
                                    "write `@{}` on the property or `@{}(…)` in the body",
                                    a.name.text, a.name.text
                                )),
                            );
                            continue;
                        }
                        let kind = match a.name.text.as_str() {
                            "key" => CKind::Key,
                            "unique" => CKind::Unique,
                            _ => CKind::Index,
                        };
                        items.push(Item { kind, props: vec![p.name.clone()], span: head_span(a) });
                    }
                    "range" => match a.args.as_deref() {
                        Some([AnnArg::Bounds(b)]) => items.push(Item {
                            kind: CKind::Range(b.clone()),
                            props: vec![p.name.clone()],
                            span: a.span,
                        }),
                        _ => self.err_help(
                            "E-S011",
                            a.span,
                            format!("invalid @range on `{owner}`"),
                            Some("write `@range(lo..hi)`, `@range(lo..)` or `@range(..hi)`".to_string()),
                        ),
                    },
                    "check" => match a.args.as_deref() {
                        Some([AnnArg::Str { value, span }]) => items.push(Item {
                            kind: CKind::Check(value.clone(), *span),
                            props: vec![p.name.clone()],
                            span: a.span,
                        }),
                        _ => self.err_help(
                            "E-S012",
                            a.span,
                            format!("invalid @check on `{owner}`"),
                            Some("write `@check(\"regex\")`".to_string()),
                        ),
                    },
                    "embed" => {
                        if pd.embed.is_some() {
                            self.err("E-S014", head_span(a), format!("@embed is given more than once on `{owner}`"));
                        } else if let Some((src, _)) = single_text(a) {
                            pd.embed = Some(src.to_string());
                            embeds.push((p.name.text.clone(), src.to_string(), a.span));
                        } else {
                            self.err_help(
                                "E-S014",
                                a.span,
                                format!("invalid @embed on `{owner}`"),
                                Some("write `@embed(source_property)`".to_string()),
                            );
                        }
                    }
                    "description" => self.description(a, &mut pd.description, &owner),
                    "instruction" => self.err_help(
                        "E-S015",
                        head_span(a),
                        format!("@instruction is not allowed on property `{owner}`"),
                        Some("use @description on properties; @instruction belongs on node and edge types".to_string()),
                    ),
                    "rename_from" => {
                        let mut slot = pd.rename_from.take();
                        let before = self.diags.len();
                        self.rename_from(a, &mut slot, &p.name.text);
                        if self.diags.len() == before || slot.is_some() {
                            pd.rename_from = slot;
                        }
                    }
                    "card" => self.err(
                        "E-S010",
                        head_span(a),
                        format!("@card is only allowed on an edge declaration, not on property `{owner}`"),
                    ),
                    _ => self.custom(a, &mut pd.annotations),
                }
            }
            props.push(pd);
        }
        for a in body {
            self.body_constraint(d, a, &mut items);
        }
        // embed rules (docs/reference/schema.md, "Annotations")
        for (target, src, span) in &embeds {
            let owner = format!("{tname}.{target}");
            let tprop = props.iter().find(|p| &p.name == target);
            if d.kind == DeclKind::Edge {
                self.err(
                    "E-S014",
                    *span,
                    format!("@embed on `{owner}`: only node properties can be embedded"),
                );
                continue;
            }
            if let Some(tp) = tprop {
                if !tp.ty.is_vector() {
                    self.err(
                        "E-S014",
                        *span,
                        format!(
                            "@embed on `{owner}`: the target must be a Vector property, found `{}`",
                            tp.ty.pg()
                        ),
                    );
                    continue;
                }
            }
            match props.iter().find(|p| &p.name == src) {
                Some(sp) if sp.ty.as_scalar() == Some(ScalarType::String) => {}
                Some(sp) => self.err(
                    "E-S014",
                    *span,
                    format!(
                        "@embed({src}) on `{owner}`: `{src}` must be a String property, found `{}`",
                        sp.ty.pg()
                    ),
                ),
                None if d.kind == DeclKind::Interface => {}
                None => {
                    let help = did_you_mean_help(src, props.iter().map(|p| &p.name));
                    self.err_help(
                        "E-S014",
                        *span,
                        format!("@embed({src}) on `{owner}`: `{tname}` has no property `{src}`"),
                        help,
                    );
                }
            }
        }
        let (key, constraints) = self.check_items(d, &props, items);
        Lowered {
            props,
            key,
            constraints,
        }
    }
}
