//! The scheduled maintenance sweep (the `recover` function and `omnigraph recover --all`):
//! for every graph under the store, resolve the sidecars of dead writers (`Engine::recover`),
//! then garbage-collect (`Engine::gc`). Graphs are found with one LIST of the store root by
//! delimiter (maintenance is not a hot path).

use object_store::ObjectStore;
use omnigraph_manifest::GraphId;
use serde::Serialize;

use crate::engine::Engine;
use crate::protocol::gc::{GcOptions, GcReport};
use crate::protocol::recover::RecoveryReport;
use crate::EngineError;

/// What the sweep did to one graph.
#[derive(Debug, Clone, Serialize)]
pub struct GraphSweep {
    pub graph: String,
    pub recovery: RecoveryReport,
    pub gc: GcReport,
}

impl Engine {
    /// Graph ids under the store root: directories whose name is a valid graph id (one LIST
    /// by delimiter). A directory that holds no graph (e.g. an incoming prefix) is listed too;
    /// [`Engine::maintain`] skips it.
    pub async fn graphs(&self) -> Result<Vec<GraphId>, EngineError> {
        let root = (!self.root.as_ref().is_empty()).then_some(&self.root);
        let listed = self.store.list_with_delimiter(root).await?;
        let mut out: Vec<GraphId> = listed
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename())
            .filter_map(|name| GraphId::new(name).ok())
            .collect();
        out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        Ok(out)
    }

    /// Recovery then GC (with `gc` as the options; its `now_ms` and `dry_run` apply to both)
    /// for `graph`, or for every graph under the store. Directories without a `main` head are
    /// skipped.
    pub async fn maintain(
        &self,
        graph: Option<&GraphId>,
        gc: &GcOptions,
    ) -> Result<Vec<GraphSweep>, EngineError> {
        let graphs = match graph {
            Some(g) => vec![g.clone()],
            None => self.graphs().await?,
        };
        let mut out = Vec::new();
        for g in graphs {
            if graph.is_none() && self.manifest.list_branches(&g).await?.is_empty() {
                continue;
            }
            let recovery = self.recover(&g, gc.now_ms, gc.dry_run).await?;
            let collected = self.gc(&g, gc).await?;
            out.push(GraphSweep {
                graph: g.to_string(),
                recovery,
                gc: collected,
            });
        }
        Ok(out)
    }
}
