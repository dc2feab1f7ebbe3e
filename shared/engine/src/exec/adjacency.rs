//! Dense node indices and CSR adjacency, built once per table version and kept in process
//! memory.
//!
//! * [`NodeIndex`]: the ids of one node table version, sorted (byte order) in one contiguous
//!   Arrow string array; a node's dense `u32` index is its position. Lookup is a binary search.
//! * [`Adjacency`]: for one edge table version (and the versions of its endpoint tables), two
//!   CSR structures — `out` indexed by source node, `inn` by target node — each holding the
//!   neighbour's dense index and the edge's row number (its position in an unfiltered scan of
//!   the edge table). Memory is `O(nodes + edges)` `u32`s.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use arrow_array::cast::AsArray;
use arrow_array::{Array, StringArray};
use omnigraph_lang::catalog::TypeDef;

use super::cache::ByteCache;
use super::scan::scan_uncached;
use crate::{Engine, EngineError, Snapshot};

static NODE_INDEXES: LazyLock<ByteCache<(String, u64), NodeIndex>> =
    LazyLock::new(|| ByteCache::new(512 << 20));

type AdjKey = (String, u64, String, u64, String, u64);

static ADJACENCY: LazyLock<ByteCache<AdjKey, Adjacency>> =
    LazyLock::new(|| ByteCache::new(1 << 30));

/// Sorted ids of a node table version, with each id's row in an unfiltered in-order scan.
#[derive(Debug)]
pub struct NodeIndex {
    ids: StringArray,
    /// Dense index → row of the unfiltered scan.
    rows: Vec<u32>,
    /// Row of the unfiltered scan → dense index.
    dense_of_row: Vec<u32>,
}

impl NodeIndex {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// The dense index of `id`.
    pub fn find(&self, id: &str) -> Option<u32> {
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
    pub fn row_of_id(&self, id: &str) -> Option<u32> {
        self.find(id)
            .and_then(|d| self.rows.get(d as usize).copied())
    }

    /// The row (in an unfiltered in-order scan) of the node with dense index `d`.
    pub fn row_of_dense(&self, d: u32) -> Option<u32> {
        self.rows.get(d as usize).copied()
    }

    /// The dense index of the node in `row` of an unfiltered in-order scan.
    pub fn dense_of_row(&self, row: u32) -> Option<u32> {
        self.dense_of_row.get(row as usize).copied()
    }

    /// Rows of the unfiltered scan (every row is a node).
    pub fn rows(&self) -> usize {
        self.dense_of_row.len()
    }

    /// A hash from id to dense index (for bulk lookups).
    fn id_map(&self) -> HashMap<&str, u32> {
        (0..self.ids.len())
            .map(|d| (self.ids.value(d), d as u32))
            .collect()
    }

    fn bytes(&self) -> usize {
        self.ids.get_array_memory_size() + 4 * (self.rows.len() + self.dense_of_row.len())
    }
}

/// Compressed sparse rows: the neighbours of node `n` are
/// `targets[offsets[n]..offsets[n + 1]]`, with their edge rows in `edges`.
#[derive(Debug, Default)]
pub struct Csr {
    offsets: Vec<u32>,
    targets: Vec<u32>,
    edges: Vec<u32>,
    /// Distinct neighbours of each node (parallel edges counted once).
    distinct: Vec<u32>,
}

impl Csr {
    /// Neighbours (sorted by dense index, then edge row) and their edge rows.
    pub fn neighbors(&self, node: u32) -> (&[u32], &[u32]) {
        let n = node as usize;
        match (self.offsets.get(n), self.offsets.get(n + 1)) {
            (Some(&a), Some(&b)) => {
                let (a, b) = (a as usize, b as usize);
                (&self.targets[a..b], &self.edges[a..b])
            }
            _ => (&[], &[]),
        }
    }

    /// The number of distinct neighbours of `node`.
    pub fn distinct_degree(&self, node: u32) -> u32 {
        self.distinct.get(node as usize).copied().unwrap_or(0)
    }

    fn build(nodes: usize, pairs: &[(u32, u32, u32)]) -> Result<Self, EngineError> {
        let mut counts = vec![0u32; nodes + 1];
        for (s, _, _) in pairs {
            counts[*s as usize + 1] += 1;
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let offsets = counts;
        let mut fill = offsets.clone();
        let mut targets = vec![0u32; pairs.len()];
        let mut edges = vec![0u32; pairs.len()];
        for (s, t, e) in pairs {
            let at = fill[*s as usize] as usize;
            targets[at] = *t;
            edges[at] = *e;
            fill[*s as usize] += 1;
        }
        for n in 0..nodes {
            let (a, b) = (offsets[n] as usize, offsets[n + 1] as usize);
            let mut seg: Vec<(u32, u32)> = targets[a..b]
                .iter()
                .copied()
                .zip(edges[a..b].iter().copied())
                .collect();
            seg.sort_unstable();
            for (i, (t, e)) in seg.into_iter().enumerate() {
                targets[a + i] = t;
                edges[a + i] = e;
            }
        }
        let distinct = (0..nodes)
            .map(|n| {
                let seg = &targets[offsets[n] as usize..offsets[n + 1] as usize];
                let mut count = 0u32;
                let mut last = None;
                for t in seg {
                    if last != Some(*t) {
                        count += 1;
                        last = Some(*t);
                    }
                }
                count
            })
            .collect();
        Ok(Self {
            offsets,
            targets,
            edges,
            distinct,
        })
    }

    fn bytes(&self) -> usize {
        4 * (self.offsets.len() + self.targets.len() + self.edges.len() + self.distinct.len())
    }
}

/// Both directions of one edge table version.
#[derive(Debug)]
pub struct Adjacency {
    /// Indexed by the source node (the edge type's `From`).
    pub out: Csr,
    /// Indexed by the target node (the edge type's `To`).
    pub inn: Csr,
    /// Rows of the edge table (including any with dangling endpoints).
    pub edge_rows: usize,
}

fn pin_version(snapshot: &Snapshot, table_key: &str) -> Result<u64, EngineError> {
    snapshot
        .tables
        .get(table_key)
        .map(|p| p.version)
        .ok_or_else(|| EngineError::internal(format!("snapshot pins no version of `{table_key}`")))
}

/// The node index of `table_key` at the snapshot's version.
pub async fn node_index(
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
    let mut dense_of_row = vec![super::pattern::NONE; col.len()];
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

/// The adjacency of edge type `edge` at the snapshot's versions, with the node indexes of its
/// endpoint tables.
pub async fn adjacency(
    engine: &Engine,
    snapshot: &Snapshot,
    edge: &TypeDef,
) -> Result<(Arc<Adjacency>, Arc<NodeIndex>, Arc<NodeIndex>), EngineError> {
    let edge_key = edge.table_key();
    let from_key = format!("node:{}", edge.from.as_deref().unwrap_or_default());
    let to_key = format!("node:{}", edge.to.as_deref().unwrap_or_default());
    let from_idx = node_index(engine, snapshot, &from_key).await?;
    let to_idx = node_index(engine, snapshot, &to_key).await?;
    let (edge_uri, _) = engine.open_table(snapshot, &edge_key).await?;
    let (from_uri, _) = engine.open_table(snapshot, &from_key).await?;
    let (to_uri, _) = engine.open_table(snapshot, &to_key).await?;
    let key: AdjKey = (
        edge_uri,
        pin_version(snapshot, &edge_key)?,
        from_uri,
        pin_version(snapshot, &from_key)?,
        to_uri,
        pin_version(snapshot, &to_key)?,
    );
    if let Some(hit) = ADJACENCY.get(&key) {
        return Ok((hit, from_idx, to_idx));
    }
    let batch = scan_uncached(
        engine,
        snapshot,
        &edge_key,
        &["src".to_string(), "dst".to_string()],
    )
    .await?;
    engine.exec_counters.adjacency_built();
    let src = batch
        .column(0)
        .as_string_opt::<i32>()
        .ok_or_else(|| EngineError::internal("`src` column is not Utf8"))?;
    let dst = batch
        .column(1)
        .as_string_opt::<i32>()
        .ok_or_else(|| EngineError::internal("`dst` column is not Utf8"))?;
    let rows = batch.num_rows();
    if u32::try_from(rows).is_err() {
        return Err(EngineError::internal("edge table too large for u32 rows"));
    }
    let mut out_pairs = Vec::with_capacity(rows);
    let mut in_pairs = Vec::with_capacity(rows);
    // a temporary hash of the ids: one lookup per endpoint instead of a binary search
    let from_ids = from_idx.id_map();
    let same = Arc::ptr_eq(&from_idx, &to_idx);
    let to_ids = if same { None } else { Some(to_idx.id_map()) };
    let to_ids = to_ids.as_ref().unwrap_or(&from_ids);
    for i in 0..rows {
        if let (Some(&s), Some(&d)) = (from_ids.get(src.value(i)), to_ids.get(dst.value(i))) {
            out_pairs.push((s, d, i as u32));
            in_pairs.push((d, s, i as u32));
        }
    }
    let out = Csr::build(from_idx.len(), &out_pairs)?;
    let inn = Csr::build(to_idx.len(), &in_pairs)?;
    let size = out.bytes() + inn.bytes();
    let adj = Adjacency {
        out,
        inn,
        edge_rows: rows,
    };
    Ok((ADJACENCY.insert(key, adj, size), from_idx, to_idx))
}
