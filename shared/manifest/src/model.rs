//! The records the manifest store keeps: branch heads, commits, pins and pages.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::names::{BranchName, GraphId};

/// A table's version as pinned by a head or commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    /// The Lance dataset version (1 = the empty mainline version; later ones are detached).
    pub version: u64,
    /// Rows in the table at that version.
    pub rows: u64,
    /// Size of the version's Lance manifest, so opening it needs no HEAD request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_size: Option<u64>,
    /// ETag of the manifest object, when the store reports one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
}

/// The head of a branch: the only authority on what the branch is.
///
/// Kept small (pins only, no history): typically well under 4 KB.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// +1 per publish on this branch (monotonic across delete and re-create).
    pub version: u64,
    /// The commit this head publishes.
    pub commit_id: String,
    /// Hash of the schema's canonical form.
    pub schema_hash: String,
    /// Table key (`node:Person`, `edge:Knows`) → pinned version.
    pub tables: BTreeMap<String, Pin>,
}

/// One entry of a graph's history. Commits form a DAG through `parents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    /// A ULID; later commits sort after their parents.
    pub id: String,
    pub graph: GraphId,
    /// The branch the commit was made on.
    pub branch: BranchName,
    /// The branch head version this commit was published as.
    pub version: u64,
    /// One parent for ordinary commits, two for merges, none for genesis.
    pub parents: Vec<String>,
    pub actor: String,
    /// What made the commit (`init`, `mutate`, `load`, `branch`, `merge`, `schema`, `recovery`…).
    pub op_kind: String,
    /// The operation id (the sidecar's ULID) that produced it.
    pub op_id: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: u64,
    pub schema_hash: String,
    pub pins: BTreeMap<String, Pin>,
    /// Free-form, small summary of the operation (counts, table keys written).
    #[serde(default)]
    pub summary: serde_json::Value,
}

/// A page request: resume after `cursor` (exclusive), at most `limit` items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub cursor: Option<String>,
    pub limit: usize,
}

impl PageRequest {
    /// The first page of at most `limit` items.
    pub fn first(limit: usize) -> Self {
        Self {
            cursor: None,
            limit,
        }
    }
}

/// A page of results with the cursor for the next one (None when there is no more).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}
