//! Process-wide caches of derived, immutable structures keyed by table versions (scan results,
//! node indexes, adjacency). A `(table uri, version)` names immutable content, so entries never
//! go stale; each cache is bounded by an approximate byte budget and evicts oldest-first.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// A byte-bounded FIFO cache of shared values.
#[derive(Debug)]
pub struct ByteCache<K, V> {
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
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                order: VecDeque::new(),
                bytes: 0,
            }),
            capacity,
        }
    }

    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        let inner = self.inner.lock().ok()?;
        inner.map.get(key).map(|(v, _)| v.clone())
    }

    /// Inserts `value` (of about `size` bytes) unless it alone exceeds a quarter of the budget;
    /// returns the shared value either way.
    pub fn insert(&self, key: K, value: V, size: usize) -> Arc<V> {
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
