//! `omnigraph-engine`: the embedded graph engine over Lance datasets.
//!
//! Owns: graph init/open, table versions as detached Lance commits, snapshots, query
//! execution, mutations, load/export, branches and commits, recovery and garbage collection,
//! and request accounting at the object-store boundary.
//!
//! Must not: know about HTTP, Lambda events or the CLI; it is driven by `omnigraph-api`.

pub mod embedding;
mod engine;
mod error;
mod exec;
mod export;
mod load;
mod mutate;
mod protocol;
mod storage;

// `omnigraph_engine::failpoints` (the crash tests arm them by name).
pub use protocol::failpoints;

pub use clock::now_ms;
pub use engine::{compile_schema, Engine, ManifestChoice, ReadTarget, Snapshot};
pub use error::{EngineError, ManifestConflict};
pub use exec::{
    ExecStats, QueryLimits, QueryResult, SnapshotRef, E_EXPANSION_LIMIT, E_ROW_LIMIT, E_TIME_LIMIT,
};
pub use export::{ExportSummary, EXPORT_TAG};
pub use load::{
    LoadMode, LoadOptions, LoadOutcome, LoadProgress, LoadStats, LoadedTable, ProgressFn,
    DEFAULT_BATCH_ROWS,
};
pub use mutate::append::{AppendRows, AppendSummary};
pub use mutate::MutationOutcome;
/// The workspace clock (time and ids), from `omnigraph-manifest`.
pub use omnigraph_manifest::clock;
pub use protocol::gc::{DeletedFile, DeletedVersion, GcOptions, GcReport};
pub use protocol::history::{BranchInfo, BranchSource, CommitPage};
pub use protocol::maintain::GraphSweep;
pub use protocol::timing::DEFAULT_FUNCTION_TIMEOUT;
pub use storage::counting_store::{CountingStore, ObjectCounters, ObjectStats};
pub use storage::layout::GraphLayout;
pub use storage::location::StoreLocation;
pub use storage::rows::{cell_value, records_to_batch, values_to_array};
// Exported for the Lance guard tests (tests/tests/integration/lance_guards.rs).
pub use protocol::recover::{RecoveredOp, RecoveryReport};
pub use protocol::sidecar::Sidecar;
pub use protocol::write::{Operation, Planned, WriteOutcome};
pub use storage::pinned_handler::PinnedLocations;
pub use storage::stats::{OpStats, StatsStart};
pub use storage::tables::Tables;
pub use storage::tables::OP_ID_PROPERTY;
