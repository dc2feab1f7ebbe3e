//! The write protocol every writer follows (docs/architecture.md, "The write protocol"):
//!
//! ```text
//! A  read the head (version N); plan and validate against it;
//!    PUT __recovery/<op id>.json (the sidecar)
//! B  per written table: stage + detached Lance commit on the pinned version (each version
//!    stamped with the op id); then rewrite the sidecar once with the staged pins
//! C  put the commit item (put-if-absent), then CAS the head N -> N+1 with the new pins
//! D  delete the sidecar; acknowledge
//! ```
//!
//! The CAS's expected version covers the **read set**: if the head moved but no table the
//! operation read (or wrote) moved, the commit is re-published on the new head (a rebase:
//! a disjoint writer won). Otherwise the whole operation is retried from A while the retry
//! budget lasts, then answered with `conflict` naming the table that moved. A crash anywhere
//! before C's CAS leaves no visible trace: the staged versions are unpinned garbage and the
//! sidecar tells `recover` what to remove.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use omnigraph_manifest::{BranchName, Commit, GraphId, Head, ManifestError, Pin};
use serde::Serialize;

use crate::clock::{next_ulid, now_ms};
use crate::engine::{Engine, ReadTarget, Snapshot};
use crate::protocol::failpoints::failpoint;
use crate::protocol::sidecar::Sidecar;
use crate::protocol::timing::DEFAULT_RETRY_BUDGET;
use crate::storage::tables::CURRENT_OP_ID;
use crate::{EngineError, ManifestConflict};

/// What an operation decided after validating against a snapshot.
#[derive(Debug, Clone, Default)]
pub struct Planned<P, S> {
    /// Tables read to validate (their pins must not move before the CAS).
    pub read_set: BTreeSet<String>,
    /// Tables the operation writes (a subset of what it pins).
    pub write_set: BTreeSet<String>,
    /// The summary stored on the commit (as JSON) and answered in the outcome.
    pub summary: S,
    /// What `apply` stages; moved into it.
    pub plan: P,
}

/// One writer: validation against a snapshot, then staging of its tables.
#[async_trait]
pub trait Operation: Send + Sync {
    /// What `plan` hands to `apply` (by value).
    type Plan: Send;
    /// The commit's summary.
    type Summary: Serialize + Clone + Send + Sync;

    /// The commit's `op_kind`.
    fn kind(&self) -> &'static str;

    /// Validates against `snapshot`; an `Err` here changes nothing.
    async fn plan(
        &self,
        engine: &Engine,
        snapshot: &Snapshot,
    ) -> Result<Planned<Self::Plan, Self::Summary>, EngineError>;

    /// Stages and detached-commits every table in `write_set` on its pin in `snapshot`,
    /// returning the new pins.
    async fn apply(
        &self,
        engine: &Engine,
        snapshot: &Snapshot,
        write_set: &BTreeSet<String>,
        plan: Self::Plan,
    ) -> Result<BTreeMap<String, Pin>, EngineError>;
}

/// The acknowledged result of a write.
#[derive(Debug, Clone, Serialize)]
pub struct WriteOutcome<S> {
    pub branch: BranchName,
    pub version: u64,
    pub commit: String,
    /// False when the operation changed nothing (no commit was made).
    pub committed: bool,
    pub summary: S,
    /// How many times the head was re-published on a newer head (disjoint writers won).
    pub rebases: u32,
}

/// What the head CAS publishes: the tables that must not have moved, and the commit summary.
pub(crate) struct Publish {
    pub read_set: BTreeSet<String>,
    pub summary: serde_json::Value,
}

/// The commit summary of `summary` as stored in the manifest.
pub(crate) fn summary_json<S: Serialize>(summary: &S) -> Result<serde_json::Value, EngineError> {
    serde_json::to_value(summary)
        .map_err(|e| EngineError::internal(format!("commit summary encoding: {e}")))
}

impl Engine {
    /// Runs `op` on `branch` through the write protocol.
    pub async fn execute_write<O: Operation + ?Sized>(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        actor: &str,
        op: &O,
    ) -> Result<WriteOutcome<O::Summary>, EngineError> {
        self.with_retries(self.retry_budget(), || {
            self.write_once(graph, branch, actor, op)
        })
        .await
    }

    /// The one retry loop of every writer: runs `attempt` again while it loses the head to a
    /// writer that moved a table it read and `budget` lasts, then answers `conflict`. A zero
    /// budget makes one attempt (a load whose input can be read only once).
    pub(crate) async fn with_retries<T, F, Fut>(
        &self,
        budget: Duration,
        mut attempt: F,
    ) -> Result<T, EngineError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Attempt>>,
    {
        let started = crate::clock::monotonic_now();
        loop {
            match attempt().await {
                Ok(outcome) => return Ok(outcome),
                Err(Attempt::Fail(e)) => return Err(e),
                Err(Attempt::Retry(conflict)) => {
                    if started.elapsed() >= budget {
                        return Err(conflict_error(conflict));
                    }
                }
            }
        }
    }

    pub(crate) fn retry_budget(&self) -> Duration {
        DEFAULT_RETRY_BUDGET
    }

    async fn write_once<O: Operation + ?Sized>(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        actor: &str,
        op: &O,
    ) -> Result<WriteOutcome<O::Summary>, Attempt> {
        // A: read and validate.
        let snapshot = self
            .snapshot(graph, &ReadTarget::Branch(branch.clone()))
            .await?;
        let Planned {
            mut read_set,
            write_set,
            summary,
            plan,
        } = op.plan(self, &snapshot).await?;
        if write_set.is_empty() {
            return Ok(WriteOutcome {
                branch: branch.clone(),
                version: snapshot.version,
                commit: snapshot.commit.clone(),
                committed: false,
                summary,
                rebases: 0,
            });
        }
        read_set.extend(write_set.iter().cloned());
        let publish = Publish {
            read_set,
            summary: summary_json(&summary)?,
        };
        let op_id = next_ulid(None);
        let tables: Vec<String> = write_set.iter().cloned().collect();
        let sidecar = self.new_sidecar(&snapshot, op.kind(), actor, &op_id, tables);
        let sidecar_path = self.create_sidecar(&sidecar).await?;

        // B: stage and commit detached (each version stamped with the op id), then record
        // the staged versions in the sidecar so `recover` can remove them precisely.
        let new_pins = CURRENT_OP_ID
            .scope(op_id.clone(), op.apply(self, &snapshot, &write_set, plan))
            .await?;
        failpoint!(WRITE_AFTER_STAGE);
        let staged = Sidecar {
            staged: new_pins.clone(),
            ..sidecar
        };
        self.rewrite_sidecar(&sidecar_path, &staged).await?;
        failpoint!(WRITE_AFTER_SIDECAR_REWRITE);
        let published = self
            .publish_staged(&staged, &sidecar_path, &snapshot, &publish, new_pins)
            .await?;
        Ok(WriteOutcome {
            branch: published.branch,
            version: published.version,
            commit: published.commit,
            committed: true,
            summary,
            rebases: published.rebases,
        })
    }

    /// Step A's sidecar: `PUT __recovery/<op id>.json` (create-only); returns its path.
    pub(crate) async fn create_sidecar(&self, sidecar: &Sidecar) -> Result<Path, EngineError> {
        let path = self.layout(&sidecar.graph).sidecar(&sidecar.op_id);
        let body = serde_json::to_vec(sidecar)
            .map_err(|e| EngineError::internal(format!("sidecar encoding: {e}")))?;
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        failpoint!(WRITE_BEFORE_SIDECAR);
        self.store
            .put_opts(&path, PutPayload::from(body), opts)
            .await
            .map_err(EngineError::from)?;
        failpoint!(WRITE_AFTER_SIDECAR);
        Ok(path)
    }

    /// Replaces the sidecar at `path` (more tables declared, or the staged pins recorded).
    pub(crate) async fn rewrite_sidecar(
        &self,
        path: &Path,
        sidecar: &Sidecar,
    ) -> Result<(), EngineError> {
        let body = serde_json::to_vec(sidecar)
            .map_err(|e| EngineError::internal(format!("sidecar encoding: {e}")))?;
        self.store
            .put(path, PutPayload::from(body))
            .await
            .map_err(EngineError::from)?;
        Ok(())
    }

    /// The sidecar of a write by `actor` on `snapshot`'s branch that will write `tables`:
    /// their base pins, the creation time and the deadline from one clock reading, nothing
    /// staged yet.
    pub(crate) fn new_sidecar(
        &self,
        snapshot: &Snapshot,
        kind: &str,
        actor: &str,
        op_id: &str,
        tables: Vec<String>,
    ) -> Sidecar {
        let created_at = now_ms();
        let deadline_ms = u64::try_from(self.sidecar_deadline().as_millis()).unwrap_or(u64::MAX);
        Sidecar {
            op_id: op_id.to_string(),
            kind: kind.to_string(),
            actor: actor.to_string(),
            graph: snapshot.graph.clone(),
            branch: snapshot.branch.clone(),
            base_version: Some(snapshot.version),
            base_pins: tables
                .iter()
                .filter_map(|t| snapshot.tables.get(t).map(|p| (t.clone(), p.clone())))
                .collect(),
            tables,
            created_at,
            deadline: created_at.saturating_add(deadline_ms),
            staged: BTreeMap::new(),
            intermediate: BTreeMap::new(),
        }
    }

    /// Steps C and D for staged `new_pins`: commit item, head CAS (re-published on a newer
    /// head when no table of the read set moved), sidecar delete.
    pub(crate) async fn publish_staged(
        &self,
        sidecar: &Sidecar,
        sidecar_path: &Path,
        snapshot: &Snapshot,
        publish: &Publish,
        new_pins: BTreeMap<String, Pin>,
    ) -> Result<Published, Attempt> {
        let (graph, branch, op_id) = (&sidecar.graph, &sidecar.branch, &sidecar.op_id);
        let mut base = Head {
            version: snapshot.version,
            commit_id: snapshot.commit.clone(),
            schema_hash: snapshot.schema_hash.clone(),
            tables: snapshot.tables.clone(),
        };
        let mut rebases = 0;
        loop {
            let mut tables = base.tables.clone();
            tables.extend(new_pins.clone());
            let commit = Commit {
                id: next_ulid(Some(&base.commit_id)),
                graph: graph.clone(),
                branch: branch.clone(),
                version: base.version + 1,
                parents: vec![base.commit_id.clone()],
                actor: sidecar.actor.clone(),
                op_kind: sidecar.kind.clone(),
                op_id: op_id.clone(),
                created_at: now_ms(),
                schema_hash: base.schema_hash.clone(),
                pins: tables.clone(),
                summary: publish.summary.clone(),
            };
            self.manifest
                .put_commit(&commit)
                .await
                .map_err(EngineError::from)?;
            failpoint!(WRITE_AFTER_COMMIT_ITEM);
            let new_head = Head {
                version: 0,
                commit_id: commit.id.clone(),
                schema_hash: base.schema_hash.clone(),
                tables,
            };
            match self
                .manifest
                .publish(graph, branch, Some(base.version), new_head)
                .await
            {
                Ok(head) => {
                    failpoint!(WRITE_AFTER_HEAD_CAS);
                    if !sidecar.intermediate.is_empty() {
                        if let Err(e) = self
                            .delete_intermediate_manifests(&snapshot.catalog, sidecar)
                            .await
                        {
                            tracing::warn!(error = %e, op_id, "intermediate manifests left to GC");
                        }
                    }
                    // D: the operation is acknowledged; the sidecar is no longer needed.
                    if let Err(e) = self.store.delete(sidecar_path).await {
                        tracing::warn!(error = %e, op_id, "sidecar not deleted; recover will");
                    }
                    failpoint!(WRITE_AFTER_SIDECAR_DELETE);
                    return Ok(Published {
                        branch: branch.clone(),
                        version: head.version,
                        commit: head.commit_id,
                        rebases,
                    });
                }
                Err(ManifestError::Conflict { actual, .. }) => {
                    // This commit item will never be referenced.
                    let _ = self.manifest.delete_commit(graph, &commit.id).await;
                    let Some(actual) = actual else {
                        return Err(Attempt::Fail(EngineError::not_found(format!(
                            "branch `{branch}` of graph `{graph}` (deleted during the write)"
                        ))));
                    };
                    if let Some(conflict) = moved_table(&publish.read_set, &base, &actual) {
                        return Err(Attempt::Retry(conflict));
                    }
                    base = *actual;
                    rebases += 1;
                }
                Err(e) => return Err(Attempt::Fail(e.into())),
            }
        }
    }
}

/// The head a staged write was published as.
pub(crate) struct Published {
    pub branch: BranchName,
    pub version: u64,
    pub commit: String,
    /// Times the commit was re-published on a newer head.
    pub rebases: u32,
}

/// The first table of `read_set` whose pin differs between `base` and `actual` (a schema
/// change counts as a move of every table).
fn moved_table(
    read_set: &BTreeSet<String>,
    base: &Head,
    actual: &Head,
) -> Option<ManifestConflict> {
    let version = |h: &Head, t: &str| h.tables.get(t).map_or(0, |p| p.version);
    if base.schema_hash != actual.schema_hash {
        let table_key = read_set.iter().next().cloned().unwrap_or_default();
        return Some(ManifestConflict {
            expected: version(base, &table_key),
            actual: version(actual, &table_key),
            table_key,
        });
    }
    read_set
        .iter()
        .find(|t| base.tables.get(*t) != actual.tables.get(*t))
        .map(|t| ManifestConflict {
            table_key: t.clone(),
            expected: version(base, t),
            actual: version(actual, t),
        })
}

/// The `conflict` answered when a table the write read or wrote moved and retries ran out.
pub(crate) fn conflict_error(conflict: ManifestConflict) -> EngineError {
    EngineError::Conflict {
        message: format!(
            "`{}` moved from version {} to {} under this write; retry",
            conflict.table_key, conflict.expected, conflict.actual
        ),
        manifest_conflict: Some(conflict),
    }
}

/// One attempt's failure: retry from A, or give up.
pub(crate) enum Attempt {
    Retry(ManifestConflict),
    Fail(EngineError),
}

impl From<EngineError> for Attempt {
    fn from(e: EngineError) -> Self {
        Attempt::Fail(e)
    }
}
