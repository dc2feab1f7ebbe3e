//! Dense node indexes, built once per node table version and kept in process memory:
//! the ids of one node table version, sorted (byte order) in one contiguous Arrow string
//! array; a node's dense `u32` index is its position, and lookup is a binary search. The
//! in-memory scan answers key equalities through it; adjacency numbers its nodes by it.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use arrow_array::cast::AsArray;
use arrow_array::{Array, StringArray};

use super::cache::ByteCache;
use super::lance::scan_uncached;
use super::table::NONE;
use crate::{Engine, EngineError, Snapshot};

static NODE_INDEXES: LazyLock<ByteCache<(String, u64), NodeIndex>> =
    LazyLock::new(|| ByteCache::new(512 << 20));

/// Sorted ids of a node table version, with each id's row in an unfiltered in-order scan.
#[derive(Debug)]
pub(crate) struct NodeIndex {
    ids: StringArray,
    /// Dense index → row of the unfiltered scan.
    rows: Vec<u32>,
    /// Row of the unfiltered scan → dense index.
    dense_of_row: Vec<u32>,
}

impl NodeIndex {
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// The dense index of `id`.
    pub(crate) fn find(&self, id: &str) -> Option<u32> {
        let (mut lo, mut hi) = (0usize, self.ids.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.ids.value(mid).cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return u32::try_from(mid).ok(),
            }
        }
        None
    }

    /// The row (in an unfiltered in-order scan of the table) of the node with `id`.
    pub(crate) fn row_of_id(&self, id: &str) -> Option<u32> {
        self.find(id)
            .and_then(|d| self.rows.get(d as usize).copied())
    }

    /// The row (in an unfiltered in-order scan) of the node with dense index `d`.
    pub(crate) fn row_of_dense(&self, d: u32) -> Option<u32> {
        self.rows.get(d as usize).copied()
    }

    /// The dense index of the node in `row` of an unfiltered in-order scan.
    pub(crate) fn dense_of_row(&self, row: u32) -> Option<u32> {
        self.dense_of_row.get(row as usize).copied()
    }

    /// Rows of the unfiltered scan (every row is a node).
    pub(crate) fn rows(&self) -> usize {
        self.dense_of_row.len()
    }

    /// A hash from id to dense index (for bulk lookups).
    pub(crate) fn id_map(&self) -> HashMap<&str, u32> {
        (0..self.ids.len())
            .map(|d| (self.ids.value(d), d as u32))
            .collect()
    }

    fn bytes(&self) -> usize {
        self.ids.get_array_memory_size() + 4 * (self.rows.len() + self.dense_of_row.len())
    }
}

pub(crate) fn pin_version(snapshot: &Snapshot, table_key: &str) -> Result<u64, EngineError> {
    snapshot
        .tables
        .get(table_key)
        .map(|p| p.version)
        .ok_or_else(|| EngineError::internal(format!("snapshot pins no version of `{table_key}`")))
}

/// The node index of `table_key` at the snapshot's version.
pub(crate) async fn node_index(
    engine: &Engine,
    snapshot: &Snapshot,
    table_key: &str,
) -> Result<Arc<NodeIndex>, EngineError> {
    let (uri, _) = engine.open_table(snapshot, table_key).await?;
    let key = (uri, pin_version(snapshot, table_key)?);
    if let Some(hit) = NODE_INDEXES.get(&key) {
        return Ok(hit);
    }
    let batch = scan_uncached(engine, snapshot, table_key, &["id".to_string()]).await?;
    engine.exec_counters.node_index_built();
    let col = batch
        .column(0)
        .as_string_opt::<i32>()
        .ok_or_else(|| EngineError::internal("`id` column is not Utf8"))?;
    if u32::try_from(col.len()).is_err() {
        return Err(EngineError::internal("node table too large for u32 rows"));
    }
    let mut order: Vec<u32> = (0..col.len() as u32).collect();
    order.sort_unstable_by(|a, b| col.value(*a as usize).cmp(col.value(*b as usize)));
    // ids are unique within a type; keep the first row of any duplicate defensively
    order.dedup_by(|b, a| col.value(*a as usize) == col.value(*b as usize));
    let ids = StringArray::from_iter_values(order.iter().map(|r| col.value(*r as usize)));
    let mut dense_of_row = vec![NONE; col.len()];
    for (d, r) in order.iter().enumerate() {
        dense_of_row[*r as usize] = d as u32;
    }
    let index = NodeIndex {
        ids,
        rows: order,
        dense_of_row,
    };
    let size = index.bytes();
    Ok(NODE_INDEXES.insert(key, index, size))
}
