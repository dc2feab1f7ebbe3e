//! The planner: the steps that turn the accepted catalog into the desired one, in the
//! order they apply, or the refusal of each unsupported change.

use super::matching::{match_entities, Matching};
use super::{Plan, Step};
use crate::schema::catalog::{edge_table_key, node_table_key, Catalog, TypeDef, TypeKind};
use crate::schema::types::Core;
use std::collections::HashMap;

pub(super) fn unsupported(entity: String, code: &str, reason: String) -> Step {
    Step::UnsupportedChange {
        entity,
        code: code.to_string(),
        reason,
    }
}

/// Plans the migration from `accepted` to `desired` (docs/reference/schema.md, "Schema evolution").
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
                edge_table_key(&tn),
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
            s.push(unsupported(node_table_key(&tn), "E-M006", reason));
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
