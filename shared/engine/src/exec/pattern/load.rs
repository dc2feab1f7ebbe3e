//! The asynchronous phase of a read: candidate rows per slot (through the scan wing),
//! adjacency per traversed edge type, node maps for traversal endpoints and BM25 statistics,
//! all loaded before the synchronous join starts.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use omnigraph_lang::ir::{EntityKind, Expr, ReadPlan, ScanPredicate, VarDef};

use super::refs::{build_tree, expr_refs, predicate_refs, resolve, walk_nodes};
use super::{Exec, NodeMap, SlotDef};
use crate::exec::adjacency::adjacency;
use crate::exec::env::Env;
use crate::exec::limits::Budget;
use crate::exec::scan::{node_index, predicate_column, scan_all, scan_nodes, Table};
use crate::exec::text::Bm25Stats;
use crate::{Engine, EngineError, Snapshot};

/// Loads everything a read plan needs: candidate rows per slot, adjacency per edge type,
/// node maps for traversal endpoints, BM25 statistics.
pub(crate) async fn load<'a>(
    engine: &Engine,
    snapshot: &Snapshot,
    plan: &'a ReadPlan,
    env: &'a Env,
    budget: &'a Budget,
) -> Result<Exec<'a>, EngineError> {
    let mut slots: Vec<SlotDef> = plan
        .vars
        .iter()
        .map(|v: &VarDef| SlotDef {
            kind: v.kind,
            table: v.table.clone(),
        })
        .collect();
    let tree = build_tree(
        &plan.pattern,
        Vec::new(),
        (0..plan.vars.len()).collect(),
        &mut slots,
    );
    let mut nodes = Vec::new();
    walk_nodes(&tree, &mut nodes);

    // columns each slot reads, and the scan predicates that define each slot's candidates
    let mut props: Vec<BTreeSet<String>> = vec![BTreeSet::new(); slots.len()];
    let mut preds: Vec<Vec<&ScanPredicate>> = vec![Vec::new(); slots.len()];
    let mut endpoints: BTreeSet<usize> = BTreeSet::new();
    let mut edge_tables: BTreeMap<String, ()> = BTreeMap::new();
    {
        let mut note = |s: usize, p: Option<&str>| {
            if let (Some(set), Some(p)) = (props.get_mut(s), p) {
                set.insert(p.to_string());
            }
        };
        for n in &nodes {
            for scan in &n.pattern.scans {
                let s = resolve(&n.scope, scan.var)?;
                if n.locals.contains(&s) {
                    if let Some(v) = preds.get_mut(s) {
                        v.extend(scan.predicates.iter());
                    }
                } else {
                    for p in &scan.predicates {
                        note(s, Some(predicate_column(p)));
                    }
                }
            }
            for f in &n.pattern.filters {
                predicate_refs(f, &n.scope, &mut note)?;
            }
            for e in &n.pattern.expansions {
                endpoints.insert(resolve(&n.scope, e.from)?);
                if let Some(t) = e.to {
                    endpoints.insert(resolve(&n.scope, t)?);
                }
                edge_tables.insert(e.edge_table.clone(), ());
            }
        }
        for p in &plan.projections {
            expr_refs(&p.expr, &[], &mut note)?;
        }
        for o in &plan.order {
            expr_refs(&o.expr, &[], &mut note)?;
        }
        if let Some(r) = &plan.ranking {
            expr_refs(&r.expr, &[], &mut note)?;
        }
    }

    budget.check_time()?;
    let mut tables = Vec::with_capacity(slots.len());
    for (s, def) in slots.iter().enumerate() {
        let table = match def.kind {
            EntityKind::Node => {
                scan_nodes(engine, snapshot, &def.table, &preds[s], &props[s], env).await?
            }
            EntityKind::Edge => {
                let mut cols = vec!["id".to_string()];
                cols.extend(props[s].iter().filter(|p| *p != "id").cloned());
                Table::new((*scan_all(engine, snapshot, &def.table, &cols).await?).clone())?
            }
        };
        tables.push(Arc::new(table));
    }

    let mut adj = HashMap::new();
    for edge_table in edge_tables.keys() {
        let ty = snapshot
            .catalog
            .by_table_key(edge_table)
            .ok_or_else(|| EngineError::internal(format!("unknown table `{edge_table}`")))?;
        let (a, _, _) = adjacency(engine, snapshot, ty).await?;
        adj.insert(edge_table.clone(), a);
    }
    for (s, def) in slots.iter().enumerate() {
        if def.kind == EntityKind::Edge {
            // edge rows are positions in an unfiltered scan, as in the adjacency
            for n in &nodes {
                for e in &n.pattern.expansions {
                    if e.edge_var.map(|k| resolve(&n.scope, k)).transpose()? == Some(s) {
                        if let Some(a) = adj.get(&e.edge_table) {
                            if a.edge_rows != tables[s].len() {
                                return Err(EngineError::internal(
                                    "edge scan and adjacency disagree on row count",
                                ));
                            }
                        }
                    }
                }
            }
        }
    }

    let mut maps: Vec<Option<NodeMap>> = (0..slots.len()).map(|_| None).collect();
    for &s in &endpoints {
        let def = &slots[s];
        if def.kind != EntityKind::Node {
            continue;
        }
        let index = node_index(engine, snapshot, &def.table).await?;
        let map = NodeMap::build(index, &tables[s]);
        maps[s] = Some(map);
    }

    // BM25 statistics for every (table, field, query) the plan scores
    let mut wanted: BTreeSet<(String, String, String)> = BTreeSet::new();
    let mut collect =
        |e: &Expr| -> Result<(), EngineError> { collect_bm25(e, &slots, env, &mut wanted) };
    for p in &plan.projections {
        collect(&p.expr)?;
    }
    for o in &plan.order {
        collect(&o.expr)?;
    }
    if let Some(r) = &plan.ranking {
        collect(&r.expr)?;
    }
    let mut bm25 = HashMap::new();
    for (table, prop, query) in wanted {
        let batch = scan_all(engine, snapshot, &table, std::slice::from_ref(&prop)).await?;
        let col = arrow_array::cast::AsArray::as_string_opt::<i32>(batch.column(0).as_ref())
            .ok_or_else(|| EngineError::internal("bm25 over a non-string column"))?;
        let corpus = col.iter().flatten();
        let stats = Bm25Stats::compute(corpus, &query);
        bm25.insert((table, prop, query), stats);
    }

    Ok(Exec {
        env,
        plan,
        budget,
        slots,
        tables,
        maps,
        adjacency: adj,
        bm25,
        tree,
        count_mode: false,
    })
}

fn collect_bm25(
    e: &Expr,
    slots: &[SlotDef],
    env: &Env,
    out: &mut BTreeSet<(String, String, String)>,
) -> Result<(), EngineError> {
    match e {
        Expr::Bm25 { var, prop, query } => {
            let s = resolve(&[], *var)?;
            if let (Some(def), omnigraph_lang::value::Value::String(q)) =
                (slots.get(s), env.operand(query))
            {
                out.insert((def.table.clone(), prop.clone(), q));
            }
        }
        Expr::Rrf { r1, r2, .. } => {
            collect_bm25(r1, slots, env, out)?;
            collect_bm25(r2, slots, env, out)?;
        }
        _ => {}
    }
    Ok(())
}
