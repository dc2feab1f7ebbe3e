//! Per-operation request counts: the object-store and manifest counters of one engine,
//! differenced around an operation, in the `--stats` shape of the interface reference.

use std::time::Instant;

use omnigraph_manifest::ManifestStats;
use serde::Serialize;

use crate::storage::counting_store::ObjectStats;

/// Requests one operation made at the storage boundaries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct OpStats {
    pub object_store: ObjectStats,
    pub manifest: ManifestStats,
    pub elapsed_ms: f64,
}

impl OpStats {
    /// The `{"stats": {...}}` object printed by `--stats`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "stats": self })
    }
}

/// Counter snapshots taken when an operation starts.
#[derive(Debug, Clone, Copy)]
pub struct StatsStart {
    pub(crate) object_store: ObjectStats,
    pub(crate) manifest: ManifestStats,
    pub(crate) at: Instant,
}
