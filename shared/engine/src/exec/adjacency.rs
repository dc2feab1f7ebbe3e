//! CSR adjacency, built once per edge table version and kept in process memory.
//!
//! [`Adjacency`]: for one edge table version (and the versions of its endpoint tables), two
//! CSR structures — `out` indexed by source node, `inn` by target node — each holding the
//! neighbour's dense index (in the endpoint's [`NodeIndex`]) and the edge's row number (its
//! position in an unfiltered scan of the edge table). Memory is `O(nodes + edges)` `u32`s.

use std::sync::{Arc, LazyLock};

use arrow_array::cast::AsArray;
use omnigraph_lang::catalog::{node_table_key, TypeDef};

use super::scan::cache::ByteCache;
use super::scan::{node_index, pin_version, scan_uncached, NodeIndex};
use crate::{Engine, EngineError, Snapshot};

type AdjKey = (String, u64, String, u64, String, u64);

static ADJACENCY: LazyLock<ByteCache<AdjKey, Adjacency>> =
    LazyLock::new(|| ByteCache::new(1 << 30));

/// Compressed sparse rows: the neighbours of node `n` are
/// `targets[offsets[n]..offsets[n + 1]]`, with their edge rows in `edges`.
#[derive(Debug, Default)]
pub(super) struct Csr {
    offsets: Vec<u32>,
    targets: Vec<u32>,
    edges: Vec<u32>,
    /// Distinct neighbours of each node (parallel edges counted once).
    distinct: Vec<u32>,
}

impl Csr {
    /// Neighbours (sorted by dense index, then edge row) and their edge rows.
    pub(super) fn neighbors(&self, node: u32) -> (&[u32], &[u32]) {
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
    pub(super) fn distinct_degree(&self, node: u32) -> u32 {
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
pub(super) struct Adjacency {
    /// Indexed by the source node (the edge type's `From`).
    pub out: Csr,
    /// Indexed by the target node (the edge type's `To`).
    pub inn: Csr,
    /// Rows of the edge table (including any with dangling endpoints).
    pub edge_rows: usize,
}

/// The adjacency of edge type `edge` at the snapshot's versions, with the node indexes of its
/// endpoint tables.
pub(super) async fn adjacency(
    engine: &Engine,
    snapshot: &Snapshot,
    edge: &TypeDef,
) -> Result<(Arc<Adjacency>, Arc<NodeIndex>, Arc<NodeIndex>), EngineError> {
    let edge_key = edge.table_key();
    let from_key = node_table_key(edge.from.as_deref().unwrap_or_default());
    let to_key = node_table_key(edge.to.as_deref().unwrap_or_default());
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
