//! Set rules checked once on the final state of a mutation, before anything is written:
//! `@key`/`@unique` (E-D009), edge endpoints exist (E-D010) and `@card` (E-D011).

use std::collections::HashMap;

use omnigraph_lang::catalog::{node_table_key, TypeDef};
use omnigraph_lang::data::{msg_card, msg_endpoint_missing, msg_endpoint_prefix, msg_unique};

use super::working::{Row, Working};
use super::Run;
use crate::EngineError;

/// The rows written by this mutation, in statement order (then id order).
fn written(rows: &std::collections::BTreeMap<String, Row>) -> Vec<(&String, &Row, usize)> {
    let mut out: Vec<(&String, &Row, usize)> = rows
        .iter()
        .filter_map(|(id, r)| r.written_by.map(|i| (id, r, i)))
        .collect();
    out.sort_by_key(|(_, _, i)| *i);
    out
}

impl Run<'_> {
    pub(super) async fn final_checks(&self, work: &mut Working) -> Result<(), EngineError> {
        let dirty: Vec<String> = work.write_set().into_iter().collect();
        for table in &dirty {
            self.check_unique(table, work)?;
        }
        for table in &dirty {
            self.check_endpoints(table, work).await?;
        }
        self.check_cards(work).await
    }

    fn check_unique(&self, table: &str, work: &Working) -> Result<(), EngineError> {
        let (Some(ty), Some(wt)) = (
            self.snapshot.catalog.by_table_key(table),
            work.tables.get(table),
        ) else {
            return Ok(());
        };
        for tuple in ty.effective_unique() {
            let mut seen: HashMap<Vec<String>, &String> = HashMap::new();
            let committed = wt.rows.iter().filter(|(_, r)| r.written_by.is_none());
            for (id, row) in committed {
                let values: Vec<_> = tuple.iter().map(|p| row.get(id, p)).collect();
                if values.iter().all(|v| !v.is_null()) {
                    seen.insert(values.iter().map(|v| format!("{v:?}")).collect(), id);
                }
            }
            for (id, row, index) in written(&wt.rows) {
                let values: Vec<_> = tuple.iter().map(|p| row.get(id, p)).collect();
                if values.iter().any(|v| v.is_null()) {
                    continue;
                }
                let key: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
                if let Some(existing) = seen.get(&key) {
                    return Err(self.fail(
                        "E-D009",
                        self.span_of(index),
                        msg_unique(&ty.name, &tuple, &values, existing),
                    ));
                }
                seen.insert(key, id);
            }
        }
        Ok(())
    }

    async fn check_endpoints(&self, table: &str, work: &mut Working) -> Result<(), EngineError> {
        let Some(ty) = self.snapshot.catalog.by_table_key(table) else {
            return Ok(());
        };
        let (Some(from_ty), Some(to_ty)) = (ty.from.clone(), ty.to.clone()) else {
            return Ok(());
        };
        // Load both endpoint tables (they join the read set).
        for node in [&from_ty, &to_ty] {
            work.table(self.engine, self.snapshot, &node_table_key(node))
                .await?;
        }
        let exists = |work: &Working, node: &str, id: &str| {
            work.tables
                .get(&node_table_key(node))
                .is_some_and(|t| t.rows.contains_key(id))
        };
        let Some(wt) = work.tables.get(table) else {
            return Ok(());
        };
        for (_, row, index) in written(&wt.rows) {
            for (end, node, id) in [
                ("from", &from_ty, row.src.as_deref()),
                ("to", &to_ty, row.dst.as_deref()),
            ] {
                let id = id.unwrap_or_default();
                if !exists(work, node, id) {
                    return Err(self.fail(
                        "E-D010",
                        self.span_of(index),
                        msg_endpoint_prefix(&ty.name, end, &msg_endpoint_missing(node, id)),
                    ));
                }
            }
        }
        Ok(())
    }

    async fn check_cards(&self, work: &mut Working) -> Result<(), EngineError> {
        let edges: Vec<TypeDef> = self
            .snapshot
            .catalog
            .types()
            .filter(|t| t.is_edge())
            .cloned()
            .collect();
        for edge in edges {
            let Some(card) = edge.cardinality() else {
                continue;
            };
            let Some(from_ty) = edge.from.clone() else {
                continue;
            };
            if card.min == 0 && card.max.is_none() {
                continue;
            }
            let table = edge.table_key();
            let node_table = node_table_key(&from_ty);
            // Sources whose edge count may have changed, with the statement responsible.
            let mut sources: HashMap<String, usize> = work
                .tables
                .get(&table)
                .map(|t| t.touched_sources.clone().into_iter().collect())
                .unwrap_or_default();
            if card.min > 0 {
                if let Some(nodes) = work.tables.get(&node_table) {
                    for (id, index) in &nodes.inserted {
                        sources.entry(id.clone()).or_insert(*index);
                    }
                }
            }
            if sources.is_empty() {
                continue;
            }
            work.table(self.engine, self.snapshot, &table).await?;
            work.table(self.engine, self.snapshot, &node_table).await?;
            let mut counts: HashMap<&str, u64> = HashMap::new();
            if let Some(wt) = work.tables.get(&table) {
                for row in wt.rows.values() {
                    if let Some(src) = &row.src {
                        *counts.entry(src.as_str()).or_default() += 1;
                    }
                }
            }
            let mut ordered: Vec<(&String, &usize)> = sources.iter().collect();
            ordered.sort_by_key(|(id, index)| (**index, (*id).clone()));
            for (src, index) in ordered {
                let alive = work
                    .tables
                    .get(&node_table)
                    .is_some_and(|t| t.rows.contains_key(src));
                if !alive {
                    continue;
                }
                let n = counts.get(src.as_str()).copied().unwrap_or(0);
                if n < card.min || card.max.is_some_and(|m| n > m) {
                    return Err(self.fail(
                        "E-D011",
                        self.span_of(*index),
                        msg_card(&edge.name, card.min, card.max, &from_ty, src, n),
                    ));
                }
            }
        }
        Ok(())
    }
}
