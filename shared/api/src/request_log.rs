//! The one summary log line per request (HTTP, direct invoke, or one S3 event record): who
//! asked for what, the answer's status, the time taken and the storage requests made
//! (docs/operations.md, "Function configuration").

use std::time::Instant;

use omnigraph_engine::{Engine, StatsStart};

use crate::routes::{FunctionKind, RouteId};

/// A request being served; [`RequestLog::finish`] writes its line.
pub(crate) struct RequestLog<'a> {
    engine: &'a Engine,
    request_id: &'a str,
    function: Option<FunctionKind>,
    actor: &'a str,
    started: Instant,
    stats: StatsStart,
}

impl<'a> RequestLog<'a> {
    /// Starts the clock and the storage counters of one request.
    pub(crate) fn start(
        engine: &'a Engine,
        request_id: &'a str,
        function: Option<FunctionKind>,
        actor: &'a str,
    ) -> Self {
        Self {
            engine,
            request_id,
            function,
            actor,
            started: omnigraph_manifest::clock::monotonic_now(),
            stats: engine.stats_start(),
        }
    }

    /// Writes the line: the request answered `status` for `route` on `graph`.
    pub(crate) fn finish(self, route: Option<RouteId>, graph: Option<&str>, status: u16) {
        let stats = self.engine.stats_since(&self.stats);
        let o = &stats.object_store;
        let m = &stats.manifest;
        tracing::info!(
            target: "omnigraph::request",
            request_id = self.request_id,
            function = self.function.map(FunctionKind::as_str).unwrap_or("any"),
            route = route.map(RouteId::op).unwrap_or("unknown"),
            graph = graph.unwrap_or(""),
            actor = self.actor,
            status = status,
            duration_ms = (self.started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
            s3_get = o.get,
            s3_put = o.put,
            s3_list = o.list,
            s3_delete = o.delete,
            s3_head = o.head,
            bytes_read = o.bytes_read,
            bytes_written = o.bytes_written,
            manifest_read = m.read,
            manifest_write = m.write,
            manifest_conflict = m.conflict,
            "request"
        );
    }
}
