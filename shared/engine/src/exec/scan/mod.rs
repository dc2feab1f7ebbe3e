//! The scan wing of the executor: everything that reads table rows into memory for a query.
//!
//! Layers, each calling only those below it:
//! - [`scan_nodes`] (this file) picks, per node table, the in-memory scan ([`memory`]) for
//!   tables up to [`IN_MEMORY_ROWS`] rows, else the Lance scan with pushdown ([`lance`]);
//! - [`memory`] filters cached unfiltered columns, answering key equalities through the
//!   [`node_index`];
//! - [`node_index`] and [`memory`] read through [`lance`], which runs and caches Lance scans;
//! - [`predicate`] evaluates scan predicates on one row of a [`table::Table`];
//! - [`cache`] holds the byte-bounded caches and the per-engine build counters.

pub(crate) mod cache;
mod lance;
mod memory;
mod node_index;
mod predicate;
mod table;

use std::collections::BTreeSet;

use omnigraph_lang::ir::ScanPredicate;

pub(crate) use lance::{scan_all, scan_uncached};
pub(crate) use memory::IN_MEMORY_ROWS;
pub(crate) use node_index::{node_index, pin_version, NodeIndex};
pub(crate) use predicate::{predicate_column, scan_predicate_holds, text_holds};
pub(crate) use table::{Origin, Table, NONE};

use crate::exec::env::Env;
use crate::{Engine, EngineError, Snapshot};

/// The rows of node table `table_key` satisfying every predicate, with `props` (and `id`):
/// in memory for tables up to [`IN_MEMORY_ROWS`] rows, else through a Lance scan.
pub(crate) async fn scan_nodes(
    engine: &Engine,
    snapshot: &Snapshot,
    table_key: &str,
    predicates: &[&ScanPredicate],
    props: &BTreeSet<String>,
    env: &Env,
) -> Result<Table, EngineError> {
    let rows = snapshot.tables.get(table_key).map_or(u64::MAX, |p| p.rows);
    if rows <= IN_MEMORY_ROWS {
        memory::scan_nodes_in_memory(engine, snapshot, table_key, predicates, props, env).await
    } else {
        lance::scan_nodes_pushdown(engine, snapshot, table_key, predicates, props, env).await
    }
}
