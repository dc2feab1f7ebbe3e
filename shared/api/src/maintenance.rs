//! The recover function's sweep: for one graph or every graph under the store (the scheduled
//! run), resolve the crash sidecars of dead writers and then garbage-collect, by the engine's
//! `maintain` (recovery, then GC keeping every commit with the minimum guard).
//!
//! Must not: decide what a dead writer left behind or what is garbage (that is the engine's);
//! it only picks the graphs, the clock and the report shape.

use std::time::{SystemTime, UNIX_EPOCH};

use omnigraph_engine::GcOptions;
use omnigraph_manifest::GraphId;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::service::Service;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Sweeps `graph` (or every graph) at the current time; answers the totals, one recovery
/// report and one GC report per graph.
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
    let encode = |v: Result<Value, serde_json::Error>| {
        v.map_err(|e| ApiError::internal(format!("report encoding: {e}")))
    };
    let mut reports = Vec::with_capacity(swept.len());
    let mut gc = Vec::with_capacity(swept.len());
    for s in &swept {
        reports.push(encode(serde_json::to_value(&s.recovery))?);
        gc.push(encode(serde_json::to_value(&s.gc))?);
    }
    Ok(json!({
        "now_ms": now,
        "dry_run": dry_run,
        "graphs": swept.len(),
        "rolled_back": rolled_back,
        "committed": committed,
        "undecided": undecided,
        "bytes_reclaimed": reclaimed,
        "reports": reports,
        "gc": gc,
    }))
}
