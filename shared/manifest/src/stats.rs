//! Request accounting at the manifest boundary: every backend counts the requests it makes
//! to its service (reads, writes, conditional-write failures).

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Live counters shared by a store and whoever reports on it.
#[derive(Debug, Default)]
pub struct ManifestCounters {
    read: AtomicU64,
    write: AtomicU64,
    conflict: AtomicU64,
}

/// A point-in-time copy of [`ManifestCounters`], in the `--stats` shape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ManifestStats {
    pub read: u64,
    pub write: u64,
    pub conflict: u64,
}

impl ManifestCounters {
    pub fn record_read(&self) {
        self.read.fetch_add(1, Ordering::Relaxed);
    }
    pub fn record_write(&self) {
        self.write.fetch_add(1, Ordering::Relaxed);
    }
    pub fn record_conflict(&self) {
        self.conflict.fetch_add(1, Ordering::Relaxed);
    }
    pub fn snapshot(&self) -> ManifestStats {
        ManifestStats {
            read: self.read.load(Ordering::Relaxed),
            write: self.write.load(Ordering::Relaxed),
            conflict: self.conflict.load(Ordering::Relaxed),
        }
    }
}

impl ManifestStats {
    /// Requests made between `earlier` and `self`.
    pub fn since(self, earlier: ManifestStats) -> ManifestStats {
        ManifestStats {
            read: self.read.saturating_sub(earlier.read),
            write: self.write.saturating_sub(earlier.write),
            conflict: self.conflict.saturating_sub(earlier.conflict),
        }
    }
}
