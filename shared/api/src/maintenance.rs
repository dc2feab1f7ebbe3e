//! The recover function's sweep: resolves the crash sidecars of dead writers in one graph or
//! in every graph under the store (the scheduled run), by the engine's recovery.
//!
//! Must not: decide what a dead writer left behind (that is `Engine::recover`); it only picks
//! the graphs and the clock.

use std::time::{SystemTime, UNIX_EPOCH};

use object_store::ObjectStore;
use omnigraph_engine::StoreLocation;
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

/// The graphs under the store root: one LIST with a delimiter (a scheduled sweep is not a
/// hot path). Directory names that are no valid graph id are skipped.
pub(crate) async fn list_graphs(store: &str) -> Result<Vec<GraphId>, ApiError> {
    let location = StoreLocation::parse(store)?;
    if let StoreLocation::Local(dir) = &location {
        if !dir.exists() {
            return Ok(Vec::new());
        }
    }
    let (raw, root) = location.open()?;
    let listed = raw
        .list_with_delimiter(Some(&root))
        .await
        .map_err(|e| ApiError::from(omnigraph_engine::EngineError::from(e)))?;
    let mut graphs: Vec<GraphId> = listed
        .common_prefixes
        .iter()
        .filter_map(|p| p.filename())
        .filter_map(|name| GraphId::new(name).ok())
        .collect();
    graphs.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    Ok(graphs)
}

/// Sweeps `graph` (or every graph) at the current time; answers one report per graph.
pub(crate) async fn recover(
    service: &Service,
    graph: Option<GraphId>,
    dry_run: bool,
) -> Result<Value, ApiError> {
    let graphs = match graph {
        Some(g) => vec![g],
        None => list_graphs(&service.config.store).await?,
    };
    let now = now_ms();
    let mut reports = Vec::with_capacity(graphs.len());
    let mut rolled_back = 0usize;
    let mut committed = 0usize;
    for g in &graphs {
        let report = service.engine.recover(g, now, dry_run).await?;
        rolled_back += report.rolled_back.len();
        committed += report.committed.len();
        reports.push(
            serde_json::to_value(&report)
                .map_err(|e| ApiError::internal(format!("report encoding: {e}")))?,
        );
    }
    Ok(json!({
        "now_ms": now,
        "dry_run": dry_run,
        "graphs": graphs.len(),
        "rolled_back": rolled_back,
        "committed": committed,
        "reports": reports,
    }))
}
