//! Process-wide caches of derived, immutable structures keyed by table versions (scan results,
//! node indexes, adjacency). A `(table uri, version)` names immutable content, so entries never
//! go stale; each cache is bounded by an approximate byte budget and evicts oldest-first.
//! [`ExecCounters`] count, per engine, how often a structure was built rather than reused.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;

/// A byte-bounded FIFO cache of shared values.
#[derive(Debug)]
pub(crate) struct ByteCache<K, V> {
    inner: Mutex<Inner<K, V>>,
    capacity: usize,
}

#[derive(Debug)]
struct Inner<K, V> {
    map: HashMap<K, (Arc<V>, usize)>,
    order: VecDeque<K>,
    bytes: usize,
}

impl<K: Hash + Eq + Clone, V> ByteCache<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                order: VecDeque::new(),
                bytes: 0,
            }),
            capacity,
        }
    }

    pub(crate) fn get(&self, key: &K) -> Option<Arc<V>> {
        let inner = self.inner.lock().ok()?;
        inner.map.get(key).map(|(v, _)| v.clone())
    }

    /// Inserts `value` (of about `size` bytes) unless it alone exceeds a quarter of the budget;
    /// returns the shared value either way.
    pub(crate) fn insert(&self, key: K, value: V, size: usize) -> Arc<V> {
        let value = Arc::new(value);
        if size > self.capacity / 4 {
            return value;
        }
        if let Ok(mut inner) = self.inner.lock() {
            if let Some((existing, _)) = inner.map.get(&key) {
                return existing.clone();
            }
            while inner.bytes + size > self.capacity {
                let Some(old) = inner.order.pop_front() else {
                    break;
                };
                if let Some((_, s)) = inner.map.remove(&old) {
                    inner.bytes = inner.bytes.saturating_sub(s);
                }
            }
            inner.map.insert(key.clone(), (value.clone(), size));
            inner.order.push_back(key);
            inner.bytes += size;
        }
        value
    }
}

/// How often one engine built derived structures instead of reusing cached ones. A warm
/// query over unchanged table versions increments none of them.
#[derive(Debug, Default)]
pub(crate) struct ExecCounters {
    adjacency_builds: AtomicU64,
    node_index_builds: AtomicU64,
    table_scans: AtomicU64,
}

/// A snapshot of [`ExecCounters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ExecStats {
    /// CSR adjacency structures built (one per edge table version and endpoint versions).
    pub adjacency_builds: u64,
    /// Dense node indexes built (one per node table version).
    pub node_index_builds: u64,
    /// Lance scans run (cache misses of the scan cache, plus adjacency/index builds).
    pub table_scans: u64,
}

impl ExecStats {
    /// Counts since `earlier`.
    pub fn since(&self, earlier: &ExecStats) -> ExecStats {
        ExecStats {
            adjacency_builds: self.adjacency_builds - earlier.adjacency_builds,
            node_index_builds: self.node_index_builds - earlier.node_index_builds,
            table_scans: self.table_scans - earlier.table_scans,
        }
    }
}

impl ExecCounters {
    pub(crate) fn adjacency_built(&self) {
        self.adjacency_builds.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn node_index_built(&self) {
        self.node_index_builds.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn table_scanned(&self) {
        self.table_scans.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> ExecStats {
        ExecStats {
            adjacency_builds: self.adjacency_builds.load(Ordering::Relaxed),
            node_index_builds: self.node_index_builds.load(Ordering::Relaxed),
            table_scans: self.table_scans.load(Ordering::Relaxed),
        }
    }
}
