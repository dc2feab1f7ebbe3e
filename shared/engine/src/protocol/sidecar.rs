//! Crash sidecars: `__recovery/<op id>.json`, written before a writer touches any table and
//! deleted after its head CAS. A sidecar older than its deadline belongs to a dead writer;
//! `recover` uses it to decide whether the operation committed and what to clean up.

use std::collections::BTreeMap;

use omnigraph_manifest::{BranchName, GraphId, Pin};
use serde::{Deserialize, Serialize};

/// What a writer declares before it writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sidecar {
    /// The operation id (a ULID); also the commit's `op_id`.
    pub op_id: String,
    /// `init`, `mutate`, `load`, `branch_create`, …
    pub kind: String,
    pub actor: String,
    pub graph: GraphId,
    pub branch: BranchName,
    /// The head version the operation started from (None when it creates the branch).
    pub base_version: Option<u64>,
    /// The pins of the tables it will write, at the base head.
    pub base_pins: BTreeMap<String, Pin>,
    /// The table keys it will write.
    pub tables: Vec<String>,
    /// Milliseconds since the Unix epoch.
    pub created_at: u64,
    /// After this instant (ms) a still-present sidecar belongs to a dead writer.
    pub deadline: u64,
    /// The detached versions the writer staged, recorded by rewriting the sidecar once after
    /// step B (empty if it died before that: `recover` then finds them by the op id stamped
    /// in each version's Lance transaction properties).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub staged: BTreeMap<String, Pin>,
    /// Detached versions staged on the way to `staged` (a streaming load commits one version
    /// per batch, each on top of the previous one); `recover` removes them too.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub intermediate: BTreeMap<String, Vec<u64>>,
}
