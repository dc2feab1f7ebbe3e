//! The one summary log line per request (HTTP, direct invoke, or one S3 event record): who
//! asked for what, the answer's status, the time taken and the storage requests made
//! (docs/operations.md, "Function configuration").

use std::time::Instant;

use omnigraph_engine::{Engine, StatsStart};
use tracing_subscriber::fmt::MakeWriter;

use crate::routes::{FunctionKind, RouteId};

/// The log format of the functions: one JSON object per line with the event's fields under
/// `fields` (the summary line: `fields.message == "request"`, `fields.status`), no timestamp
/// (Lambda stamps every line), filtered by `RUST_LOG` (default `info`). The Terraform module's
/// 5xx metric filter reads exactly these paths.
pub fn json_log_subscriber<W>(writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .without_time()
        .with_writer(writer)
        .finish()
}

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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use omnigraph_manifest::MemoryManifestStore;

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The Terraform module's 5xx alarm counts summary lines through a metric filter on
    /// `$.fields.message` and `$.fields.status`: the line the functions write has them, and the
    /// module's pattern names them (a change of either side fails here).
    #[test]
    fn summary_line_matches_the_terraform_5xx_metric_filter() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = json_log_subscriber(move || writer.clone());
        let engine = Engine::with_memory_store(
            Arc::new(object_store::memory::InMemory::new()),
            Arc::new(MemoryManifestStore::new()),
        );
        tracing::subscriber::with_default(subscriber, || {
            RequestLog::start(&engine, "req-1", Some(FunctionKind::Mutate), "tester").finish(
                Some(RouteId::Mutate),
                Some("g"),
                503,
            );
        });
        let text = String::from_utf8(buffer.0.lock().expect("log buffer").clone()).expect("utf-8");
        let line: serde_json::Value = serde_json::from_str(text.trim()).expect("one JSON line");
        assert_eq!(line["fields"]["message"], "request", "{line}");
        assert_eq!(line["fields"]["status"], 503, "{line}");
        assert_eq!(line["fields"]["request_id"], "req-1", "{line}");

        let tf = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../infra/terraform/modules/omnigraph/monitoring.tf"),
        )
        .expect("monitoring.tf");
        assert!(
            tf.contains(r#"($.fields.message = \"request\")"#)
                && tf.contains("($.fields.status >= 500)"),
            "monitoring.tf's 5xx metric filter must read $.fields.message and $.fields.status"
        );
    }
}
