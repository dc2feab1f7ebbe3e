//! Bulk load from JSONL (`overwrite`, `append`, `merge`) as one commit through the write
//! protocol, streamed: the input is read line by line from any async reader and never held
//! whole.
//!
//! Validation follows the order of docs/reference/data.md, "Validation order": each line as it is
//! read (shape, type, properties, values, ranges, checks, id rules — `omnigraph_lang::data`), ids
//! as records arrive (E-D015, merge identity; [`checks`]), and the rules on the resulting state
//! once the input is read (E-D009, E-D010, E-D014, E-D011). Valid records are buffered per table,
//! at most [`LoadOptions::batch_rows`] at a time, and a full buffer is staged as one detached Lance
//! version ([`stage`]). An input whose tables each fit in one batch is thus validated completely
//! before anything is written; a larger one is staged batch by batch, and when a later line or a
//! whole-input rule fails, the staged versions are removed and the head never moves (but
//! object-store PUTs did happen).
//!
//! Memory is bounded by the batch size per table plus the ids and key tuples validation
//! needs (listed in [`checks`]), not by the input size.

mod checks;
mod committed;
mod embed;
mod stage;

/// Hash maps and sets of the load's id bookkeeping: foldhash instead of SipHash (ids are
/// hashed several times per input line; SipHash showed in load profiles).
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use omnigraph_lang::data::{self as data, JsonlValidator, Record};
use omnigraph_manifest::{BranchName, GraphId};
use serde::Serialize;
use tokio::io::{AsyncBufRead, AsyncBufReadExt};

use crate::engine::{Engine, ReadTarget};
use crate::protocol::write::{summary_json, Attempt, Publish};
use crate::EngineError;

use checks::Checks;
use stage::Stage;

/// Rows buffered per table before they are staged as one batch, by default.
pub const DEFAULT_BATCH_ROWS: usize = 65_536;
/// Lines between two progress reports.
const PROGRESS_EVERY: u64 = 4_096;

/// How loaded records combine with what the branch holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadMode {
    /// Each type in the input is replaced by exactly the input's rows.
    Overwrite,
    /// Every record is new; an existing id is an error.
    Append,
    /// Upsert by id (edges without an id are matched by endpoints).
    Merge,
}

impl LoadMode {
    pub fn parse(text: &str) -> Result<Self, EngineError> {
        match text {
            "overwrite" => Ok(Self::Overwrite),
            "append" => Ok(Self::Append),
            "merge" => Ok(Self::Merge),
            other => Err(EngineError::bad_request(format!(
                "unknown load mode `{other}` (use overwrite, append or merge)"
            ))),
        }
    }
}

/// Running totals of a load, reported to [`LoadOptions::progress`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LoadProgress {
    /// Physical lines read.
    pub lines: u64,
    /// Records (non-blank lines) validated.
    pub records: u64,
    /// Input bytes read.
    pub bytes: u64,
    /// True on the last report, once the input is read.
    pub done: bool,
}

/// A progress callback.
pub type ProgressFn = Arc<dyn Fn(&LoadProgress) + Send + Sync>;

/// Tuning and observation of a load.
#[derive(Clone)]
pub struct LoadOptions {
    /// Most records buffered per table before they are staged as one batch (at least 1).
    pub batch_rows: usize,
    /// Called with the running totals every few thousand lines and once at the end.
    pub progress: Option<ProgressFn>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            batch_rows: DEFAULT_BATCH_ROWS,
            progress: None,
        }
    }
}

impl std::fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions")
            .field("batch_rows", &self.batch_rows)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// What a load held and wrote (observability for tests and benchmarks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LoadStats {
    /// Batches staged (detached versions written), over all tables.
    pub batches: usize,
    /// The most records any one table's buffer held at once.
    pub max_buffered_rows: usize,
    pub lines: u64,
    pub bytes: u64,
}

/// Input records loaded into one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadedTable {
    pub table_key: String,
    pub rows: u64,
}

/// What a load's commit records.
#[derive(Debug, Clone, Serialize)]
struct LoadSummary<'a> {
    mode: LoadMode,
    tables: &'a [LoadedTable],
}

/// The result of a load: input records per table (sorted by table key) and the commit.
#[derive(Debug, Clone, Serialize)]
pub struct LoadOutcome {
    pub branch: BranchName,
    pub commit: String,
    pub version: u64,
    pub tables: Vec<LoadedTable>,
    /// Not part of the result document.
    #[serde(skip)]
    pub stats: LoadStats,
}

/// A `bad_request` for input line `line`, with one diagnostic in the shape of
/// docs/reference/diagnostics.md, "Diagnostic shape".
pub(super) fn line_error(
    code: &str,
    line: usize,
    message: String,
    help: Option<String>,
) -> EngineError {
    let mut diag = serde_json::json!({
        "code": code, "severity": "error", "message": message,
        "file": "input", "line": line, "col": 1, "end_line": line, "end_col": 1,
    });
    if let Some(help) = help {
        diag["help"] = serde_json::Value::String(help);
    }
    EngineError::BadRequest {
        message: format!("{code}: {message}"),
        diagnostics: vec![diag],
    }
}

impl Engine {
    /// Loads JSONL `data` into `branch` as one commit; with `from`, creates the branch from
    /// that branch's head first.
    pub async fn load(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        from: Option<&BranchName>,
        data: String,
        mode: LoadMode,
        actor: &str,
    ) -> Result<LoadOutcome, EngineError> {
        let options = LoadOptions::default();
        // Boxed: the load future is deep, and callers nest it in their own futures.
        Box::pin(self.load_with(graph, branch, from, &data, mode, actor, &options)).await
    }

    /// [`Engine::load`] with options. The input is in memory, so a load that loses the head
    /// to a writer that moved a table it read is retried while the retry budget lasts.
    #[allow(clippy::too_many_arguments)]
    pub async fn load_with(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        from: Option<&BranchName>,
        data: &str,
        mode: LoadMode,
        actor: &str,
        options: &LoadOptions,
    ) -> Result<LoadOutcome, EngineError> {
        let created = self.create_branch_for_load(graph, branch, from).await?;
        let loaded = self
            .with_retries(self.retry_budget(), || {
                Box::pin(self.load_once(graph, branch, data.as_bytes(), mode, actor, options))
            })
            .await;
        self.keep_branch_if_loaded(graph, branch, created, loaded)
            .await
    }

    /// Streams JSONL from `reader` into `branch` as one commit (see the module docs); with
    /// `from`, creates the branch first. The input is read once, so a load that loses the
    /// head to a writer that moved a table it read is answered with `conflict`.
    #[allow(clippy::too_many_arguments)]
    pub async fn load_reader<R: AsyncBufRead + Unpin + Send>(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        from: Option<&BranchName>,
        reader: R,
        mode: LoadMode,
        actor: &str,
        options: &LoadOptions,
    ) -> Result<LoadOutcome, EngineError> {
        let created = self.create_branch_for_load(graph, branch, from).await?;
        // The input is read once: one attempt, a lost head is answered with `conflict`.
        let mut reader = Some(reader);
        let loaded = self
            .with_retries(Duration::ZERO, || {
                let reader = reader.take();
                async move {
                    let reader = reader.ok_or_else(|| {
                        EngineError::internal("a streamed load was attempted twice")
                    })?;
                    Box::pin(self.load_once(graph, branch, reader, mode, actor, options)).await
                }
            })
            .await;
        self.keep_branch_if_loaded(graph, branch, created, loaded)
            .await
    }

    /// With `from`, creates `branch` from that branch's head for a load; returns the created
    /// head's version.
    async fn create_branch_for_load(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        from: Option<&BranchName>,
    ) -> Result<Option<u64>, EngineError> {
        let Some(base) = from else {
            return Ok(None);
        };
        let head = self
            .create_branch(graph, branch, &crate::BranchSource::Branch(base.clone()))
            .await?;
        Ok(Some(head.version))
    }

    /// A rejected load changes nothing: the branch it created is deleted again (only while
    /// its head is still the one created, so nobody else's write on it is lost).
    async fn keep_branch_if_loaded(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        created: Option<u64>,
        loaded: Result<LoadOutcome, EngineError>,
    ) -> Result<LoadOutcome, EngineError> {
        if let (Err(_), Some(version)) = (&loaded, created) {
            if let Err(e) = self.manifest.delete_branch(graph, branch, version).await {
                tracing::warn!(error = %e, %branch, "the branch a rejected load created was not removed");
            }
        }
        loaded
    }

    /// One attempt: read and validate the input against the head, staging full batches as
    /// they fill; then the whole-input rules, the last batches and the head CAS.
    async fn load_once<R: AsyncBufRead + Unpin + Send>(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        reader: R,
        mode: LoadMode,
        actor: &str,
        options: &LoadOptions,
    ) -> Result<LoadOutcome, Attempt> {
        let snapshot = self
            .snapshot(graph, &ReadTarget::Branch(branch.clone()))
            .await?;
        let mut checks = Checks::new(mode);
        let mut stage = Stage::new(self, &snapshot, mode, options.batch_rows, actor);
        let read = read_input(self, &snapshot, reader, &mut checks, &mut stage, options).await;
        let validated = match read {
            Ok(()) => checks.finish(self, &snapshot).await,
            Err(e) => Err(e),
        };
        if let Err(e) = validated {
            stage.discard().await;
            return Err(Attempt::Fail(e));
        }
        let staged = match stage.finish().await {
            Ok(staged) => staged,
            Err(e) => {
                stage.discard().await;
                return Err(Attempt::Fail(e));
            }
        };
        let tables: Vec<LoadedTable> = checks
            .table_counts()
            .into_iter()
            .map(|(table_key, n)| LoadedTable {
                table_key,
                rows: n as u64,
            })
            .collect();
        let Some((sidecar, path, pins)) = staged else {
            return Ok(LoadOutcome {
                branch: snapshot.branch.clone(),
                commit: snapshot.commit.clone(),
                version: snapshot.version,
                tables,
                stats: stage.stats,
            });
        };
        let write_set: BTreeSet<String> = pins.keys().cloned().collect();
        let mut read_set = std::mem::take(&mut checks.read_set);
        read_set.extend(write_set.iter().cloned());
        let summary = LoadSummary {
            mode,
            tables: &tables,
        };
        let summary = match summary_json(&summary) {
            Ok(summary) => summary,
            Err(e) => {
                stage.discard().await;
                return Err(Attempt::Fail(e));
            }
        };
        let publish = Publish { read_set, summary };
        match self
            .publish_staged(&sidecar, &path, &snapshot, &publish, pins)
            .await
        {
            Ok(outcome) => Ok(LoadOutcome {
                branch: outcome.branch,
                commit: outcome.commit,
                version: outcome.version,
                tables,
                stats: stage.stats,
            }),
            Err(Attempt::Retry(conflict)) => {
                // The CAS was lost: nothing was published.
                stage.discard().await;
                Err(Attempt::Retry(conflict))
            }
            Err(e) => Err(e),
        }
    }
}

/// Reads and validates every line of `reader`, staging records as buffers fill; then
/// reports the first id error (step 2 of docs/reference/data.md, "Validation order"), if any.
async fn read_input<R: AsyncBufRead + Unpin + Send>(
    engine: &Engine,
    snapshot: &crate::Snapshot,
    mut reader: R,
    checks: &mut Checks,
    stage: &mut Stage<'_>,
    options: &LoadOptions,
) -> Result<(), EngineError> {
    let validator = JsonlValidator::new(&snapshot.catalog);
    let mut progress = LoadProgress::default();
    let mut buf: Vec<u8> = Vec::new();
    let mut embed_queue: Vec<Record> = Vec::new();
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .await
            .map_err(|e| EngineError::bad_request(format!("cannot read the input: {e}")))?;
        if n == 0 {
            break;
        }
        let offset = u32::try_from(progress.bytes).unwrap_or(u32::MAX);
        progress.lines += 1;
        progress.bytes += n as u64;
        let line = usize::try_from(progress.lines).unwrap_or(usize::MAX);
        let Ok(text) = std::str::from_utf8(&buf) else {
            let message = data::line_only_message(line, "the line is not valid UTF-8");
            return Err(line_error("E-D001", line, message, None));
        };
        let record = match validator.parse_line(line, text, offset) {
            Ok(Some(record)) => record,
            Ok(None) => continue,
            Err(d) => return Err(line_error(d.code, line, d.message.clone(), d.help.clone())),
        };
        progress.records += 1;
        // Records waiting for an embedding queue up (with every record after them, so order
        // is kept) and are embedded in batches of EMBED_BATCH.
        if !record.embed_pending.is_empty() || !embed_queue.is_empty() {
            embed_queue.push(record);
            if embed_queue.len() >= EMBED_BATCH {
                flush_embed_queue(engine, snapshot, &mut embed_queue, checks, stage).await?;
            }
        } else if let Some(record) = checks.observe(engine, snapshot, record).await? {
            stage.push(record).await?;
        }
        if progress.lines % PROGRESS_EVERY == 0 {
            if let Some(report) = &options.progress {
                report(&progress);
            }
        }
    }
    flush_embed_queue(engine, snapshot, &mut embed_queue, checks, stage).await?;
    stage.stats.lines = progress.lines;
    stage.stats.bytes = progress.bytes;
    progress.done = true;
    if let Some(report) = &options.progress {
        report(&progress);
    }
    checks.take_id_error()
}

/// Records queued for the embedding provider at most: one provider request's worth.
const EMBED_BATCH: usize = crate::embedding::BATCH;

/// Embeds the queued records' pending vectors, then checks and stages them in input order.
async fn flush_embed_queue(
    engine: &Engine,
    snapshot: &crate::Snapshot,
    queue: &mut Vec<Record>,
    checks: &mut Checks,
    stage: &mut Stage<'_>,
) -> Result<(), EngineError> {
    if queue.is_empty() {
        return Ok(());
    }
    embed::fill_record_embeddings(engine, &snapshot.catalog, queue, |c, l, m| {
        line_error(c, l, m, None)
    })
    .await?;
    for record in queue.drain(..) {
        if let Some(record) = checks.observe(engine, snapshot, record).await? {
            stage.push(record).await?;
        }
    }
    Ok(())
}
