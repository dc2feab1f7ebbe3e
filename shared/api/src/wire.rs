//! Request and response bodies of the routes (interface reference §2). Unknown fields are
//! ignored, so a direct-invoke envelope (`op`, `graph`, …) deserializes into the same types.

use omnigraph_engine::{BranchInfo, SnapshotRef};
use serde::{Deserialize, Serialize};

/// `POST /graphs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitRequest {
    pub graph: String,
    pub schema: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitResponse {
    pub graph: String,
    pub branch: String,
    pub commit: String,
    pub version: u64,
}

/// `POST /graphs/{g}/query`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryRequest {
    pub query: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub params: Option<serde_json::Value>,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub commit: Option<String>,
    #[serde(default)]
    pub version: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryResponse {
    pub columns: Vec<String>,
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
    pub row_count: usize,
    pub snapshot: SnapshotRef,
}

/// `POST /graphs/{g}/load`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRows {
    pub table_key: String,
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadResponse {
    pub branch: String,
    pub commit: String,
    pub version: u64,
    pub tables: Vec<TableRows>,
}

/// One pinned table of a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotTable {
    pub table_key: String,
    pub version: u64,
    pub rows: u64,
}

/// `GET /graphs/{g}/snapshot`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotResponse {
    pub graph: String,
    pub branch: String,
    pub version: u64,
    pub commit: String,
    pub schema_hash: String,
    pub tables: Vec<SnapshotTable>,
}

/// `GET /graphs/{g}/schema`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaResponse {
    pub schema: String,
    pub hash: String,
}

/// `POST /graphs/{g}/branches`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateBranchRequest {
    pub name: String,
    /// Source branch (default `main`).
    #[serde(default)]
    pub from: Option<String>,
    /// Source commit (wins over `from`).
    #[serde(default)]
    pub commit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateBranchResponse {
    pub branch: String,
    pub version: u64,
    pub commit: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListBranchesResponse {
    pub branches: Vec<BranchInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeleteBranchResponse {
    pub deleted: String,
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthResponse {
    pub status: String,
    pub function: String,
    pub version: String,
}
