//! `omnigraph-engine`: the embedded graph engine over Lance datasets.
//!
//! Owns: graph init/open, table versions as detached Lance commits, snapshots, query
//! execution, mutations, load/export, branches and commits, recovery and garbage collection,
//! and request accounting at the object-store boundary.
//!
//! Must not: know about HTTP, Lambda events or the CLI; it is driven by `omnigraph-api`.

mod append;
mod clock;
mod counting_store;
pub mod embedding;
mod engine;
mod error;
mod exec;
mod export;
pub mod failpoints;
mod gc;
mod history;
mod layout;
mod load;
mod load_embed;
mod location;
mod maintain;
mod mutate;
mod pinned_handler;
mod recover;
mod rows;
mod sidecar;
mod stats;
mod tables;
mod write;

pub use append::AppendRows;
pub use clock::now_ms;
pub use counting_store::{CountingStore, ObjectCounters, ObjectStats};
pub use engine::{compile_schema, Engine, ManifestChoice, ReadTarget, Snapshot};
pub use error::{EngineError, ManifestConflict};
pub use exec::{
    ExecStats, QueryLimits, QueryResult, SnapshotRef, E_EXPANSION_LIMIT, E_ROW_LIMIT, E_TIME_LIMIT,
};
pub use export::{ExportSummary, EXPORT_TAG};
pub use gc::{DeletedFile, DeletedVersion, GcOptions, GcReport, DEFAULT_FUNCTION_TIMEOUT};
pub use history::{BranchInfo, BranchSource, CommitPage};
pub use layout::GraphLayout;
pub use load::{
    LoadMode, LoadOptions, LoadOutcome, LoadProgress, LoadStats, ProgressFn, DEFAULT_BATCH_ROWS,
};
pub use location::StoreLocation;
pub use maintain::GraphSweep;
pub use mutate::MutationOutcome;
pub use rows::{cell_value, records_to_batch, values_to_array};
// Exported for the Lance guard tests (tests/tests/integration/lance_guards.rs).
pub use pinned_handler::PinnedLocations;
pub use recover::{RecoveredOp, RecoveryReport};
pub use sidecar::{Sidecar, OP_ID_PROPERTY};
pub use stats::{OpStats, StatsStart};
pub use tables::Tables;
pub use write::{Operation, Planned, WriteOutcome};
