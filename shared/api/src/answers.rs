//! What the engine's results look like on the wire: one conversion per answer, from the engine's
//! outcome to its wire type, and the query limits a request asks for. The service's handlers
//! and the embedded CLI both build their answers here, so one engine result has one shape.

use std::time::Duration;

use omnigraph_engine::{
    BranchInfo, CommitPage, Engine, LoadOutcome, MutationOutcome, QueryLimits, QueryResult,
    Snapshot, SnapshotRef,
};
use omnigraph_manifest::{BranchName, Commit, GraphId, Head, Pin};

use crate::error::ApiError;
use crate::handlers::read_target;
use crate::wire::{
    BranchSummary, CommitPageResponse, CommitResponse, CreateBranchResponse, InitResponse,
    ListBranchesResponse, LoadResponse, MutateResponse, QueryRequest, QueryResponse, ReadSnapshot,
    RequestLimits, SnapshotResponse, SnapshotTable, TablePin, TableRows,
};

/// Runs the read query `req` asks for on `graph` within `limits` and answers it in the wire
/// shape: the one query path of the service's handler and the embedded CLI.
pub async fn answer_query(
    engine: &Engine,
    graph: &GraphId,
    req: &QueryRequest,
    limits: &QueryLimits,
) -> Result<QueryResponse, ApiError> {
    let target = read_target(&req.at)?;
    let result = engine
        .query(
            graph,
            &target,
            &req.query,
            req.name.as_deref(),
            req.params.as_ref(),
            limits,
        )
        .await?;
    Ok(QueryResponse::from(result))
}

impl InitResponse {
    /// The answer of creating `graph`, whose `main` head is `head`.
    pub fn new(graph: &GraphId, head: &Head) -> Self {
        Self {
            graph: graph.to_string(),
            branch: BranchName::main().to_string(),
            version: head.version,
            commit: head.commit_id.clone(),
            tables: head.tables.len(),
        }
    }
}

impl CreateBranchResponse {
    /// The answer of creating branch `name`, whose head is `head`.
    pub fn new(name: &BranchName, head: &Head) -> Self {
        Self {
            branch: name.to_string(),
            version: head.version,
            commit: head.commit_id.clone(),
        }
    }
}

impl From<SnapshotRef> for ReadSnapshot {
    fn from(s: SnapshotRef) -> Self {
        Self {
            branch: s.branch.to_string(),
            version: s.version,
            commit: s.commit,
        }
    }
}

impl From<QueryResult> for QueryResponse {
    fn from(result: QueryResult) -> Self {
        Self {
            row_count: result.rows.len(),
            columns: result.columns,
            rows: result.rows,
            snapshot: result.snapshot.into(),
        }
    }
}

impl From<&Snapshot> for SnapshotResponse {
    fn from(snap: &Snapshot) -> Self {
        Self {
            graph: snap.graph.to_string(),
            branch: snap.branch.to_string(),
            version: snap.version,
            commit: snap.commit.clone(),
            schema_hash: snap.schema_hash.clone(),
            tables: snap
                .tables
                .iter()
                .map(|(key, pin)| SnapshotTable {
                    table_key: key.clone(),
                    version: pin.version,
                    rows: pin.rows,
                })
                .collect(),
        }
    }
}

impl From<LoadOutcome> for LoadResponse {
    fn from(outcome: LoadOutcome) -> Self {
        let tables = outcome
            .tables
            .into_iter()
            .map(|t| TableRows {
                table_key: t.table_key,
                rows: t.rows,
            })
            .collect();
        Self {
            branch: outcome.branch.to_string(),
            commit: outcome.commit,
            version: outcome.version,
            tables,
        }
    }
}

impl From<MutationOutcome> for MutateResponse {
    fn from(out: MutationOutcome) -> Self {
        Self {
            affected_nodes: out.affected_nodes,
            affected_edges: out.affected_edges,
            commit: out.commit,
            version: out.version,
        }
    }
}

impl From<Vec<BranchInfo>> for ListBranchesResponse {
    fn from(branches: Vec<BranchInfo>) -> Self {
        Self {
            branches: branches
                .into_iter()
                .map(|b| BranchSummary {
                    name: b.name.to_string(),
                    version: b.version,
                    commit: b.commit,
                })
                .collect(),
        }
    }
}

impl From<Pin> for TablePin {
    fn from(pin: Pin) -> Self {
        Self {
            version: pin.version,
            rows: pin.rows,
            manifest_size: pin.manifest_size,
            e_tag: pin.e_tag,
        }
    }
}

impl From<Commit> for CommitResponse {
    fn from(c: Commit) -> Self {
        Self {
            id: c.id,
            graph: c.graph.to_string(),
            branch: c.branch.to_string(),
            version: c.version,
            parents: c.parents,
            actor: c.actor,
            op_kind: c.op_kind,
            op_id: c.op_id,
            created_at: c.created_at,
            schema_hash: c.schema_hash,
            pins: c.pins.into_iter().map(|(k, p)| (k, p.into())).collect(),
            summary: c.summary,
        }
    }
}

impl From<CommitPage> for CommitPageResponse {
    fn from(page: CommitPage) -> Self {
        Self {
            commits: page.commits.into_iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

impl RequestLimits {
    /// The asked limits, `defaults` where none is asked (the embedded CLI: its user may raise
    /// them).
    pub fn over(&self, defaults: &QueryLimits) -> QueryLimits {
        QueryLimits {
            max_rows: self.max_rows.unwrap_or(defaults.max_rows),
            max_expansion: self.max_expansion.unwrap_or(defaults.max_expansion),
            timeout: self
                .timeout_ms
                .map_or(defaults.timeout, Duration::from_millis),
            ..defaults.clone()
        }
    }

    /// The asked limits within `caps` (a server: a request may tighten its limits, never
    /// loosen them); `caps` where none is asked.
    pub fn within(&self, caps: &QueryLimits) -> QueryLimits {
        let asked = self.over(caps);
        QueryLimits {
            max_rows: asked.max_rows.min(caps.max_rows),
            max_expansion: asked.max_expansion.min(caps.max_expansion),
            timeout: asked.timeout.min(caps.timeout),
            ..caps.clone()
        }
    }
}
