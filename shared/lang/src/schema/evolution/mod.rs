//! Schema evolution (docs/reference/schema.md, "Schema evolution"): the ordered migration
//! [`Plan`] from an accepted catalog to a desired one, its refusals E-M001…E-M007, and helpers
//! for the apply-time validation that the engine reports as E-M008.
//!
//! This module owns the plan's shape and its diagnostics; `matching` pairs accepted and
//! desired entities (renames via `@rename_from`) and `planner` computes the steps.

mod matching;
mod planner;

use crate::diagnostics::diagnostic::Diagnostic;
use crate::diagnostics::span::Span;
use crate::schema::ast::{Decl, Schema};
use crate::schema::catalog::{Cardinality, TypeKind};
use serde::{Deserialize, Serialize};

pub use planner::plan;

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

/// One migration step (docs/reference/schema.md, "Plan steps"), serialized with a snake_case
/// `kind`.
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

/// True if applying `step` must validate existing data first (docs/reference/schema.md, "Plan
/// steps").
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::catalog::Catalog;
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
