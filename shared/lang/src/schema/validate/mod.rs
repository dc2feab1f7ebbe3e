//! Schema validation (docs/reference/schema.md, "Validation"): resolves names, expands
//! interfaces, lowers property types and interprets annotations and constraints, reporting
//! E-S001…E-S018, W-S001 and W-S002. The result is the list of catalog parts that
//! [`crate::schema::catalog::Catalog`] assembles.
//!
//! This module owns the entry point, the validator's state and the declaration walk; the
//! submodules check properties and types, annotations, and constraints.

mod annotations;
mod constraints;
mod properties;

use self::annotations::{ann_key, head_span};
use crate::diagnostics::diagnostic::{did_you_mean_help, Diagnostic};
use crate::diagnostics::span::Span;
use crate::schema::ast::{self, Annotation, Bounds, Decl, DeclKind, Name};
use crate::schema::catalog::{
    Cardinality, Constraints, InterfaceDef, MetaAnnotation, PropertyDef, TypeDef, TypeKind,
};
use crate::schema::types::PropType;
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
}
