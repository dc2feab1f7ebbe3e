//! Mutations: `insert`, `update` and `delete` statements, their assignments, endpoint
//! values and `where` conditions.

use super::literals::{assignable, convert_literal, literal_kind, literal_text, scalar, LitErr};
use super::Checker;
use crate::diagnostics::diagnostic::did_you_mean;
use crate::query::ast::*;
use crate::query::ir::{self, EntityKind, Operand};
use crate::query::schema_view::TypeInfo;
use crate::schema::types::{Core, PropType, ScalarType};
use crate::schema::value::Value;
use std::collections::BTreeSet;

/// Result of checking the assignments of one statement.
struct AssignOut {
    assignments: Vec<ir::Assignment>,
    id: Option<Operand>,
    from: Option<Operand>,
    to: Option<Operand>,
    seen: BTreeSet<String>,
}

impl<'a, 'd> Checker<'a, 'd> {
    // ----- mutations -----------------------------------------------------------------------

    pub(super) fn mutation(&mut self, stmts: &[Statement]) -> Vec<ir::Statement> {
        let mut out = Vec::new();
        for s in stmts {
            if let Some(x) = self.statement(s) {
                out.push(x);
            }
        }
        out
    }

    fn target_type(&mut self, n: &Name) -> Option<TypeInfo> {
        if let Some(t) = self.schema.type_exact(&n.name) {
            return Some(t.clone());
        }
        if self.schema.is_interface(&n.name) {
            self.err_help(
                "E-T010",
                n.span,
                format!("`{}` is an interface; interfaces hold no data", n.name),
                Some("write to a node type that implements it".into()),
            );
            return None;
        }
        let mut names: Vec<String> = self.schema.nodes.keys().cloned().collect();
        names.extend(self.schema.edges.values().map(|e| e.name.clone()));
        let help = did_you_mean(&n.name, names.iter()).map(|c| format!("did you mean `{c}`?"));
        self.err_help("E-T010", n.span, format!("unknown type `{}`", n.name), help);
        None
    }

    /// Types an assigned value against a property type. `Ok(None)` assigns null.
    fn assign_value(
        &mut self,
        value: &Expr,
        target: &PropType,
        what: &str,
    ) -> Result<Option<Operand>, ()> {
        match &value.kind {
            ExprKind::Lit(Literal::Null) => {
                if target.nullable {
                    Ok(None)
                } else {
                    self.err(
                        "E-T029",
                        value.span,
                        format!(
                            "{what} is not nullable ({}); it cannot be assigned `null`",
                            target.pg()
                        ),
                    );
                    Err(())
                }
            }
            ExprKind::Lit(l) => match convert_literal(l, &target.core, false) {
                Ok(v) => Ok(Some(Operand::Literal(v))),
                Err(LitErr::Mismatch) => {
                    self.err(
                        "E-T007",
                        value.span,
                        format!(
                            "cannot assign {} {} to {what} ({})",
                            literal_kind(l),
                            literal_text(l),
                            target.pg()
                        ),
                    );
                    Err(())
                }
                Err(LitErr::Invalid(m)) => {
                    self.err("E-T007", value.span, format!("{what}: {m}"));
                    Err(())
                }
            },
            ExprKind::Var(v) => {
                let Some(p) = self.param_ref(v) else {
                    return Err(());
                };
                if assignable(&p.ty.core, &target.core) {
                    Ok(Some(Operand::Param(p.name)))
                } else {
                    self.err(
                        "E-T007",
                        v.span,
                        format!(
                            "cannot assign `${}` ({}) to {what} ({})",
                            p.name,
                            p.ty.pg(),
                            target.pg()
                        ),
                    );
                    Err(())
                }
            }
            ExprKind::Now => {
                if matches!(target.core, Core::Scalar(ScalarType::DateTime)) {
                    Ok(Some(Operand::Now))
                } else {
                    self.err(
                        "E-T007",
                        value.span,
                        format!(
                            "cannot assign `now()` (DateTime) to {what} ({})",
                            target.pg()
                        ),
                    );
                    Err(())
                }
            }
            _ => Err(()),
        }
    }

    /// Types a node-id value for an edge endpoint (`from`/`to`) of node type `node`.
    fn endpoint_value(&mut self, value: &Expr, node: &str, what: &str) -> Result<Operand, ()> {
        let key = self.schema.key_type(node);
        let expected = match &key {
            Some(k) if !matches!(k.core, Core::Scalar(ScalarType::String)) => {
                format!("String or {} (the key type of `{node}`)", k.pg())
            }
            _ => "String".to_string(),
        };
        match &value.kind {
            ExprKind::Lit(Literal::Null) => {
                self.err("E-T029", value.span, format!("{what} cannot be `null`"));
                Err(())
            }
            ExprKind::Lit(Literal::Str(s)) => Ok(Operand::Literal(Value::String(s.clone()))),
            ExprKind::Lit(l) => {
                let converted = key
                    .as_ref()
                    .and_then(|k| convert_literal(l, &k.core, false).ok())
                    .and_then(|v| v.canonical_key_text());
                match converted {
                    Some(t) => Ok(Operand::Literal(Value::String(t))),
                    None => {
                        self.err(
                            "E-T007",
                            value.span,
                            format!(
                                "{what} takes a node id ({expected}), found {} {}",
                                literal_kind(l),
                                literal_text(l)
                            ),
                        );
                        Err(())
                    }
                }
            }
            ExprKind::Var(v) => {
                let Some(p) = self.param_ref(v) else {
                    return Err(());
                };
                let ok = matches!(p.ty.core, Core::Scalar(ScalarType::String))
                    || key.as_ref().is_some_and(|k| k.core == p.ty.core);
                if ok {
                    Ok(Operand::Param(p.name))
                } else {
                    self.err(
                        "E-T007",
                        v.span,
                        format!(
                            "{what} takes a node id ({expected}), but `${}` is {}",
                            p.name,
                            p.ty.pg()
                        ),
                    );
                    Err(())
                }
            }
            ExprKind::Now => {
                if key
                    .as_ref()
                    .is_some_and(|k| matches!(k.core, Core::Scalar(ScalarType::DateTime)))
                {
                    Ok(Operand::Now)
                } else {
                    self.err(
                        "E-T007",
                        value.span,
                        format!("{what} takes a node id ({expected}), found `now()`"),
                    );
                    Err(())
                }
            }
            _ => Err(()),
        }
    }

    fn unknown_prop(&mut self, code: &'static str, n: &Name, ti: &TypeInfo, extra: &[&str]) {
        let mut cands = ti.prop_names();
        cands.extend_from_slice(extra);
        let help = did_you_mean(&n.name, cands.iter()).map(|c| format!("did you mean `{c}`?"));
        self.err_help(
            code,
            n.span,
            format!("unknown property `{}` of `{}`", n.name, ti.name),
            help,
        );
    }

    fn assignments(&mut self, ti: &TypeInfo, assigns: &[Assign], is_insert: bool) -> AssignOut {
        let mut out = Vec::new();
        let (mut id, mut from, mut to) = (None, None, None);
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let verb = if ti.is_edge { "edge" } else { "node" };
        for a in assigns {
            let name = a.prop.name.as_str();
            if !seen.insert(name.to_string()) {
                self.err(
                    "E-T013",
                    a.prop.span,
                    format!("`{name}` is assigned twice in this statement"),
                );
                continue;
            }
            if name == "id" {
                if !is_insert {
                    self.err_help(
                        "E-T016",
                        a.prop.span,
                        format!(
                            "cannot assign `id` of `{}` in an update: ids are immutable",
                            ti.name
                        ),
                        Some(format!("delete the {verb} and insert it again")),
                    );
                    continue;
                }
                if let (false, Some(k)) = (ti.is_edge, &ti.key) {
                    self.err_help(
                        "E-T016",
                        a.prop.span,
                        format!("cannot assign `id`: ids of `{}` are the canonical text of its @key `{k}`", ti.name),
                        Some(format!("assign `{k}` instead")),
                    );
                    continue;
                }
                if let Ok(v) = self.assign_value(
                    &a.value,
                    &scalar(ScalarType::String),
                    &format!("`{}.id`", ti.name),
                ) {
                    id = v;
                }
                continue;
            }
            if ti.is_edge && (name == "from" || name == "to") {
                if !is_insert {
                    self.err_help(
                        "E-T016",
                        a.prop.span,
                        format!("cannot assign `{name}` of `{}` in an update: edge endpoints are immutable", ti.name),
                        Some("delete the edge and insert it again".into()),
                    );
                    continue;
                }
                let node = if name == "from" {
                    ti.from.clone()
                } else {
                    ti.to.clone()
                };
                if let Ok(v) =
                    self.endpoint_value(&a.value, &node, &format!("`{name}` of `{}`", ti.name))
                {
                    if name == "from" {
                        from = Some(v);
                    } else {
                        to = Some(v);
                    }
                }
                continue;
            }
            let Some(p) = ti.prop(name).cloned() else {
                let extra: &[&str] = if ti.is_edge {
                    &["id", "from", "to"]
                } else {
                    &["id"]
                };
                self.unknown_prop("E-T002", &a.prop, ti, extra);
                continue;
            };
            if !is_insert && ti.key.as_deref() == Some(name) {
                self.err_help(
                    "E-T016",
                    a.prop.span,
                    format!("cannot assign `{name}`: it is the @key of `{}`", ti.name),
                    Some("delete the node and insert it again".into()),
                );
                continue;
            }
            if let Ok(v) = self.assign_value(&a.value, &p.ty, &format!("`{}.{name}`", ti.name)) {
                out.push(ir::Assignment {
                    prop: name.to_string(),
                    ty: p.ty.clone(),
                    value: v,
                });
            }
        }
        AssignOut {
            assignments: out,
            id,
            from,
            to,
            seen,
        }
    }

    fn conditions(&mut self, ti: &TypeInfo, conds: &[Cond]) -> Vec<ir::Condition> {
        let mut out = Vec::new();
        for c in conds {
            let name = c.prop.name.as_str();
            let Some(pt) = ti.prop_type(name, true) else {
                let extra: &[&str] = if ti.is_edge {
                    &["id", "from", "to"]
                } else {
                    &["id"]
                };
                self.unknown_prop("E-T011", &c.prop, ti, extra);
                continue;
            };
            if matches!(pt.core, Core::Vector(_) | Core::Scalar(ScalarType::Blob)) {
                self.err(
                    "E-T011",
                    c.prop.span,
                    format!(
                        "cannot use {} property `{}.{name}` in a `where` condition",
                        if pt.is_vector() { "vector" } else { "blob" },
                        ti.name
                    ),
                );
                continue;
            }
            match &c.op {
                CondOp::IsNull { negated, op_span } => {
                    self.facts.null_tests.push((
                        c.prop.span.to(*op_span),
                        ti.name.clone(),
                        name.to_string(),
                        pt.clone(),
                        *negated,
                    ));
                    out.push(ir::Condition::IsNull {
                        prop: name.to_string(),
                        negated: *negated,
                    })
                }
                CondOp::Cmp { op, op_span, value } => {
                    let is_endpoint = ti.is_edge && (name == "from" || name == "to");
                    if is_endpoint && matches!(op, CmpOp::Eq | CmpOp::Ne) {
                        let node = if name == "from" {
                            ti.from.clone()
                        } else {
                            ti.to.clone()
                        };
                        if let Ok(v) =
                            self.endpoint_value(value, &node, &format!("`{name}` of `{}`", ti.name))
                        {
                            out.push(ir::Condition::Compare {
                                prop: name.to_string(),
                                prop_type: pt,
                                op: *op,
                                value: v,
                            });
                        }
                        continue;
                    }
                    let operand = match &value.kind {
                        ExprKind::Lit(l) => self
                            .lit_for(&pt.core, *op, l, value.span, true)
                            .map(Operand::Literal),
                        ExprKind::Var(v) => match self.param_ref(v) {
                            Some(p) => {
                                if self.cores_ok(&pt.core, *op, &p.ty.core) {
                                    Some(Operand::Param(p.name))
                                } else {
                                    self.err(
                                        "E-T007",
                                        *op_span,
                                        format!(
                                            "cannot apply `{}` to `{}.{name}` ({}) and `${}` ({})",
                                            op.as_str(),
                                            ti.name,
                                            pt.pg(),
                                            p.name,
                                            p.ty.pg()
                                        ),
                                    );
                                    None
                                }
                            }
                            None => None,
                        },
                        ExprKind::Now => {
                            if self.cores_ok(&pt.core, *op, &Core::Scalar(ScalarType::DateTime)) {
                                Some(Operand::Now)
                            } else {
                                self.err(
                                    "E-T007",
                                    *op_span,
                                    format!("cannot apply `{}` to `{}.{name}` ({}) and `now()` (DateTime)", op.as_str(), ti.name, pt.pg()),
                                );
                                None
                            }
                        }
                        _ => None,
                    };
                    if let Some(v) = operand {
                        out.push(ir::Condition::Compare {
                            prop: name.to_string(),
                            prop_type: pt,
                            op: *op,
                            value: v,
                        });
                    }
                }
            }
        }
        out
    }

    fn statement(&mut self, s: &Statement) -> Option<ir::Statement> {
        let ti = self.target_type(s.type_name())?;
        let entity = if ti.is_edge {
            EntityKind::Edge
        } else {
            EntityKind::Node
        };
        let table = ti.table_key();
        match s {
            Statement::Insert {
                type_name,
                assigns,
                span,
            } => {
                let AssignOut {
                    assignments,
                    id,
                    from,
                    to,
                    seen,
                } = self.assignments(&ti, assigns, true);
                let mut missing: Vec<String> = Vec::new();
                if ti.is_edge {
                    for e in ["from", "to"] {
                        if !seen.contains(e) {
                            missing.push(e.to_string());
                        }
                    }
                }
                for p in &ti.props {
                    if p.ty.nullable || seen.contains(&p.name) {
                        continue;
                    }
                    if p.embed_source
                        .as_ref()
                        .is_some_and(|src| seen.contains(src))
                    {
                        continue;
                    }
                    missing.push(p.name.clone());
                }
                if !missing.is_empty() {
                    let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
                    self.err_help(
                        "E-T012",
                        type_name.span,
                        format!(
                            "insert into `{}` omits required {} {}",
                            ti.name,
                            if missing.len() == 1 {
                                "property"
                            } else {
                                "properties"
                            },
                            list.join(", ")
                        ),
                        Some(format!("assign {}", list.join(", "))),
                    );
                }
                Some(ir::Statement::Insert {
                    type_name: ti.name.clone(),
                    table,
                    entity,
                    key: if ti.is_edge { None } else { ti.key.clone() },
                    id,
                    from,
                    to,
                    assignments,
                    span: *span,
                })
            }
            Statement::Update {
                assigns,
                conds,
                span,
                ..
            } => {
                let assignments = self.assignments(&ti, assigns, false).assignments;
                let conditions = self.conditions(&ti, conds);
                Some(ir::Statement::Update {
                    type_name: ti.name.clone(),
                    table,
                    entity,
                    assignments,
                    conditions,
                    span: *span,
                })
            }
            Statement::Delete { conds, span, .. } => {
                let conditions = self.conditions(&ti, conds);
                Some(ir::Statement::Delete {
                    type_name: ti.name.clone(),
                    table,
                    entity,
                    conditions,
                    span: *span,
                })
            }
        }
    }
}
