//! The recover function's sweep: for one graph or every graph under the store (the scheduled
//! run), resolve the crash sidecars of dead writers and then garbage-collect, by the engine's
//! `maintain` (recovery, then GC keeping every commit with the minimum guard).
//!
//! Must not: decide what a dead writer left behind or what is garbage (that is the engine's);
//! it only picks the graphs, the clock and the report shape.

use omnigraph_engine::{now_ms, GcOptions};
use omnigraph_manifest::GraphId;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::service::Service;

/// Sweeps `graph` (or every graph) at the current time; answers the totals and, per graph,
/// `{graph, recovery, gc}` (the engine's reports).
pub(crate) async fn recover(
    service: &Service,
    graph: Option<GraphId>,
    dry_run: bool,
) -> Result<Value, ApiError> {
    let now = now_ms();
    let mut options = GcOptions::new(now);
    options.dry_run = dry_run;
    let swept = service.engine.maintain(graph.as_ref(), &options).await?;
    let rolled_back: usize = swept.iter().map(|s| s.recovery.rolled_back.len()).sum();
    let committed: usize = swept.iter().map(|s| s.recovery.committed.len()).sum();
    let undecided: usize = swept.iter().map(|s| s.recovery.undecided.len()).sum();
    let reclaimed: u64 = swept.iter().map(|s| s.gc.bytes_reclaimed).sum();
    let sweeps = serde_json::to_value(&swept)
        .map_err(|e| ApiError::internal(format!("report encoding: {e}")))?;
    Ok(json!({
        "now_ms": now,
        "dry_run": dry_run,
        "graphs": swept.len(),
        "rolled_back": rolled_back,
        "committed": committed,
        "undecided": undecided,
        "bytes_reclaimed": reclaimed,
        "sweeps": sweeps,
    }))
}
