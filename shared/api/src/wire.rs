//! Request and response bodies of the routes (docs/reference/interfaces.md, "HTTP routes"):
//! the one set of wire types. The service serialises its answers from them, the embedded CLI
//! prints the same types, and the CLI's remote mode sends the requests and decodes the answers
//! with them, so both CLI modes print the same bytes. Unknown fields are ignored, so a
//! direct-invoke envelope (`op`, `graph`, …) deserializes into the same types. Every type
//! derives `JsonSchema`: the OpenAPI document is generated from these definitions.
//! `answers.rs` builds the answers from the engine's results.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `POST /graphs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InitRequest {
    pub graph: String,
    pub schema: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InitResponse {
    pub graph: String,
    pub branch: String,
    pub version: u64,
    pub commit: String,
    /// Tables created (one per node and edge type).
    pub tables: usize,
}

/// What a read reads: a branch head (default `main`), a commit (wins), or an earlier head
/// version of the branch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReadAt {
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub commit: Option<String>,
    #[serde(default)]
    pub version: Option<u64>,
}

/// `POST /graphs/{g}/query`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QueryRequest {
    pub query: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub params: Option<serde_json::Value>,
    #[serde(flatten)]
    pub at: ReadAt,
    #[serde(flatten)]
    pub limits: RequestLimits,
}

/// Query-time limits a request asks for. Each one absent takes the answering side's default;
/// a server answers with the smaller of the asked limit and its own (a request may tighten a
/// server's limits, never loosen them). Exceeding one is a `bad_request` with code E-L001,
/// E-L002 or E-L003.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RequestLimits {
    /// Most rows the result may have (E-L001 above it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rows: Option<usize>,
    /// Most traversal and join steps the query may take (E-L002 above it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_expansion: Option<u64>,
    /// Wall-clock budget of the query in milliseconds (E-L003 past it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QueryResponse {
    pub columns: Vec<String>,
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
    pub row_count: usize,
    pub snapshot: ReadSnapshot,
}

/// `POST /graphs/{g}/export`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExportRequest {
    #[serde(flatten)]
    pub at: ReadAt,
    /// Node and edge type names to export (empty or absent: every type).
    #[serde(default)]
    pub types: Vec<String>,
}

/// The export: NDJSON inline when it fits the configured limit, else the location of the
/// object it was written to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExportResponse {
    pub branch: String,
    pub version: u64,
    pub commit: String,
    /// Lines (records) written.
    pub lines: u64,
    /// Size of the NDJSON in bytes.
    pub bytes: u64,
    /// The records, one JSON object per line, in the shape `load` reads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ndjson: Option<String>,
    /// `s3://bucket/key` (or a local path) of the stored export, when it was too large.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// `POST /graphs/{g}/load`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoadRequest {
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub mode: Option<String>,
    /// NDJSON text.
    #[serde(default)]
    pub data: Option<String>,
    /// `s3://bucket/key` of the NDJSON input.
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TableRows {
    pub table_key: String,
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoadResponse {
    pub branch: String,
    pub commit: String,
    pub version: u64,
    pub tables: Vec<TableRows>,
}

/// One pinned table of a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SnapshotTable {
    pub table_key: String,
    pub version: u64,
    pub rows: u64,
}

/// `GET /graphs/{g}/snapshot`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SnapshotResponse {
    pub graph: String,
    pub branch: String,
    pub version: u64,
    pub commit: String,
    pub schema_hash: String,
    pub tables: Vec<SnapshotTable>,
}

/// `GET /graphs/{g}/schema`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SchemaResponse {
    pub schema: String,
    pub hash: String,
}

/// `POST /graphs/{g}/branches`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CreateBranchRequest {
    pub name: String,
    /// Source branch (default `main`).
    #[serde(default)]
    pub from: Option<String>,
    /// Source commit (wins over `from`).
    #[serde(default)]
    pub commit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CreateBranchResponse {
    pub branch: String,
    pub version: u64,
    pub commit: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ListBranchesResponse {
    pub branches: Vec<BranchSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeleteBranchResponse {
    pub deleted: String,
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HealthResponse {
    pub status: String,
    pub function: String,
    pub version: String,
}

/// `POST /graphs/{g}/mutate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MutateRequest {
    pub query: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub params: Option<serde_json::Value>,
    #[serde(default)]
    pub branch: Option<String>,
    /// A retried request with the same key is answered from the first one's record and
    /// applies nothing.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MutateResponse {
    pub affected_nodes: u64,
    pub affected_edges: u64,
    pub commit: String,
    pub version: u64,
}

/// The error object every failed request answers with (docs/reference/interfaces.md, "Errors").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorDetail {
    /// `bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`,
    /// `payload_too_large`, `too_many_requests`, `unavailable` or `internal`.
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

/// The read point a query answered from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReadSnapshot {
    pub branch: String,
    pub version: u64,
    pub commit: String,
}

/// One branch of `GET /graphs/{g}/branches`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BranchSummary {
    pub name: String,
    pub version: u64,
    pub commit: String,
}

/// One table version pinned by a commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TablePin {
    pub version: u64,
    pub rows: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
}

/// `GET /graphs/{g}/commits/{id}`: one commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CommitResponse {
    pub id: String,
    pub graph: String,
    pub branch: String,
    pub version: u64,
    pub parents: Vec<String>,
    pub actor: String,
    pub op_kind: String,
    pub op_id: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: u64,
    pub schema_hash: String,
    pub pins: BTreeMap<String, TablePin>,
    pub summary: serde_json::Value,
}

/// `GET /graphs/{g}/commits`: newest first; pass `next_cursor` as `cursor` for the next page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CommitPageResponse {
    pub commits: Vec<CommitResponse>,
    pub next_cursor: Option<String>,
}
