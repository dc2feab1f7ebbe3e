//! Staging a streaming load: per table, records are buffered up to the batch size and then
//! committed as one detached Lance version on top of the table's previous staged version
//! (the first on the pinned base: an overwrite, append or upsert by id; later batches of an
//! overwrite append). Nothing is visible until the head CAS publishes the last version of
//! each table.
//!
//! Crash safety is the write protocol's: the sidecar is written before the first batch of
//! any table and rewritten (before that table's first batch) whenever a table joins, so
//! every staged version belongs to a declared table and carries the op id; after the last
//! batch it is rewritten once more with the final pins and the intermediate versions, which
//! `recover` removes as well. A load that fails after staging (validation of the whole
//! input, or a lost head) removes its staged versions and its sidecar itself.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use lance::Dataset;
use object_store::path::Path;
use omnigraph_lang::data::Record;
use omnigraph_manifest::Pin;

use super::{LoadMode, LoadStats};
use crate::clock::next_ulid;
use crate::engine::{Engine, Snapshot};
use crate::protocol::failpoints::failpoint;
use crate::protocol::sidecar::Sidecar;
use crate::storage::rows::records_to_batch;
use crate::storage::tables::CURRENT_OP_ID;
use crate::EngineError;

/// The staged versions of one table.
struct Staged {
    uri: String,
    /// The latest staged version (the base before the first batch).
    current: Arc<Dataset>,
    pins: Vec<Pin>,
}

/// Buffers and staged versions of one load attempt.
pub(super) struct Stage<'a> {
    engine: &'a Engine,
    snapshot: &'a Snapshot,
    mode: LoadMode,
    batch_rows: usize,
    op_id: String,
    actor: String,
    buffers: BTreeMap<String, Vec<Record>>,
    staged: BTreeMap<String, Staged>,
    sidecar: Option<(Sidecar, Path)>,
    pub stats: LoadStats,
}

impl<'a> Stage<'a> {
    pub(super) fn new(
        engine: &'a Engine,
        snapshot: &'a Snapshot,
        mode: LoadMode,
        batch_rows: usize,
        actor: &str,
    ) -> Self {
        Self {
            engine,
            snapshot,
            mode,
            batch_rows: batch_rows.max(1),
            op_id: next_ulid(None),
            actor: actor.to_string(),
            buffers: BTreeMap::new(),
            staged: BTreeMap::new(),
            sidecar: None,
            stats: LoadStats::default(),
        }
    }

    /// Buffers `record`; a full buffer is staged as one batch.
    pub(super) async fn push(&mut self, record: Record) -> Result<(), EngineError> {
        let table_key = record.table_key.clone();
        let buffer = self.buffers.entry(table_key.clone()).or_default();
        buffer.push(record);
        let len = buffer.len();
        self.stats.max_buffered_rows = self.stats.max_buffered_rows.max(len);
        if len >= self.batch_rows {
            self.declare(std::slice::from_ref(&table_key)).await?;
            self.flush(&table_key).await?;
        }
        Ok(())
    }

    /// Declares `tables` in the sidecar before their first batch: creates it (step A) or
    /// rewrites it with the new tables added.
    async fn declare(&mut self, tables: &[String]) -> Result<(), EngineError> {
        let known: HashSet<&String> = self
            .sidecar
            .as_ref()
            .map(|(s, _)| s.tables.iter().collect())
            .unwrap_or_default();
        let new: Vec<String> = tables
            .iter()
            .filter(|t| !known.contains(t))
            .cloned()
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        match self.sidecar.take() {
            None => {
                let sidecar =
                    self.engine
                        .new_sidecar(self.snapshot, "load", &self.actor, &self.op_id, new);
                let path = self.engine.create_sidecar(&sidecar).await?;
                self.sidecar = Some((sidecar, path));
            }
            Some((mut sidecar, path)) => {
                sidecar.base_pins.extend(
                    new.iter().filter_map(|t| {
                        self.snapshot.tables.get(t).map(|p| (t.clone(), p.clone()))
                    }),
                );
                sidecar.tables.extend(new);
                let rewritten = self.engine.rewrite_sidecar(&path, &sidecar).await;
                self.sidecar = Some((sidecar, path));
                rewritten?;
            }
        }
        Ok(())
    }

    /// Stages the buffered records of `table_key` as one detached version.
    async fn flush(&mut self, table_key: &str) -> Result<(), EngineError> {
        let mut records = self.buffers.remove(table_key).unwrap_or_default();
        if records.is_empty() {
            return Ok(());
        }
        if self.mode == LoadMode::Merge {
            // Within the input the last record for an id wins.
            let mut kept = HashSet::new();
            records.reverse();
            records.retain(|r| kept.insert(r.id.clone()));
            records.reverse();
        }
        let ty = self
            .snapshot
            .catalog
            .by_table_key(table_key)
            .ok_or_else(|| EngineError::internal(format!("no type `{table_key}`")))?;
        let batch = records_to_batch(ty, &records)?;
        drop(records);
        if !self.staged.contains_key(table_key) {
            let (uri, base) = self.engine.open_table(self.snapshot, table_key).await?;
            let staged = Staged {
                uri,
                current: base,
                pins: Vec::new(),
            };
            self.staged.insert(table_key.to_string(), staged);
        }
        let staged = self
            .staged
            .get_mut(table_key)
            .ok_or_else(|| EngineError::internal("staged table vanished"))?;
        let tables = &self.engine.tables;
        let first = staged.pins.is_empty();
        let current = staged.current.clone();
        let uri = staged.uri.clone();
        let mode = self.mode;
        let (dataset, pin) = CURRENT_OP_ID
            .scope(self.op_id.clone(), async move {
                let txn = match (mode, first) {
                    (LoadMode::Overwrite, true) => {
                        tables.stage_overwrite(&current, vec![batch]).await?
                    }
                    (LoadMode::Overwrite, false) | (LoadMode::Append, _) => {
                        tables.stage_append(&current, vec![batch]).await?
                    }
                    (LoadMode::Merge, _) => tables.stage_upsert(&current, vec![batch]).await?,
                };
                tables.commit_detached(&uri, &current, txn).await
            })
            .await?;
        staged.current = dataset;
        staged.pins.push(pin);
        self.stats.batches += 1;
        Ok(())
    }

    /// Stages what is still buffered, then records the final pins (and the intermediate
    /// versions) in the sidecar. `None` when the input held no records.
    pub(super) async fn finish(
        &mut self,
    ) -> Result<Option<(Sidecar, Path, BTreeMap<String, Pin>)>, EngineError> {
        let pending: Vec<String> = self
            .buffers
            .iter()
            .filter(|(_, rows)| !rows.is_empty())
            .map(|(k, _)| k.clone())
            .collect();
        self.declare(&pending).await?;
        for table_key in &pending {
            self.flush(table_key).await?;
        }
        let Some((sidecar, path)) = self.sidecar.clone() else {
            return Ok(None);
        };
        failpoint!(WRITE_AFTER_STAGE);
        let mut pins = BTreeMap::new();
        let mut intermediate = BTreeMap::new();
        for (table_key, staged) in &self.staged {
            if let Some((last, earlier)) = staged.pins.split_last() {
                pins.insert(table_key.clone(), last.clone());
                if !earlier.is_empty() {
                    let versions = earlier.iter().map(|p| p.version).collect();
                    intermediate.insert(table_key.clone(), versions);
                }
            }
        }
        let sidecar = Sidecar {
            staged: pins.clone(),
            intermediate,
            ..sidecar
        };
        self.engine.rewrite_sidecar(&path, &sidecar).await?;
        self.sidecar = Some((sidecar.clone(), path.clone()));
        failpoint!(WRITE_AFTER_SIDECAR_REWRITE);
        Ok(Some((sidecar, path, pins)))
    }

    /// Removes every version this load staged and its sidecar (nothing was published).
    /// Best effort: what is left behind stays declared in the sidecar for `recover`.
    pub(super) async fn discard(&mut self) {
        self.buffers.clear();
        let Some((sidecar, path)) = self.sidecar.take() else {
            return;
        };
        let versions: BTreeMap<String, Vec<u64>> = self
            .staged
            .iter()
            .map(|(k, s)| (k.clone(), s.pins.iter().map(|p| p.version).collect()))
            .collect();
        if let Err(e) = self
            .engine
            .discard_staged(&self.snapshot.catalog, &sidecar, &path, &versions)
            .await
        {
            tracing::warn!(error = %e, op_id = sidecar.op_id, "staged load versions left to recover");
        }
    }
}
