//! Schema validation (§2.2–§2.8): resolves names, expands interfaces, lowers property types
//! and interprets annotations and constraints, reporting E-S001…E-S018, W-S001 and W-S002.
//! The result is the list of catalog parts that [`crate::schema::catalog::Catalog`] assembles.

use super::ast::{
    self, AnnArg, Annotation, Bounds, CoreExpr, Decl, DeclKind, Name, NumLit, TypeExpr,
};
use crate::diagnostics::diagnostic::{did_you_mean_help, Diagnostic};
use crate::diagnostics::span::Span;
use crate::schema::catalog::{
    key_type_allowed, quote, Cardinality, CheckConstraint, Constraints, InterfaceDef,
    MetaAnnotation, Number, PropertyDef, RangeConstraint, TypeDef, TypeKind,
};
use crate::schema::types::{Core, PropType, ScalarType, MAX_VECTOR_DIM};
use crate::syntax::lexer::is_reserved;
use std::collections::{HashMap, HashSet};

/// Validated catalog parts (type ids not yet assigned).
#[derive(Debug, Clone)]
pub struct Parts {
    pub interfaces: Vec<InterfaceDef>,
    pub nodes: Vec<TypeDef>,
    pub edges: Vec<TypeDef>,
}

/// Annotation names with a built-in meaning (for "did you mean" on unknown ones).
pub const KNOWN_ANNOTATIONS: &[&str] = &[
    "key",
    "unique",
    "index",
    "range",
    "check",
    "card",
    "embed",
    "description",
    "instruction",
    "rename_from",
];

/// Validates a parsed schema. Returns the parts when there is no error, plus every
/// diagnostic found (at most one per code and span).
pub fn validate(schema: &ast::Schema) -> (Option<Parts>, Vec<Diagnostic>) {
    let mut v = Validator { diags: Vec::new() };
    let parts = v.run(schema);
    let mut seen = HashSet::new();
    let mut diags: Vec<Diagnostic> = v
        .diags
        .into_iter()
        .filter(|d| seen.insert((d.code, d.span)))
        .collect();
    diags.sort_by_key(|d| (d.span.start, d.span.end));
    let ok = !diags.iter().any(Diagnostic::is_error);
    (if ok { Some(parts) } else { None }, diags)
}

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

fn bounds_text(b: &Bounds) -> String {
    let lo = b.lo.as_ref().map_or("", |n| n.text.as_str());
    let hi = if b.hi_star {
        "*"
    } else {
        b.hi.as_ref().map_or("", |n| n.text.as_str())
    };
    format!("{lo}..{hi}")
}

fn ann_key(a: &Annotation) -> (String, Option<String>) {
    (a.name.text.clone(), a.args.as_deref().map(args_text))
}

/// Span of `@name` (without arguments).
fn head_span(a: &Annotation) -> Span {
    Span::new(a.span.start, a.name.span.end)
}

/// Single string-or-identifier argument.
fn single_text(a: &Annotation) -> Option<(&str, Span)> {
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

#[derive(Debug, Clone)]
enum CKind {
    Key,
    Unique,
    Index,
    Range(Bounds),
    Check(String, Span),
}

impl CKind {
    fn name(&self) -> &'static str {
        match self {
            CKind::Key => "key",
            CKind::Unique => "unique",
            CKind::Index => "index",
            CKind::Range(_) => "range",
            CKind::Check(..) => "check",
        }
    }
}

/// A constraint from a property annotation (sugar) or a body member.
#[derive(Debug, Clone)]
struct Item {
    kind: CKind,
    props: Vec<Name>,
    span: Span,
}

/// Type-level metadata from header annotations.
#[derive(Debug, Default)]
struct DeclMeta {
    description: Option<String>,
    instruction: Option<String>,
    rename_from: Option<String>,
    card: Option<Cardinality>,
    annotations: Vec<MetaAnnotation>,
}

/// A property in a type's scope: the syntax node plus merged annotations.
struct ScopedProp<'a> {
    prop: &'a ast::Property,
    annotations: Vec<&'a Annotation>,
}

struct Lowered {
    props: Vec<PropertyDef>,
    key: Option<String>,
    constraints: Constraints,
}

struct Validator {
    diags: Vec<Diagnostic>,
}

impl Validator {
    fn err(&mut self, code: &'static str, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::new(code, span, msg));
    }

    fn err_help(
        &mut self,
        code: &'static str,
        span: Span,
        msg: impl Into<String>,
        help: Option<String>,
    ) {
        self.diags
            .push(Diagnostic::new(code, span, msg).with_help_opt(help));
    }

    fn run(&mut self, schema: &ast::Schema) -> Parts {
        // names: one namespace, unique ignoring ASCII case
        let mut by_lower: HashMap<String, &Decl> = HashMap::new();
        let mut live: Vec<&Decl> = Vec::new();
        for d in &schema.decls {
            let lower = d.name.text.to_ascii_lowercase();
            if let Some(prev) = by_lower.get(&lower) {
                let msg = if prev.name.text == d.name.text {
                    format!("type `{}` is declared more than once", d.name.text)
                } else {
                    format!(
                        "type name `{}` clashes with `{}` (type names are compared ignoring case)",
                        d.name.text, prev.name.text
                    )
                };
                self.err("E-S001", d.name.span, msg);
                continue;
            }
            by_lower.insert(lower.clone(), d);
            if d.kind == DeclKind::Edge && is_reserved(&lower) {
                self.err_help(
                    "E-S017",
                    d.name.span,
                    format!(
                        "edge `{}` cannot be used in queries: `{lower}` is a reserved word",
                        d.name.text
                    ),
                    Some("rename the edge type".to_string()),
                );
            }
            live.push(d);
        }
        let interfaces: HashMap<&str, &Decl> = live
            .iter()
            .filter(|d| d.kind == DeclKind::Interface)
            .map(|d| (d.name.text.as_str(), *d))
            .collect();
        let node_names: Vec<&str> = live
            .iter()
            .filter(|d| d.kind == DeclKind::Node)
            .map(|d| d.name.text.as_str())
            .collect();
        let iface_names: Vec<&str> = interfaces.keys().copied().collect();

        let mut parts = Parts {
            interfaces: Vec::new(),
            nodes: Vec::new(),
            edges: Vec::new(),
        };
        for d in &live {
            match d.kind {
                DeclKind::Interface => {
                    let meta = self.decl_meta(d);
                    for c in &d.constraints {
                        self.err(
                            "E-S010",
                            head_span(c),
                            format!(
                                "interface `{}` cannot declare constraints; `@{}` belongs on the implementing node types",
                                d.name.text, c.name.text
                            ),
                        );
                    }
                    let scoped = self.own_props(d);
                    let low = self.lower_scope(d, &scoped, &[]);
                    parts.interfaces.push(InterfaceDef {
                        name: d.name.text.clone(),
                        properties: low.props,
                        description: meta.description,
                        rename_from: meta.rename_from,
                        annotations: meta.annotations,
                    });
                }
                DeclKind::Node => {
                    let meta = self.decl_meta(d);
                    let mut scoped = self.own_props(d);
                    let mut implements = Vec::new();
                    // property name -> (type, where it came from)
                    let mut origin: HashMap<String, (Option<PropType>, Option<String>)> =
                        HashMap::new();
                    for sp in &scoped {
                        let t = self.lower_type_quiet(&sp.prop.ty);
                        origin.insert(sp.prop.name.text.clone(), (t, None));
                    }
                    for iname in &d.implements {
                        let Some(idecl) = interfaces.get(iname.text.as_str()) else {
                            let msg = if node_names.contains(&iname.text.as_str()) {
                                format!("`{}` is a node type, not an interface", iname.text)
                            } else {
                                format!("unknown interface `{}`", iname.text)
                            };
                            let help = did_you_mean_help(&iname.text, iface_names.iter());
                            self.err_help("E-S003", iname.span, msg, help);
                            continue;
                        };
                        if !implements.contains(&iname.text) {
                            implements.push(iname.text.clone());
                        }
                        for ip in &idecl.properties {
                            let it = self.lower_type_quiet(&ip.ty);
                            let pname = &ip.name.text;
                            if let Some((t, from_iface)) = origin.get(pname).cloned() {
                                if t.is_some() && it.is_some() && t != it {
                                    let (span, other) = match &from_iface {
                                        None => {
                                            let own = scoped
                                                .iter()
                                                .find(|s| &s.prop.name.text == pname)
                                                .map_or(iname.span, |s| s.prop.ty.span);
                                            (own, format!("`{}`", d.name.text))
                                        }
                                        Some(other) => (iname.span, format!("interface `{other}`")),
                                    };
                                    self.err(
                                        "E-S004",
                                        span,
                                        format!(
                                            "property `{pname}` of `{}` has conflicting types: `{}` in {other} and `{}` in interface `{}`",
                                            d.name.text,
                                            t.map(|t| t.pg()).unwrap_or_default(),
                                            it.map(|t| t.pg()).unwrap_or_default(),
                                            iname.text
                                        ),
                                    );
                                    continue;
                                }
                                // merge annotations (the node's own metadata wins)
                                if let Some(sp) =
                                    scoped.iter_mut().find(|s| &s.prop.name.text == pname)
                                {
                                    for a in &ip.annotations {
                                        let single = matches!(
                                            a.name.text.as_str(),
                                            "description" | "embed" | "rename_from"
                                        );
                                        let dup = sp.annotations.iter().any(|b| {
                                            ann_key(b) == ann_key(a)
                                                || (single && b.name.text == a.name.text)
                                        });
                                        if !dup {
                                            sp.annotations.push(a);
                                        }
                                    }
                                }
                            } else {
                                origin.insert(pname.clone(), (it, Some(iname.text.clone())));
                                scoped.push(ScopedProp {
                                    prop: ip,
                                    annotations: ip.annotations.iter().collect(),
                                });
                            }
                        }
                    }
                    let body: Vec<&Annotation> = d.constraints.iter().collect();
                    let low = self.lower_scope(d, &scoped, &body);
                    parts.nodes.push(TypeDef {
                        kind: TypeKind::Node,
                        name: d.name.text.clone(),
                        type_id: String::new(),
                        from: None,
                        to: None,
                        properties: low.props,
                        key: low.key,
                        constraints: low.constraints,
                        card: None,
                        implements,
                        description: meta.description,
                        instruction: meta.instruction,
                        rename_from: meta.rename_from,
                        annotations: meta.annotations,
                    });
                }
                DeclKind::Edge => {
                    let meta = self.decl_meta(d);
                    let mut from = None;
                    let mut to = None;
                    if let Some((f, t)) = &d.endpoints {
                        for (n, verb, slot) in
                            [(f, "starts at", &mut from), (t, "targets", &mut to)]
                        {
                            if node_names.contains(&n.text.as_str()) {
                                *slot = Some(n.text.clone());
                            } else {
                                let help = if interfaces.contains_key(n.text.as_str()) {
                                    Some(
                                        "edges connect node types; interfaces cannot be endpoints"
                                            .to_string(),
                                    )
                                } else {
                                    did_you_mean_help(&n.text, node_names.iter())
                                };
                                self.err_help(
                                    "E-S003",
                                    n.span,
                                    format!(
                                        "edge `{}` {verb} `{}`, which is not a node type",
                                        d.name.text, n.text
                                    ),
                                    help,
                                );
                            }
                        }
                    }
                    let scoped = self.own_props(d);
                    let body: Vec<&Annotation> = d.constraints.iter().collect();
                    let low = self.lower_scope(d, &scoped, &body);
                    parts.edges.push(TypeDef {
                        kind: TypeKind::Edge,
                        name: d.name.text.clone(),
                        type_id: String::new(),
                        from,
                        to,
                        properties: low.props,
                        key: None,
                        constraints: low.constraints,
                        card: Some(meta.card.unwrap_or_default()),
                        implements: Vec::new(),
                        description: meta.description,
                        instruction: meta.instruction,
                        rename_from: meta.rename_from,
                        annotations: meta.annotations,
                    });
                }
            }
        }
        parts
    }

    /// The declaration's own properties; reports duplicates (E-S002) and reserved names
    /// (E-S005). Duplicates are dropped.
    fn own_props<'a>(&mut self, d: &'a Decl) -> Vec<ScopedProp<'a>> {
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

    /// Header annotations of a declaration.
    fn decl_meta(&mut self, d: &Decl) -> DeclMeta {
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

    fn custom(&mut self, a: &Annotation, out: &mut Vec<MetaAnnotation>) {
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

    fn description(&mut self, a: &Annotation, slot: &mut Option<String>, owner: &str) {
        self.doc_annotation(a, slot, owner, "description")
    }

    fn instruction(&mut self, a: &Annotation, slot: &mut Option<String>, owner: &str) {
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

    fn rename_from(&mut self, a: &Annotation, slot: &mut Option<String>, owner: &str) {
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

    fn card(&mut self, a: &Annotation, edge: &str) -> Option<Cardinality> {
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
    fn lower_type_quiet(&mut self, t: &TypeExpr) -> Option<PropType> {
        let n = self.diags.len();
        let r = self.lower_type(t);
        self.diags.truncate(n);
        r
    }

    /// Lowers the properties of a scope, interprets annotations and constraints.
    fn lower_scope(
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
        // embed rules (§2.6)
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

    fn body_constraint(&mut self, d: &Decl, a: &Annotation, items: &mut Vec<Item>) {
        let tname = &d.name.text;
        let name = a.name.text.as_str();
        let args = a.args.as_deref();
        match name {
            "key" | "unique" | "index" => {
                let Some(args) = args.filter(|v| !v.is_empty()) else {
                    self.err_help(
                        "E-P002",
                        a.span,
                        format!("@{name} in the body of `{tname}` needs property names"),
                        Some(format!("write `@{name}(property, …)`")),
                    );
                    return;
                };
                let mut props = Vec::new();
                for arg in args {
                    match arg {
                        AnnArg::Ident(n) => props.push(n.clone()),
                        other => {
                            self.err(
                                "E-P002",
                                other.span(),
                                format!("expected a property name in @{name}"),
                            );
                            return;
                        }
                    }
                }
                let kind = match name {
                    "key" => CKind::Key,
                    "unique" => CKind::Unique,
                    _ => CKind::Index,
                };
                items.push(Item {
                    kind,
                    props,
                    span: a.span,
                });
            }
            "range" => match args {
                Some([AnnArg::Ident(p), AnnArg::Bounds(b)]) => items.push(Item {
                    kind: CKind::Range(b.clone()),
                    props: vec![p.clone()],
                    span: a.span,
                }),
                _ => self.err_help(
                    "E-S011",
                    a.span,
                    format!("invalid @range in `{tname}`"),
                    Some("write `@range(property, lo..hi)`".to_string()),
                ),
            },
            "check" => match args {
                Some([AnnArg::Ident(p), AnnArg::Str { value, span }]) => items.push(Item {
                    kind: CKind::Check(value.clone(), *span),
                    props: vec![p.clone()],
                    span: a.span,
                }),
                _ => self.err_help(
                    "E-S012",
                    a.span,
                    format!("invalid @check in `{tname}`"),
                    Some("write `@check(property, \"regex\")`".to_string()),
                ),
            },
            "card" => self.err_help(
                "E-S010",
                head_span(a),
                format!(
                    "@card is not allowed in the body of {} `{tname}`",
                    d.kind.keyword()
                ),
                Some(if d.kind == DeclKind::Edge {
                    "write @card after the edge's endpoints: `edge E: A -> B @card(0..1)`"
                        .to_string()
                } else {
                    "@card belongs on edge types".to_string()
                }),
            ),
            "description" | "instruction" | "rename_from" | "embed" => self.err_help(
                "E-S010",
                head_span(a),
                format!("@{name} is not allowed in the body of `{tname}`"),
                Some(format!("write @{name} on the declaration or a property")),
            ),
            _ => {
                // unknown body annotation: kept as type metadata by the caller? Report only.
                let mut sink = Vec::new();
                self.custom(a, &mut sink);
            }
        }
    }

    /// Resolves and checks constraint items; returns the key and the constraints.
    fn check_items(
        &mut self,
        d: &Decl,
        props: &[PropertyDef],
        mut items: Vec<Item>,
    ) -> (Option<String>, Constraints) {
        let tname = d.name.text.as_str();
        let is_edge = d.kind == DeclKind::Edge;
        items.sort_by_key(|i| i.span.start);
        let string_t = PropType::scalar(ScalarType::String);
        // lookup: (canonical name, type)
        let lookup = |n: &str, endpoints_ok: bool| -> Option<(String, PropType)> {
            if is_edge && endpoints_ok {
                match n {
                    "src" | "from" => return Some(("src".into(), string_t.clone())),
                    "dst" | "to" => return Some(("dst".into(), string_t.clone())),
                    _ => {}
                }
            }
            props
                .iter()
                .find(|p| p.name == n)
                .map(|p| (p.name.clone(), p.ty.clone()))
        };
        let mut key: Option<String> = None;
        let mut c = Constraints::default();
        // keys first so that redundant @unique/@index can be recognised
        let (keys, rest): (Vec<Item>, Vec<Item>) = items
            .into_iter()
            .partition(|i| matches!(i.kind, CKind::Key));
        for it in keys.into_iter().chain(rest) {
            let cname = it.kind.name();
            let endpoints_ok = matches!(it.kind, CKind::Unique | CKind::Index);
            let mut resolved = Vec::new();
            let mut ok = true;
            for n in &it.props {
                match lookup(&n.text, endpoints_ok) {
                    Some(r) => resolved.push((r.0, r.1, n.span)),
                    None => {
                        ok = false;
                        if d.kind == DeclKind::Interface {
                            continue;
                        }
                        let help = did_you_mean_help(&n.text, props.iter().map(|p| &p.name));
                        self.err_help(
                            "E-S008",
                            n.span,
                            format!("@{cname} on `{tname}` names unknown property `{}`", n.text),
                            help,
                        );
                    }
                }
            }
            if !ok {
                continue;
            }
            let names: Vec<String> = resolved.iter().map(|r| r.0.clone()).collect();
            let mut sorted = names.clone();
            sorted.sort();
            let kind_word = |t: &PropType| match &t.core {
                Core::List(_) => "list",
                Core::Vector(_) => "vector",
                Core::Scalar(ScalarType::Blob) => "Blob",
                _ => "",
            };
            match &it.kind {
                CKind::Key => {
                    if is_edge {
                        self.err_help(
                            "E-S007",
                            it.span,
                            format!("edge `{tname}` cannot have a @key"),
                            Some(
                                "edges get their id from the writer; use @unique for uniqueness"
                                    .to_string(),
                            ),
                        );
                        continue;
                    }
                    if names.len() != 1 {
                        self.err_help(
                            "E-S007",
                            it.span,
                            format!(
                                "@key on `{tname}` must name exactly one property, found `{}`",
                                names.join(", ")
                            ),
                            Some(format!(
                                "keep one key property and add `@unique({})`",
                                names.join(", ")
                            )),
                        );
                        continue;
                    }
                    let (pname, pty, _) = &resolved[0];
                    if let Some(k) = &key {
                        if k == pname {
                            self.err(
                                "E-S016",
                                it.span,
                                format!("@key({pname}) is declared twice on `{tname}`"),
                            );
                        } else {
                            self.err_help(
                                "E-S007",
                                it.span,
                                format!("`{tname}` already has a @key (`{k}`); a node type has at most one key"),
                                Some(format!("keep one key and use `@unique({pname})` instead")),
                            );
                        }
                        continue;
                    }
                    if pty.nullable {
                        self.err_help(
                            "E-S007",
                            it.span,
                            format!("@key property `{tname}.{pname}` must not be nullable"),
                            Some(format!(
                                "declare it as `{}`",
                                PropType {
                                    nullable: false,
                                    ..pty.clone()
                                }
                                .pg()
                            )),
                        );
                        continue;
                    }
                    if !key_type_allowed(pty) {
                        self.err_help(
                            "E-S007",
                            it.span,
                            format!(
                                "@key is not allowed on `{}` property `{tname}.{pname}`",
                                pty.pg()
                            ),
                            Some(
                                "a key must be String, an enum, an integer type, Date or DateTime"
                                    .to_string(),
                            ),
                        );
                        continue;
                    }
                    key = Some(pname.clone());
                }
                CKind::Unique | CKind::Index => {
                    let is_unique = matches!(it.kind, CKind::Unique);
                    let mut bad = false;
                    for (pname, pty, _) in &resolved {
                        let w = kind_word(pty);
                        let refused = if is_unique {
                            !w.is_empty()
                        } else {
                            w == "list" || w == "Blob"
                        };
                        if refused {
                            self.err(
                                "E-S009",
                                it.span,
                                format!(
                                    "@{cname} is not allowed on {w} property `{tname}.{pname}`"
                                ),
                            );
                            bad = true;
                        }
                    }
                    if bad {
                        continue;
                    }
                    let list = if is_unique {
                        &mut c.unique
                    } else {
                        &mut c.index
                    };
                    let same = |t: &Vec<String>| {
                        let mut t = t.clone();
                        t.sort();
                        t == sorted
                    };
                    if list.iter().any(same) {
                        self.err(
                            "E-S016",
                            it.span,
                            format!(
                                "@{cname}({}) is declared twice on `{tname}`",
                                sorted.join(", ")
                            ),
                        );
                        continue;
                    }
                    if key.is_some() && sorted.len() == 1 && key.as_ref() == sorted.first() {
                        self.diags.push(
                            Diagnostic::new(
                                "W-S002",
                                it.span,
                                format!(
                                    "@{cname}({}) on `{tname}` is redundant: `{}` is the key",
                                    sorted.join(", "),
                                    sorted[0]
                                ),
                            )
                            .with_help("@key already implies @unique and @index"),
                        );
                        continue;
                    }
                    list.push(names);
                }
                CKind::Range(b) => {
                    let (pname, pty, _) = &resolved[0];
                    let Some(scalar) = pty.as_scalar().filter(|s| s.is_numeric()) else {
                        self.err(
                            "E-S009",
                            it.span,
                            format!("@range is only allowed on numeric properties, `{tname}.{pname}` is `{}`", pty.pg()),
                        );
                        continue;
                    };
                    if c.range.iter().any(|r| &r.property == pname) {
                        self.err(
                            "E-S016",
                            it.span,
                            format!("@range on `{tname}.{pname}` is declared twice"),
                        );
                        continue;
                    }
                    if let Some(r) = self.range_bounds(b, scalar, tname, pname) {
                        c.range.push(r);
                    }
                }
                CKind::Check(pattern, pspan) => {
                    let (pname, pty, _) = &resolved[0];
                    if pty.as_scalar() != Some(ScalarType::String) {
                        self.err(
                            "E-S009",
                            it.span,
                            format!("@check is only allowed on String properties, `{tname}.{pname}` is `{}`", pty.pg()),
                        );
                        continue;
                    }
                    if c.check
                        .iter()
                        .any(|ch| &ch.property == pname && &ch.pattern == pattern)
                    {
                        self.err(
                            "E-S016",
                            it.span,
                            format!("@check on `{tname}.{pname}` is declared twice"),
                        );
                        continue;
                    }
                    match CheckConstraint::new(pname.clone(), pattern.clone()) {
                        Ok(ch) => c.check.push(ch),
                        Err(e) => {
                            let text = e.to_string();
                            let detail = text
                                .lines()
                                .rev()
                                .find(|l| !l.trim().is_empty())
                                .unwrap_or("")
                                .trim();
                            let detail = detail.strip_prefix("error: ").unwrap_or(detail);
                            self.err(
                                "E-S012",
                                *pspan,
                                format!("invalid regex in @check on `{tname}.{pname}`: {detail}"),
                            );
                        }
                    }
                }
            }
        }
        (key, c)
    }

    fn range_bounds(
        &mut self,
        b: &Bounds,
        scalar: ScalarType,
        tname: &str,
        pname: &str,
    ) -> Option<RangeConstraint> {
        if b.hi_star {
            self.err("E-S011", b.span, format!("@range on `{tname}.{pname}`: `*` is only allowed in @card; omit the upper bound instead"));
            return None;
        }
        if b.lo.is_none() && b.hi.is_none() {
            self.err(
                "E-S011",
                b.span,
                format!("@range on `{tname}.{pname}` needs at least one bound"),
            );
            return None;
        }
        let mut conv = |n: &Option<NumLit>| -> Result<Option<Number>, ()> {
            let Some(n) = n else { return Ok(None) };
            if scalar.is_integer() {
                if n.is_float {
                    self.err("E-S011", n.span, format!("@range on integer property `{tname}.{pname}` needs integer bounds, found `{}`", n.text));
                    return Err(());
                }
                let v: Option<i128> = n.text.parse::<i128>().ok();
                let (min, max): (i128, i128) = match scalar {
                    ScalarType::I32 => (i128::from(i32::MIN), i128::from(i32::MAX)),
                    ScalarType::I64 => (i128::from(i64::MIN), i128::from(i64::MAX)),
                    ScalarType::U32 => (0, i128::from(u32::MAX)),
                    _ => (0, i128::from(u64::MAX)),
                };
                match v {
                    Some(v) if v >= min && v <= max => Ok(Some(match i64::try_from(v) {
                        Ok(i) => Number::Int(i),
                        Err(_) => Number::UInt(u64::try_from(v).unwrap_or(u64::MAX)),
                    })),
                    _ => {
                        self.err("E-S011", n.span, format!("@range bound `{}` is out of range for `{}` property `{tname}.{pname}`", n.text, scalar));
                        Err(())
                    }
                }
            } else {
                match n.text.parse::<f64>() {
                    Ok(f)
                        if f.is_finite()
                            && (scalar != ScalarType::F32 || f.abs() <= f64::from(f32::MAX)) =>
                    {
                        Ok(Some(if n.is_float {
                            Number::Float(f)
                        } else {
                            match n.text.parse::<i64>() {
                                Ok(i) => Number::Int(i),
                                Err(_) => Number::Float(f),
                            }
                        }))
                    }
                    _ => {
                        self.err("E-S011", n.span, format!("@range bound `{}` is out of range for `{}` property `{tname}.{pname}`", n.text, scalar));
                        Err(())
                    }
                }
            }
        };
        let lo = conv(&b.lo).ok()?;
        let hi = conv(&b.hi).ok()?;
        if let (Some(l), Some(h)) = (lo, hi) {
            let greater = match (l.as_i128(), h.as_i128()) {
                (Some(a), Some(b)) => a > b,
                _ => l.as_f64() > h.as_f64(),
            };
            if greater {
                self.err(
                    "E-S011",
                    b.span,
                    format!(
                        "@range({}) on `{tname}.{pname}`: the lower bound exceeds the upper bound",
                        bounds_text(b)
                    ),
                );
                return None;
            }
        }
        Some(RangeConstraint {
            property: pname.to_string(),
            lo,
            hi,
        })
    }
}
