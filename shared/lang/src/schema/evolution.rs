//! Schema evolution (§3): matching accepted and desired catalogs (renames via
//! `@rename_from`), the ordered migration [`Plan`], the refusals E-M001…E-M007, and helpers for
//! the apply-time validation that the engine reports as E-M008.

use crate::diagnostics::diagnostic::Diagnostic;
use crate::diagnostics::span::Span;
use crate::schema::ast::{Decl, Schema};
use crate::schema::catalog::{Cardinality, Catalog, InterfaceDef, PropertyDef, TypeDef, TypeKind};
use crate::schema::types::Core;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// `{min, max}` of a cardinality in a plan step (`max: null` = unbounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardBounds {
    pub min: u64,
    pub max: Option<u64>,
}

impl From<Cardinality> for CardBounds {
    fn from(c: Cardinality) -> Self {
        CardBounds {
            min: c.min,
            max: c.max,
        }
    }
}

/// One migration step (§3.3), serialized with a snake_case `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    AddType {
        type_kind: TypeKind,
        name: String,
    },
    RenameType {
        type_kind: TypeKind,
        from: String,
        to: String,
    },
    AddProperty {
        type_kind: TypeKind,
        type_name: String,
        property: String,
        property_type: String,
    },
    RenameProperty {
        type_kind: TypeKind,
        type_name: String,
        from: String,
        to: String,
    },
    RelaxProperty {
        type_kind: TypeKind,
        type_name: String,
        property: String,
        from_type: String,
        to_type: String,
    },
    AddConstraint {
        type_kind: TypeKind,
        type_name: String,
        constraint: String,
    },
    DropConstraint {
        type_kind: TypeKind,
        type_name: String,
        constraint: String,
    },
    SetCardinality {
        edge: String,
        before: CardBounds,
        after: CardBounds,
    },
    RemoveInterface {
        name: String,
    },
    UpdateTypeMetadata {
        type_kind: TypeKind,
        name: String,
        annotations: Vec<String>,
    },
    UpdatePropertyMetadata {
        type_kind: TypeKind,
        type_name: String,
        property: String,
        annotations: Vec<String>,
    },
    UnsupportedChange {
        entity: String,
        code: String,
        reason: String,
    },
}

impl Step {
    pub fn is_unsupported(&self) -> bool {
        matches!(self, Step::UnsupportedChange { .. })
    }
}

/// The result of [`plan`]: `supported` is false iff some step is `unsupported_change`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub supported: bool,
    pub steps: Vec<Step>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The refusals, as `(entity, code, reason)`.
    pub fn unsupported(&self) -> Vec<(&str, &str, &str)> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                Step::UnsupportedChange {
                    entity,
                    code,
                    reason,
                } => Some((entity.as_str(), code.as_str(), reason.as_str())),
                _ => None,
            })
            .collect()
    }

    /// Refusals as diagnostics with spans in the desired schema source (the entity's
    /// declaration, property or `@rename_from`; removed types point at the start of the file).
    pub fn diagnostics(&self, desired_src: &str) -> Vec<Diagnostic> {
        let (ast, _) = crate::schema::parse_schema(desired_src);
        let mut out: Vec<Diagnostic> = self
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::UnsupportedChange {
                    entity,
                    code,
                    reason,
                } => {
                    let code = crate::diagnostics::codes::lookup(code).map_or("E-M004", |c| c.code);
                    Some(Diagnostic::new(
                        code,
                        locate(&ast, entity, code),
                        reason.clone(),
                    ))
                }
                _ => None,
            })
            .collect();
        out.sort_by_key(|d| (d.span.start, d.span.end));
        out
    }

    /// Steps whose apply must first validate existing rows (E-M008 on violation):
    /// `add_constraint` of `@unique`, `@range`, `@check`, and narrowing `set_cardinality`.
    pub fn validation_required(&self) -> Vec<&Step> {
        self.steps
            .iter()
            .filter(|s| step_needs_validation(s))
            .collect()
    }
}

/// True if applying `step` must validate existing data first (§3.3).
pub fn step_needs_validation(step: &Step) -> bool {
    match step {
        Step::AddConstraint { constraint, .. } => {
            constraint.starts_with("@unique")
                || constraint.starts_with("@range")
                || constraint.starts_with("@check")
        }
        Step::SetCardinality { before, after, .. } => {
            let max_narrowed = match (before.max, after.max) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(b), Some(a)) => a < b,
            };
            after.min > before.min || max_narrowed
        }
        _ => false,
    }
}

/// The E-M008 diagnostic the engine reports when existing data violates a constraint being
/// added or tightened; `row_id` names the offending row. The span points at the type's
/// declaration in the desired schema source.
pub fn constraint_violation(
    desired_src: &str,
    type_name: &str,
    constraint: &str,
    row_id: &str,
    detail: &str,
) -> Diagnostic {
    let (ast, _) = crate::schema::parse_schema(desired_src);
    let span = find_decl(&ast, type_name).map_or(Span::empty(0), |d| d.name.span);
    Diagnostic::new(
        "E-M008",
        span,
        format!("{constraint} on `{type_name}` is violated by existing row `{row_id}`: {detail}"),
    )
    .with_help("fix or remove the offending rows, then apply the schema again")
}

fn find_decl<'a>(ast: &'a Schema, name: &str) -> Option<&'a Decl> {
    ast.decls.iter().find(|d| d.name.text == name)
}

fn locate(ast: &Schema, entity: &str, code: &str) -> Span {
    let Some((kind, rest)) = entity.split_once(':') else {
        return Span::empty(0);
    };
    if kind == "property" {
        let Some((t, p)) = rest.split_once('.') else {
            return Span::empty(0);
        };
        let Some(d) = find_decl(ast, t) else {
            return Span::empty(0);
        };
        let Some(prop) = d.properties.iter().find(|x| x.name.text == p) else {
            return d.name.span;
        };
        return match code {
            "E-M007" => prop
                .annotations
                .iter()
                .find(|a| a.name.text == "rename_from")
                .map_or(prop.name.span, |a| a.span),
            "E-M004" => prop.ty.span,
            _ => prop.name.span,
        };
    }
    let Some(d) = find_decl(ast, rest) else {
        return Span::empty(0);
    };
    match code {
        "E-M007" => d
            .annotations
            .iter()
            .find(|a| a.name.text == "rename_from")
            .map_or(d.name.span, |a| a.span),
        "E-M005" => d
            .endpoints
            .as_ref()
            .map_or(d.name.span, |(f, t)| f.span.to(t.span)),
        _ => d.name.span,
    }
}

/// One type-level entity to match (interfaces, nodes and edges share the logic).
trait Entity {
    fn name(&self) -> &str;
    fn rename_from(&self) -> Option<&str>;
}

impl Entity for TypeDef {
    fn name(&self) -> &str {
        &self.name
    }
    fn rename_from(&self) -> Option<&str> {
        self.rename_from.as_deref()
    }
}

impl Entity for InterfaceDef {
    fn name(&self) -> &str {
        &self.name
    }
    fn rename_from(&self) -> Option<&str> {
        self.rename_from.as_deref()
    }
}

impl Entity for PropertyDef {
    fn name(&self) -> &str {
        &self.name
    }
    fn rename_from(&self) -> Option<&str> {
        self.rename_from.as_deref()
    }
}

/// Matching result: for each desired entity, the index of its accepted match; plus bad
/// renames `(desired index, reason)` and the set of matched accepted indices.
struct Matching {
    of_desired: Vec<Option<usize>>,
    bad_renames: Vec<(usize, String)>,
    used: HashSet<usize>,
}

fn match_entities<E: Entity>(accepted: &[E], desired: &[E], what: &str) -> Matching {
    let mut m = Matching {
        of_desired: vec![None; desired.len()],
        bad_renames: Vec::new(),
        used: HashSet::new(),
    };
    for (i, d) in desired.iter().enumerate() {
        if let Some(j) = accepted.iter().position(|a| a.name() == d.name()) {
            m.of_desired[i] = Some(j);
            m.used.insert(j);
        }
    }
    for (i, d) in desired.iter().enumerate() {
        let Some(old) = d.rename_from() else { continue };
        let src = accepted.iter().position(|a| a.name() == old);
        if m.of_desired[i].is_some() {
            // matched by name; renaming another existing entity onto it is invalid
            if let Some(j) = src {
                if old != d.name() && !m.used.contains(&j) {
                    m.used.insert(j);
                    m.bad_renames.push((
                        i,
                        format!(
                            "cannot rename {what} `{old}` to `{}`: `{}` already exists",
                            d.name(),
                            d.name()
                        ),
                    ));
                }
            }
            continue;
        }
        match src {
            None => m.bad_renames.push((
                i,
                format!(
                    "@rename_from(\"{old}\") on `{}`: there is no {what} `{old}` to rename",
                    d.name()
                ),
            )),
            Some(j) if m.used.contains(&j) => m.bad_renames.push((
                i,
                format!(
                    "@rename_from(\"{old}\") on `{}`: {what} `{old}` is already matched",
                    d.name()
                ),
            )),
            Some(j) => {
                m.of_desired[i] = Some(j);
                m.used.insert(j);
            }
        }
    }
    m
}

fn unsupported(entity: String, code: &str, reason: String) -> Step {
    Step::UnsupportedChange {
        entity,
        code: code.to_string(),
        reason,
    }
}

/// Plans the migration from `accepted` to `desired` (§3.2–§3.4).
pub fn plan(accepted: &Catalog, desired: &Catalog) -> Plan {
    let mut steps: Vec<Step> = Vec::new();

    // interfaces: metadata only
    let im = match_entities(&accepted.interfaces, &desired.interfaces, "interface");
    let mut groups: Vec<(String, Vec<Step>)> = Vec::new();
    for (i, d) in desired.interfaces.iter().enumerate() {
        let mut s = Vec::new();
        for (bi, reason) in &im.bad_renames {
            if *bi == i {
                s.push(unsupported(
                    format!("interface:{}", d.name),
                    "E-M007",
                    reason.clone(),
                ));
            }
        }
        match im.of_desired[i].and_then(|j| accepted.interfaces.get(j)) {
            None => s.push(Step::AddType {
                type_kind: TypeKind::Interface,
                name: d.name.clone(),
            }),
            Some(a) => {
                if a.name != d.name {
                    s.push(Step::RenameType {
                        type_kind: TypeKind::Interface,
                        from: a.name.clone(),
                        to: d.name.clone(),
                    });
                }
                if a.metadata() != d.metadata() {
                    s.push(Step::UpdateTypeMetadata {
                        type_kind: TypeKind::Interface,
                        name: d.name.clone(),
                        annotations: d.metadata(),
                    });
                }
            }
        }
        groups.push((d.name.clone(), s));
    }
    for (j, a) in accepted.interfaces.iter().enumerate() {
        if !im.used.contains(&j) {
            groups.push((
                a.name.clone(),
                vec![Step::RemoveInterface {
                    name: a.name.clone(),
                }],
            ));
        }
    }
    flush(&mut steps, groups);

    // nodes, then edges
    let nm = match_entities(&accepted.nodes, &desired.nodes, "node type");
    let node_rename: HashMap<&str, &str> = desired
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            nm.of_desired[i]
                .and_then(|j| accepted.nodes.get(j))
                .map(|a| (a.name.as_str(), d.name.as_str()))
        })
        .collect();
    steps.extend(plan_types(
        &accepted.nodes,
        &desired.nodes,
        &nm,
        TypeKind::Node,
        &node_rename,
    ));
    let em = match_entities(&accepted.edges, &desired.edges, "edge type");
    steps.extend(plan_types(
        &accepted.edges,
        &desired.edges,
        &em,
        TypeKind::Edge,
        &node_rename,
    ));

    let supported = !steps.iter().any(Step::is_unsupported);
    Plan { supported, steps }
}

fn flush(steps: &mut Vec<Step>, mut groups: Vec<(String, Vec<Step>)>) {
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, s) in groups {
        steps.extend(s);
    }
}

fn plan_types(
    accepted: &[TypeDef],
    desired: &[TypeDef],
    m: &Matching,
    kind: TypeKind,
    node_rename: &HashMap<&str, &str>,
) -> Vec<Step> {
    let mut groups: Vec<(String, Vec<Step>)> = Vec::new();
    for (i, d) in desired.iter().enumerate() {
        let mut s = Vec::new();
        let entity = format!("{kind}:{}", d.name);
        for (bi, reason) in &m.bad_renames {
            if *bi == i {
                s.push(unsupported(entity.clone(), "E-M007", reason.clone()));
            }
        }
        match m.of_desired[i].and_then(|j| accepted.get(j)) {
            None => s.push(Step::AddType {
                type_kind: kind,
                name: d.name.clone(),
            }),
            Some(a) => plan_type(a, d, kind, node_rename, &mut s),
        }
        groups.push((d.name.clone(), s));
    }
    for (j, a) in accepted.iter().enumerate() {
        if !m.used.contains(&j) {
            groups.push((
                a.name.clone(),
                vec![unsupported(
                    format!("{kind}:{}", a.name),
                    "E-M001",
                    format!("removing {kind} type `{}` would destroy its data; export it first, then rebuild the graph", a.name),
                )],
            ));
        }
    }
    let mut out = Vec::new();
    flush(&mut out, groups);
    out
}

/// True if `from` → `to` is an allowed relaxation: `T` → `T?`, or enum widening.
fn relaxes(from: &crate::schema::types::PropType, to: &crate::schema::types::PropType) -> bool {
    if from.nullable && !to.nullable {
        return false;
    }
    match (&from.core, &to.core) {
        (Core::Enum(a), Core::Enum(b)) => a.iter().all(|v| b.contains(v)),
        (a, b) => a == b,
    }
}

fn plan_type(
    a: &TypeDef,
    d: &TypeDef,
    kind: TypeKind,
    node_rename: &HashMap<&str, &str>,
    s: &mut Vec<Step>,
) {
    let tn = d.name.clone();
    if a.name != d.name {
        s.push(Step::RenameType {
            type_kind: kind,
            from: a.name.clone(),
            to: d.name.clone(),
        });
    }
    if kind == TypeKind::Edge {
        let map = |n: &Option<String>| {
            n.as_deref()
                .map(|x| node_rename.get(x).copied().unwrap_or(x).to_string())
        };
        if map(&a.from) != d.from || map(&a.to) != d.to {
            s.push(unsupported(
                format!("edge:{tn}"),
                "E-M005",
                format!(
                    "edge `{tn}` changes its endpoints from `{} -> {}` to `{} -> {}`; existing edges would point at the wrong tables",
                    a.from.as_deref().unwrap_or("?"),
                    a.to.as_deref().unwrap_or("?"),
                    d.from.as_deref().unwrap_or("?"),
                    d.to.as_deref().unwrap_or("?")
                ),
            ));
        }
    }
    // properties
    let pm = match_entities(&a.properties, &d.properties, "property");
    let mut prop_rename: HashMap<String, String> = HashMap::new();
    let mut prop_groups: Vec<(String, Vec<Step>)> = Vec::new();
    for (i, dp) in d.properties.iter().enumerate() {
        let mut ps = Vec::new();
        let entity = format!("property:{tn}.{}", dp.name);
        for (bi, reason) in &pm.bad_renames {
            if *bi == i {
                ps.push(unsupported(entity.clone(), "E-M007", reason.clone()));
            }
        }
        match pm.of_desired[i].and_then(|j| a.properties.get(j)) {
            None => {
                if dp.ty.nullable {
                    ps.push(Step::AddProperty {
                        type_kind: kind,
                        type_name: tn.clone(),
                        property: dp.name.clone(),
                        property_type: dp.ty.pg(),
                    });
                } else {
                    ps.push(unsupported(
                        entity,
                        "E-M003",
                        format!(
                            "new property `{tn}.{}` is not nullable; existing rows would have no value — add it as `{}?`",
                            dp.name,
                            dp.ty.pg()
                        ),
                    ));
                }
            }
            Some(ap) => {
                prop_rename.insert(ap.name.clone(), dp.name.clone());
                if ap.name != dp.name {
                    ps.push(Step::RenameProperty {
                        type_kind: kind,
                        type_name: tn.clone(),
                        from: ap.name.clone(),
                        to: dp.name.clone(),
                    });
                }
                if ap.ty != dp.ty {
                    if relaxes(&ap.ty, &dp.ty) {
                        ps.push(Step::RelaxProperty {
                            type_kind: kind,
                            type_name: tn.clone(),
                            property: dp.name.clone(),
                            from_type: ap.ty.pg(),
                            to_type: dp.ty.pg(),
                        });
                    } else {
                        ps.push(unsupported(
                            entity,
                            "E-M004",
                            format!(
                                "property `{tn}.{}` changes type from `{}` to `{}`; existing values may not convert",
                                dp.name,
                                ap.ty.pg(),
                                dp.ty.pg()
                            ),
                        ));
                    }
                }
                if ap.metadata() != dp.metadata() {
                    ps.push(Step::UpdatePropertyMetadata {
                        type_kind: kind,
                        type_name: tn.clone(),
                        property: dp.name.clone(),
                        annotations: dp.metadata(),
                    });
                }
            }
        }
        prop_groups.push((dp.name.clone(), ps));
    }
    for (j, ap) in a.properties.iter().enumerate() {
        if !pm.used.contains(&j) {
            prop_groups.push((
                ap.name.clone(),
                vec![unsupported(
                    format!("property:{tn}.{}", ap.name),
                    "E-M002",
                    format!(
                        "removing property `{tn}.{}` would destroy its data",
                        ap.name
                    ),
                )],
            ));
        }
    }
    // the key
    if kind == TypeKind::Node {
        let old_key = a
            .key
            .as_ref()
            .map(|k| prop_rename.get(k).cloned().unwrap_or_else(|| k.clone()));
        if old_key != d.key {
            let reason = match (&a.key, &d.key) {
                (None, Some(k)) => format!("adding @key({k}) to `{tn}` would change the ids of existing nodes"),
                (Some(k), None) => format!("removing @key({k}) from `{tn}`: node ids are derived from the key"),
                (Some(o), Some(n)) => format!("changing the @key of `{tn}` from `{o}` to `{n}`: node ids are derived from the key"),
                (None, None) => String::new(),
            };
            s.push(unsupported(format!("node:{tn}"), "E-M006", reason));
        }
    }
    let mut out = Vec::new();
    flush(&mut out, prop_groups);
    s.extend(out);
    // constraints (accepted ones expressed with renamed properties)
    let mut ac = a.constraints.clone();
    let ren = |p: &String| prop_rename.get(p).cloned().unwrap_or_else(|| p.clone());
    for t in ac.unique.iter_mut().chain(ac.index.iter_mut()) {
        *t = t.iter().map(ren).collect();
        t.sort();
    }
    for r in &mut ac.range {
        r.property = ren(&r.property);
    }
    let checks: Vec<String> = ac
        .check
        .iter()
        .map(|c| {
            format!(
                "@check({}, {})",
                ren(&c.property),
                crate::schema::catalog::quote(&c.pattern)
            )
        })
        .collect();
    ac.check.clear();
    let mut before: Vec<String> = ac.canonical_list();
    before.extend(checks);
    before.sort();
    let after = d.constraints.canonical_list();
    for c in &before {
        if !after.contains(c) {
            s.push(Step::DropConstraint {
                type_kind: kind,
                type_name: tn.clone(),
                constraint: c.clone(),
            });
        }
    }
    for c in &after {
        if !before.contains(c) {
            s.push(Step::AddConstraint {
                type_kind: kind,
                type_name: tn.clone(),
                constraint: c.clone(),
            });
        }
    }
    if kind == TypeKind::Edge {
        let (b, af) = (
            a.cardinality().unwrap_or_default(),
            d.cardinality().unwrap_or_default(),
        );
        if b != af {
            s.push(Step::SetCardinality {
                edge: tn.clone(),
                before: b.into(),
                after: af.into(),
            });
        }
    }
    if a.metadata() != d.metadata() {
        s.push(Step::UpdateTypeMetadata {
            type_kind: kind,
            name: tn,
            annotations: d.metadata(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cat(src: &str) -> Catalog {
        Catalog::compile(src).unwrap()
    }

    fn steps(a: &str, d: &str) -> serde_json::Value {
        serde_json::to_value(plan(&cat(a), &cat(d))).unwrap()
    }

    #[test]
    fn identical_and_reordered_schemas_plan_nothing() {
        let a = "node A { x: I32 y: String? }\nedge E: A -> A";
        let b = "edge E: A -> A @card(0..*)\n// c\nnode A { y: String?\n x: I32 }";
        let p = plan(&cat(a), &cat(b));
        assert!(p.supported && p.is_empty());
    }

    #[test]
    fn supported_steps_in_order() {
        let a = r#"
            interface Old { z: I32? }
            node A implements Old { x: I32 s: enum(a, b) @description("s") }
            node B { k: String @key }
            edge E: A -> B @card(0..1)
        "#;
        let d = r#"
            interface New @description("n") { z: I32? }
            node A2 @rename_from("A") @instruction("use") implements New {
                x2: I32? @rename_from("x") @index
                s: enum(a, b, c)
                z: I32?
                w: String?
            }
            node B { k: String @key @check("^k") }
            node C { q: I32? }
            edge E: A2 -> B @card(1..1)
        "#;
        let v = steps(a, d);
        assert_eq!(v["supported"], json!(true));
        assert_eq!(
            v["steps"],
            json!([
                {"kind": "add_type", "type_kind": "interface", "name": "New"},
                {"kind": "remove_interface", "name": "Old"},
                {"kind": "rename_type", "type_kind": "node", "from": "A", "to": "A2"},
                {"kind": "relax_property", "type_kind": "node", "type_name": "A2", "property": "s",
                 "from_type": "enum(a, b)", "to_type": "enum(a, b, c)"},
                {"kind": "update_property_metadata", "type_kind": "node", "type_name": "A2",
                 "property": "s", "annotations": []},
                {"kind": "add_property", "type_kind": "node", "type_name": "A2", "property": "w",
                 "property_type": "String?"},
                {"kind": "rename_property", "type_kind": "node", "type_name": "A2", "from": "x", "to": "x2"},
                {"kind": "relax_property", "type_kind": "node", "type_name": "A2", "property": "x2",
                 "from_type": "I32", "to_type": "I32?"},
                {"kind": "add_constraint", "type_kind": "node", "type_name": "A2", "constraint": "@index(x2)"},
                {"kind": "update_type_metadata", "type_kind": "node", "name": "A2",
                 "annotations": ["@instruction(\"use\")", "implements New"]},
                {"kind": "add_constraint", "type_kind": "node", "type_name": "B", "constraint": "@check(k, \"^k\")"},
                {"kind": "add_type", "type_kind": "node", "name": "C"},
                {"kind": "set_cardinality", "edge": "E", "before": {"min": 0, "max": 1}, "after": {"min": 1, "max": 1}}
            ])
        );
        let p = plan(&cat(a), &cat(d));
        let needs: Vec<&Step> = p.validation_required();
        assert_eq!(needs.len(), 2);
    }

    #[test]
    fn refusals() {
        let p = plan(
            &cat("node A { x: I32 y: I32? }\nnode B {}"),
            &cat("node A { x: String z: I32 }"),
        );
        assert!(!p.supported);
        let codes: Vec<&str> = p.unsupported().iter().map(|u| u.1).collect();
        assert_eq!(codes, vec!["E-M004", "E-M002", "E-M003", "E-M001"]);
        let v = serde_json::to_value(&p.steps[0]).unwrap();
        assert_eq!(v["kind"], json!("unsupported_change"));
        assert_eq!(v["entity"], json!("property:A.x"));
        assert_eq!(v["code"], json!("E-M004"));
        // enum narrowing and key changes
        let p = plan(
            &cat("node A { k: String @key e: enum(a, b) }"),
            &cat("node A { k: String e: enum(a) }"),
        );
        let codes: Vec<&str> = p.unsupported().iter().map(|u| u.1).collect();
        assert_eq!(codes, vec!["E-M006", "E-M004"]);
        // renamed key property is not a key change
        let p = plan(
            &cat("node A { k: String @key }"),
            &cat("node A { k2: String @key @rename_from(\"k\") }"),
        );
        assert!(p.supported, "{p:?}");
        // endpoint types compared after node renames
        let p = plan(
            &cat("node A {}\nedge E: A -> A"),
            &cat("node B @rename_from(\"A\") {}\nedge E: B -> B"),
        );
        assert!(p.supported, "{p:?}");
        // rename source reused, and rename onto an existing name
        let p = plan(
            &cat("node A {}"),
            &cat("node B @rename_from(\"A\") {}\nnode C @rename_from(\"A\") {}"),
        );
        assert_eq!(
            p.unsupported().iter().map(|u| u.1).collect::<Vec<_>>(),
            vec!["E-M007"]
        );
        let p = plan(
            &cat("node A {}\nnode B {}"),
            &cat("node B @rename_from(\"A\") {}"),
        );
        assert_eq!(
            p.unsupported().iter().map(|u| u.1).collect::<Vec<_>>(),
            vec!["E-M007"]
        );
    }

    #[test]
    fn interface_property_changes_reach_nodes() {
        let p = plan(
            &cat("interface I { a: I32? }\nnode N implements I { x: I32 }"),
            &cat("interface I { a: I32? b: String? }\nnode N implements I { x: I32 }"),
        );
        assert!(p.supported);
        assert!(p.steps.iter().any(|s| matches!(s, Step::AddProperty { type_name, property, .. } if type_name == "N" && property == "b")));
        let p = plan(
            &cat("interface I { a: I32? }\nnode N implements I { x: I32 }"),
            &cat("node N { x: I32 }"),
        );
        let codes: Vec<&str> = p.unsupported().iter().map(|u| u.1).collect();
        assert_eq!(codes, vec!["E-M002"]);
    }
}
