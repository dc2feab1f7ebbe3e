//! Running mutation statements, in order, against the working copy (read-your-writes):
//! inserts (upserts by id), updates, deletes with cascade to incident edges.

use std::collections::{BTreeMap, BTreeSet};

use omnigraph_lang::catalog::TypeDef;
use omnigraph_lang::data::{msg_endpoints_changed, msg_id_invalid, msg_required_missing, valid_id};
use omnigraph_lang::ir::{Assignment, Condition, Operand, Statement};
use omnigraph_lang::query::ast::CmpOp;
use omnigraph_lang::span::Span;
use omnigraph_lang::types::Core;
use omnigraph_lang::value::Value;

use super::values::{convert, row_checks};
use super::working::{Row, Working};
use super::Run;
use crate::clock::next_ulid;
use crate::embedding::embed_checked;
use crate::exec::compare::holds;
use crate::EngineError;

/// A condition ready to test: property, comparison (or `None` for a null test), negation.
type Wanted = (String, Option<(CmpOp, Value)>, bool);

/// Rows affected so far.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Affected {
    pub nodes: u64,
    pub edges: u64,
}

impl Run<'_> {
    fn type_def(&self, table: &str) -> Result<TypeDef, EngineError> {
        self.snapshot
            .catalog
            .by_table_key(table)
            .cloned()
            .ok_or_else(|| EngineError::internal(format!("unknown table `{table}`")))
    }

    fn value(&self, op: &Operand) -> Value {
        match op {
            Operand::Literal(v) => v.clone(),
            Operand::Param(name) => self.params.get(name).cloned().unwrap_or(Value::Null),
            Operand::Now => Value::DateTime(self.now),
        }
    }

    /// Converted values of `assignments` (per-row value rules).
    fn assigned(
        &self,
        assignments: &[Assignment],
        span: Span,
    ) -> Result<BTreeMap<String, Value>, EngineError> {
        let mut out = BTreeMap::new();
        for a in assignments {
            let v = a.value.as_ref().map_or(Value::Null, |op| self.value(op));
            let v = convert(&a.prop, v, &a.ty).map_err(|(c, m)| self.fail(c, span, m))?;
            out.insert(a.prop.clone(), v);
        }
        Ok(out)
    }

    /// A node id operand (edge endpoints, explicit ids) as text.
    fn id_text(&self, op: &Operand) -> Option<String> {
        match self.value(op) {
            Value::Null => None,
            v => v.canonical_key_text(),
        }
    }

    pub(super) async fn run_statement(
        &self,
        index: usize,
        stmt: &Statement,
        work: &mut Working,
        affected: &mut Affected,
    ) -> Result<(), EngineError> {
        match stmt {
            Statement::Insert {
                table,
                key,
                id,
                from,
                to,
                assignments,
                span,
                ..
            } => {
                let ty = self.type_def(table)?;
                let mut values = self.assigned(assignments, *span)?;
                self.fill_embeddings(&ty, &mut values, *span).await?;
                for p in &ty.properties {
                    let v = values.entry(p.name.clone()).or_insert(Value::Null);
                    if v.is_null() && !p.ty.nullable {
                        return Err(self.fail(
                            "E-D005",
                            *span,
                            msg_required_missing(&ty.name, &p.name, true),
                        ));
                    }
                }
                row_checks(&ty, &values, None).map_err(|(c, m)| self.fail(c, *span, m))?;
                let row_id = match (key, id) {
                    (Some(k), _) => values
                        .get(k)
                        .and_then(Value::canonical_key_text)
                        .unwrap_or_default(),
                    (None, Some(op)) => self.id_text(op).unwrap_or_else(|| next_ulid(None)),
                    (None, None) => next_ulid(None),
                };
                if !valid_id(&row_id) {
                    return Err(self.fail("E-D012", *span, msg_id_invalid(&row_id)));
                }
                let ends = if ty.is_edge() {
                    let end = |op: &Option<Operand>, name: &str| {
                        op.as_ref().and_then(|o| self.id_text(o)).ok_or_else(|| {
                            self.fail(
                                "E-D013",
                                *span,
                                format!("{} `{name}`: the endpoint is null", ty.name),
                            )
                        })
                    };
                    Some((end(from, "from")?, end(to, "to")?))
                } else {
                    None
                };
                let wt = work.table(self.engine, self.snapshot, table).await?;
                if let (Some((src, dst)), Some(old)) = (&ends, wt.rows.get(&row_id)) {
                    if old.src.as_ref() != Some(src) || old.dst.as_ref() != Some(dst) {
                        return Err(self.fail(
                            "E-D012",
                            *span,
                            msg_endpoints_changed(&ty.name, &row_id),
                        ));
                    }
                }
                let (src, dst) = ends.unzip();
                if let Some(s) = &src {
                    wt.touched_sources.insert(s.clone(), index);
                    affected.edges += 1;
                } else {
                    wt.inserted.insert(row_id.clone(), index);
                    affected.nodes += 1;
                }
                wt.rows.insert(
                    row_id,
                    Row {
                        src,
                        dst,
                        values,
                        written_by: Some(index),
                    },
                );
                wt.dirty = true;
            }
            Statement::Update {
                table,
                assignments,
                conditions,
                span,
                entity,
                ..
            } => {
                let ty = self.type_def(table)?;
                let mut values = self.assigned(assignments, *span)?;
                for p in &ty.properties {
                    if let Some(v) = values.get(&p.name) {
                        if v.is_null() && !p.ty.nullable {
                            return Err(self.fail(
                                "E-D005",
                                *span,
                                msg_required_missing(&ty.name, &p.name, true),
                            ));
                        }
                    }
                }
                let wt = work.table(self.engine, self.snapshot, table).await?;
                let ids = self.matching(&wt.rows, conditions);
                if !ids.is_empty() {
                    self.fill_embeddings(&ty, &mut values, *span).await?;
                    let props: Vec<String> = values.keys().cloned().collect();
                    row_checks(&ty, &values, Some(&props))
                        .map_err(|(c, m)| self.fail(c, *span, m))?;
                    wt.dirty = true;
                }
                for id in &ids {
                    if let Some(row) = wt.rows.get_mut(id) {
                        row.values.extend(values.clone());
                        row.written_by = Some(index);
                    }
                }
                let n = ids.len() as u64;
                match entity {
                    omnigraph_lang::ir::EntityKind::Node => affected.nodes += n,
                    omnigraph_lang::ir::EntityKind::Edge => affected.edges += n,
                }
            }
            Statement::Delete {
                table,
                type_name,
                conditions,
                ..
            } => {
                let ty = self.type_def(table)?;
                let wt = work.table(self.engine, self.snapshot, table).await?;
                let ids = self.matching(&wt.rows, conditions);
                for id in &ids {
                    if let Some(row) = wt.rows.remove(id) {
                        if let Some(src) = row.src {
                            wt.touched_sources.insert(src, index);
                        }
                    }
                    wt.inserted.remove(id);
                }
                if !ids.is_empty() {
                    wt.dirty = true;
                }
                if ty.is_edge() {
                    affected.edges += ids.len() as u64;
                } else {
                    affected.nodes += ids.len() as u64;
                    let deleted: BTreeSet<String> = ids.into_iter().collect();
                    affected.edges += self.cascade(type_name, &deleted, index, work).await?;
                }
            }
        }
        Ok(())
    }

    /// Deletes every edge (of any type) incident to a deleted node of type `node_type`.
    async fn cascade(
        &self,
        node_type: &str,
        deleted: &BTreeSet<String>,
        index: usize,
        work: &mut Working,
    ) -> Result<u64, EngineError> {
        let edge_types: Vec<TypeDef> = self
            .snapshot
            .catalog
            .edges_touching(node_type)
            .into_iter()
            .cloned()
            .collect();
        let mut removed = 0;
        for edge in edge_types {
            let wt = work
                .table(self.engine, self.snapshot, &edge.table_key())
                .await?;
            if deleted.is_empty() {
                continue;
            }
            let from_here = edge.from.as_deref() == Some(node_type);
            let to_here = edge.to.as_deref() == Some(node_type);
            let hit: Vec<String> = wt
                .rows
                .iter()
                .filter(|(_, r)| {
                    (from_here && r.src.as_ref().is_some_and(|s| deleted.contains(s)))
                        || (to_here && r.dst.as_ref().is_some_and(|d| deleted.contains(d)))
                })
                .map(|(id, _)| id.clone())
                .collect();
            for id in &hit {
                if let Some(row) = wt.rows.remove(id) {
                    if let Some(src) = row.src {
                        wt.touched_sources.insert(src, index);
                    }
                }
            }
            if !hit.is_empty() {
                wt.dirty = true;
            }
            removed += hit.len() as u64;
        }
        Ok(removed)
    }

    /// Ids of the rows satisfying every condition.
    fn matching(&self, rows: &BTreeMap<String, Row>, conditions: &[Condition]) -> Vec<String> {
        let wanted: Vec<Wanted> = conditions
            .iter()
            .map(|c| match c {
                Condition::Compare {
                    prop, op, value, ..
                } => {
                    let mut v = self.value(value);
                    if matches!(prop.as_str(), "from" | "to") && !v.is_null() {
                        v = v.canonical_key_text().map_or(v, Value::String);
                    }
                    (prop.clone(), Some((*op, v)), false)
                }
                Condition::IsNull { prop, negated } => (prop.clone(), None, *negated),
            })
            .collect();
        rows.iter()
            .filter(|(id, row)| {
                wanted.iter().all(|(prop, cmp, negated)| {
                    let v = row.get(id, prop);
                    match cmp {
                        Some((op, x)) => holds(*op, &v, x),
                        None => v.is_null() != *negated,
                    }
                })
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Computes every `@embed` target whose source is assigned a non-null text and which is
    /// not assigned itself (E-R001 without a working provider, E-R002 on a wrong dimension).
    async fn fill_embeddings(
        &self,
        ty: &TypeDef,
        values: &mut BTreeMap<String, Value>,
        span: Span,
    ) -> Result<(), EngineError> {
        for (target, source) in ty.embeds() {
            if values.contains_key(target) {
                continue;
            }
            let Some(Value::String(text)) = values.get(source) else {
                continue;
            };
            let dim = ty
                .properties
                .iter()
                .find(|p| p.name == target)
                .and_then(|p| match p.ty.core {
                    Core::Vector(n) => Some(n),
                    _ => None,
                })
                .ok_or_else(|| {
                    EngineError::internal(format!("`@embed` target `{target}` is not a vector"))
                })?;
            let what = format!("`{}.{target}` (from `{source}`)", ty.name);
            let mut vectors = embed_checked(
                self.engine.embedding().map(|p| p.as_ref()),
                std::slice::from_ref(text),
                dim,
                &what,
            )
            .await
            .map_err(|f| self.fail(f.code, span, f.message))?;
            let v = vectors
                .pop()
                .ok_or_else(|| EngineError::internal("provider returned no vector"))?;
            values.insert(target.to_string(), Value::Vector(v));
        }
        Ok(())
    }
}
