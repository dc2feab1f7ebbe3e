//! Recovery of dead writers (docs/architecture.md, "Recovery"): the sweep of `__recovery/`
//! sidecars.
//!
//! For each sidecar past its deadline, whether the writer's head CAS happened is decided from
//! the branch's lineage (see [`Outcome`]):
//! - **committed** (a commit with the sidecar's op id is reachable from a live head, or is on
//!   the branch's first-parent lineage since the base version): the writer only missed step
//!   D; the sidecar is deleted.
//! - **undecided** (the branch was deleted, or re-created, or a commit of its lineage since
//!   the base version has expired): the op may have been acknowledged and its commit and
//!   versions may still be used, so nothing but the sidecar is deleted; what is garbage is
//!   left to GC (which expires commits no head reaches and sweeps unpinned versions).
//! - **never happened** (every version of the branch since the base was published by another
//!   op): the detached versions it staged (from the sidecar's `staged` pins, or,
//!   when it died during step B, found by the op id stamped in each version's Lance
//!   transaction properties) are deleted when nothing pins them: their data files, deletion
//!   files and transaction file that are new relative to the base version, then the
//!   `_versions/d<v>.manifest` itself (last, so an interrupted recovery finds it again);
//!   its orphan commit item(s) are deleted; an audit record by actor `omnigraph:recovery` is
//!   stored under the manifest record namespace `audit` (key = op id); the sidecar is
//!   deleted.
//!
//! Younger sidecars are left alone. Idempotent and safe to run concurrently: every delete
//! tolerates a missing object and the audit record is put-if-absent.
//!
//! A version can only be pinned by a head or by a commit made after the version existed, so
//! the live set checked before deleting is every head plus every commit newer than the oldest
//! expired sidecar (minus a clock margin): bounded by the history since the crash, not by
//! the whole history. Index files (`_indices/`) of a dead version are left to GC.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use omnigraph_manifest::{BranchName, Commit, GraphId, Head, ManifestError, PageRequest};
use serde::Serialize;

use crate::engine::Engine;
use crate::protocol::sidecar::Sidecar;
use crate::protocol::timing::CLOCK_MARGIN_MS;
use crate::storage::files::referenced_files;
use crate::storage::tables::OP_ID_PROPERTY;
use crate::EngineError;

/// The actor recorded on recovery audit records.
pub(crate) const RECOVERY_ACTOR: &str = "omnigraph:recovery";
/// Manifest record namespace of recovery audit entries.
pub(crate) const AUDIT_NAMESPACE: &str = "audit";
/// Commits read per page while collecting recent history.
const PAGE: usize = 500;

/// What one recovery run found and did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecoveryReport {
    pub graph: String,
    pub now_ms: u64,
    pub dry_run: bool,
    /// Sidecars present.
    pub sidecars: usize,
    /// Op ids of sidecars not yet past their deadline (left alone).
    pub young: Vec<String>,
    /// Op ids that had committed: only their sidecar was removed.
    pub committed: Vec<String>,
    /// Op ids whose head CAS cannot be told apart from a crash before it (branch deleted or
    /// re-created, or its lineage expired): only their sidecar was removed, the rest is GC's.
    pub undecided: Vec<String>,
    /// Ops that never happened, rolled back.
    pub rolled_back: Vec<RecoveredOp>,
    /// Sidecars that could not be read or parsed (left alone).
    pub unreadable: Vec<String>,
    /// What this run left to the mark-and-sweep GC.
    pub left_to_gc: Vec<String>,
}

/// One dead writer's operation that was rolled back.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecoveredOp {
    pub op_id: String,
    pub kind: String,
    pub branch: String,
    /// Detached versions removed, as `(table key, version)`.
    pub versions: Vec<(String, u64)>,
    /// Other objects removed (data, deletion and transaction files).
    pub files: Vec<String>,
    /// Orphan commit items removed.
    pub commits: Vec<String>,
}

/// History since the oldest expired sidecar: the commits, which of them a live head reaches,
/// and every version pinned by a head or by one of them.
struct Recent {
    commits: Vec<Commit>,
    reachable: BTreeSet<String>,
    heads: Vec<(BranchName, Head)>,
}

/// Whether a dead writer's head CAS happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The op published: only step D is missing.
    Published,
    /// The op never published: what it wrote is unreferenced and is rolled back.
    NeverPublished,
    /// The history that would tell is gone (branch deleted or re-created, commits expired).
    Undecided,
}

impl Recent {
    /// Decides whether the op of `sidecar` (whose commit items are `op_commits`) published.
    ///
    /// A publish on a branch at head version `v` stores a commit of that branch with version
    /// `v` whose first parent is the commit of version `v - 1`. So walking first parents from
    /// the head while each commit is the branch's publish of the expected version visits
    /// every publish since the sidecar's base version: the op published iff one of them
    /// carries its op id. The walk needs only commits made since the sidecar (all recent).
    /// When the chain breaks first (a commit expired by GC, a branch created or re-created
    /// from another commit) or the branch is gone, nothing can tell: `Undecided`.
    fn outcome(&self, sidecar: &Sidecar, op_commits: &BTreeSet<String>) -> Outcome {
        if op_commits.iter().any(|id| self.reachable.contains(id)) {
            return Outcome::Published;
        }
        let Some(base) = sidecar.base_version else {
            return Outcome::Undecided;
        };
        let Some((_, head)) = self.heads.iter().find(|(b, _)| *b == sidecar.branch) else {
            return Outcome::Undecided;
        };
        // Head versions only grow (a delete and a re-create each count): still at the base,
        // nothing was published on the branch since the op read it.
        if head.version <= base {
            return Outcome::NeverPublished;
        }
        let by_id: HashMap<&str, &Commit> =
            self.commits.iter().map(|c| (c.id.as_str(), c)).collect();
        let mut id = head.commit_id.as_str();
        let mut version = head.version;
        while version > base {
            let Some(c) = by_id.get(id) else {
                return Outcome::Undecided;
            };
            if c.branch != sidecar.branch || c.version != version {
                return Outcome::Undecided;
            }
            if c.op_id == sidecar.op_id {
                return Outcome::Published;
            }
            let Some(parent) = c.parents.first() else {
                return Outcome::Undecided;
            };
            id = parent.as_str();
            version -= 1;
        }
        Outcome::NeverPublished
    }

    /// Versions pinned by a head or by a recent commit other than those in `except`.
    fn live(&self, except: &BTreeSet<String>) -> BTreeSet<u64> {
        let mut live = BTreeSet::new();
        for (_, head) in &self.heads {
            live.extend(head.tables.values().map(|p| p.version));
        }
        for c in self.commits.iter().filter(|c| !except.contains(&c.id)) {
            live.extend(c.pins.values().map(|p| p.version));
        }
        live
    }
}

fn ignore_missing(r: object_store::Result<()>) -> Result<(), EngineError> {
    match r {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

impl Engine {
    /// Sweeps `__recovery/` of `graph`: every sidecar whose deadline is before `now_ms` is
    /// resolved (see the module docs). With `dry_run`, reports without changing anything.
    pub async fn recover(
        &self,
        graph: &GraphId,
        now_ms: u64,
        dry_run: bool,
    ) -> Result<RecoveryReport, EngineError> {
        let mut report = RecoveryReport {
            graph: graph.to_string(),
            now_ms,
            dry_run,
            ..Default::default()
        };
        let layout = self.layout(graph);
        let listed: Vec<_> = self
            .store
            .list(Some(&layout.recovery_dir()))
            .try_collect()
            .await?;
        let mut expired = Vec::new();
        for meta in listed {
            if !meta.location.as_ref().ends_with(".json") {
                continue;
            }
            report.sidecars += 1;
            let sidecar = match self.store.get(&meta.location).await {
                Ok(got) => got
                    .bytes()
                    .await
                    .ok()
                    .and_then(|b| serde_json::from_slice::<Sidecar>(&b).ok()),
                // Removed by a concurrent recovery or by its writer's step D.
                Err(object_store::Error::NotFound { .. }) => continue,
                Err(e) => return Err(e.into()),
            };
            match sidecar {
                Some(s) if s.deadline < now_ms => expired.push((meta.location, s)),
                Some(s) => report.young.push(s.op_id),
                None => report.unreadable.push(meta.location.to_string()),
            }
        }
        if expired.is_empty() {
            return Ok(report);
        }
        let floor_ms = expired
            .iter()
            .map(|(_, s)| s.created_at)
            .min()
            .unwrap_or(now_ms)
            .saturating_sub(CLOCK_MARGIN_MS);
        let recent = self.recent_history(graph, floor_ms).await?;
        for (path, sidecar) in expired {
            let op_commits: BTreeSet<String> = recent
                .commits
                .iter()
                .filter(|c| c.op_id == sidecar.op_id)
                .map(|c| c.id.clone())
                .collect();
            let outcome = recent.outcome(&sidecar, &op_commits);
            if outcome == Outcome::Undecided {
                if !dry_run {
                    ignore_missing(self.store.delete(&path).await)?;
                }
                report.left_to_gc.push(format!(
                    "op {}: whether it published on `{}` is no longer known (branch deleted \
                     or re-created, or its history expired); its commit items and versions \
                     are left to GC",
                    sidecar.op_id, sidecar.branch
                ));
                report.undecided.push(sidecar.op_id);
                continue;
            }
            if outcome == Outcome::Published {
                if !dry_run {
                    // A batched load that died after its head CAS: its intermediate
                    // versions' manifests go first (the sidecar is their only record).
                    if let Some(catalog) = self.sidecar_catalog(graph, &recent, &sidecar).await? {
                        self.delete_intermediate_manifests(&catalog, &sidecar)
                            .await?;
                    }
                    ignore_missing(self.store.delete(&path).await)?;
                }
                report.committed.push(sidecar.op_id);
                continue;
            }
            let op = self
                .roll_back(graph, &sidecar, &recent, &op_commits, dry_run, &mut report)
                .await?;
            if !dry_run {
                let audit = serde_json::json!({
                    "actor": RECOVERY_ACTOR,
                    "op_kind": "recovery",
                    "at": now_ms,
                    "recovered": &op,
                    "sidecar": &sidecar,
                });
                match self
                    .manifest
                    .put_record(graph, AUDIT_NAMESPACE, &sidecar.op_id, &audit)
                    .await
                {
                    Ok(()) | Err(ManifestError::AlreadyExists { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
                ignore_missing(self.store.delete(&path).await)?;
            }
            report.rolled_back.push(op);
        }
        Ok(report)
    }

    /// Heads, commits with an id at or after `floor_ms`, and which of those a head reaches.
    async fn recent_history(&self, graph: &GraphId, floor_ms: u64) -> Result<Recent, EngineError> {
        let floor = ulid::Ulid::from_parts(floor_ms, 0).to_string();
        let heads = self.manifest.list_branches(graph).await?;
        let mut commits = Vec::new();
        let mut page = PageRequest::first(PAGE);
        'pages: loop {
            let got = self.manifest.list_commits(graph, &page).await?;
            for c in got.items {
                if c.id < floor {
                    break 'pages;
                }
                commits.push(c);
            }
            match got.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => break,
            }
        }
        let by_id: HashMap<&str, &Commit> = commits.iter().map(|c| (c.id.as_str(), c)).collect();
        let mut reachable = BTreeSet::new();
        let mut stack: Vec<&str> = heads.iter().map(|(_, h)| h.commit_id.as_str()).collect();
        while let Some(id) = stack.pop() {
            let Some(c) = by_id.get(id) else { continue };
            if reachable.insert(id.to_string()) {
                stack.extend(c.parents.iter().map(String::as_str));
            }
        }
        Ok(Recent {
            commits,
            reachable,
            heads,
        })
    }

    /// Removes what a dead, uncommitted operation wrote (nothing with `dry_run`).
    async fn roll_back(
        &self,
        graph: &GraphId,
        sidecar: &Sidecar,
        recent: &Recent,
        op_commits: &BTreeSet<String>,
        dry_run: bool,
        report: &mut RecoveryReport,
    ) -> Result<RecoveredOp, EngineError> {
        let mut op = RecoveredOp {
            op_id: sidecar.op_id.clone(),
            kind: sidecar.kind.clone(),
            branch: sidecar.branch.to_string(),
            ..Default::default()
        };
        let live = recent.live(op_commits);
        let catalog = self.sidecar_catalog(graph, recent, sidecar).await?;
        for table_key in &sidecar.tables {
            let Some(ty) = catalog.as_ref().and_then(|c| c.by_table_key(table_key)) else {
                report.left_to_gc.push(format!(
                    "op {}: table `{table_key}` is in no live schema; its versions are left to GC",
                    sidecar.op_id
                ));
                continue;
            };
            let dir = self.layout(graph).table_dir(ty.kind.as_str(), &ty.type_id);
            let uri = self.table_uri(graph, ty);
            let candidates: Vec<u64> = match sidecar.staged.get(table_key) {
                Some(pin) => {
                    let mut versions = sidecar
                        .intermediate
                        .get(table_key)
                        .cloned()
                        .unwrap_or_default();
                    versions.push(pin.version);
                    versions
                }
                None if !sidecar.staged.is_empty() => Vec::new(),
                None => {
                    self.stamped_versions(&dir, &uri, sidecar, &live, report)
                        .await?
                }
            };
            let mut deleted = BTreeSet::new();
            for version in candidates {
                if live.contains(&version) {
                    report.left_to_gc.push(format!(
                        "op {}: version {version} of `{table_key}` is pinned; kept",
                        sidecar.op_id
                    ));
                    continue;
                }
                let manifest = crate::storage::layout::detached_manifest(&dir, version);
                match self.store.head(&manifest).await {
                    Ok(_) => {}
                    Err(object_store::Error::NotFound { .. }) => continue,
                    Err(e) => return Err(e.into()),
                }
                let files = self
                    .new_files(&dir, &uri, version, sidecar.base_pins.get(table_key))
                    .await;
                let files = match files {
                    Ok(f) => f,
                    Err(e) => {
                        report.left_to_gc.push(format!(
                            "op {}: files of version {version} of `{table_key}` not read ({e}); \
                             left to GC",
                            sidecar.op_id
                        ));
                        Vec::new()
                    }
                };
                // A later batch's version lists the earlier batches' files again.
                for file in files.into_iter().filter(|f| deleted.insert(f.clone())) {
                    if !dry_run {
                        ignore_missing(self.store.delete(&file).await)?;
                    }
                    op.files.push(file.to_string());
                }
                if !dry_run {
                    ignore_missing(self.store.delete(&manifest).await)?;
                }
                op.versions.push((table_key.clone(), version));
            }
        }
        for id in op_commits {
            if !dry_run {
                self.manifest.delete_commit(graph, id).await?;
            }
            op.commits.push(id.clone());
        }
        Ok(op)
    }

    /// Unpinned detached versions of one table stamped with the sidecar's op id (a writer that
    /// died during step B never recorded them): one LIST of `_versions/`, then the transaction
    /// of each unpinned manifest written since the sidecar.
    async fn stamped_versions(
        &self,
        dir: &Path,
        uri: &str,
        sidecar: &Sidecar,
        live: &BTreeSet<u64>,
        report: &mut RecoveryReport,
    ) -> Result<Vec<u64>, EngineError> {
        let versions_dir = Path::from(format!("{dir}/_versions"));
        let listed: Vec<_> = self.store.list(Some(&versions_dir)).try_collect().await?;
        let since = sidecar.created_at.saturating_sub(CLOCK_MARGIN_MS);
        let mut out = Vec::new();
        for meta in listed {
            let Some(version) = meta
                .location
                .filename()
                .and_then(|f| f.strip_prefix('d'))
                .and_then(|f| f.strip_suffix(".manifest"))
                .and_then(|v| v.parse::<u64>().ok())
            else {
                continue;
            };
            let modified = u64::try_from(meta.last_modified.timestamp_millis()).unwrap_or(0);
            if live.contains(&version) || modified < since {
                continue;
            }
            let stamped = async {
                let dataset = self.tables.open(uri, version).await?;
                let txn = dataset.read_transaction().await?;
                Ok::<_, EngineError>(txn.and_then(|t| {
                    t.transaction_properties
                        .as_ref()
                        .and_then(|p| p.get(OP_ID_PROPERTY).cloned())
                }))
            };
            match stamped.await {
                Ok(Some(op_id)) if op_id == sidecar.op_id => out.push(version),
                Ok(_) => {}
                Err(e) => report.left_to_gc.push(format!(
                    "op {}: version {version} in {dir} not inspected ({e})",
                    sidecar.op_id
                )),
            }
        }
        Ok(out)
    }

    /// Objects `version` references that its base version does not: the data files,
    /// deletion files and transaction file the operation wrote.
    async fn new_files(
        &self,
        dir: &Path,
        uri: &str,
        version: u64,
        base: Option<&omnigraph_manifest::Pin>,
    ) -> Result<Vec<Path>, EngineError> {
        let dead = self.tables.open(uri, version).await?;
        let dead_files = referenced_files(dir, &dead);
        let base_files = match base {
            Some(pin) => referenced_files(dir, &*self.tables.open_pinned(uri, pin).await?),
            None => BTreeMap::new(),
        };
        Ok(dead_files
            .into_iter()
            .filter(|(k, _)| !base_files.contains_key(k))
            .map(|(_, p)| p)
            .collect())
    }
}

impl Engine {
    /// Removes detached `versions` (per table key) that a live writer staged and will not
    /// publish, then its sidecar at `path`. Nothing pins them: they were never published.
    /// The versions' new files (relative to the base pin) go first, each once, the manifests
    /// last; on an error the sidecar stays and `recover` finishes the job after its deadline.
    pub(crate) async fn discard_staged(
        &self,
        catalog: &omnigraph_lang::catalog::Catalog,
        sidecar: &Sidecar,
        path: &Path,
        versions: &BTreeMap<String, Vec<u64>>,
    ) -> Result<(), EngineError> {
        for (table_key, versions) in versions {
            let Some(ty) = catalog.by_table_key(table_key) else {
                continue;
            };
            let dir = self
                .layout(&sidecar.graph)
                .table_dir(ty.kind.as_str(), &ty.type_id);
            let uri = self.table_uri(&sidecar.graph, ty);
            let base = sidecar.base_pins.get(table_key);
            // A later batch's version lists the earlier batches' files too: collect the union
            // first so each object is deleted once, then the manifests, newest first.
            let mut files = BTreeSet::new();
            for version in versions {
                files.extend(self.new_files(&dir, &uri, *version, base).await?);
            }
            for file in &files {
                ignore_missing(self.store.delete(file).await)?;
            }
            for version in versions.iter().rev() {
                let manifest = crate::storage::layout::detached_manifest(&dir, *version);
                ignore_missing(self.store.delete(&manifest).await)?;
            }
        }
        ignore_missing(self.store.delete(path).await)
    }
}

impl Engine {
    /// A catalog that names the sidecar's tables: its branch's schema, else any live branch's
    /// (type ids are stable across schema versions); `None` when no branch is left.
    async fn sidecar_catalog(
        &self,
        graph: &GraphId,
        recent: &Recent,
        sidecar: &Sidecar,
    ) -> Result<Option<Arc<omnigraph_lang::catalog::Catalog>>, EngineError> {
        let head = recent
            .heads
            .iter()
            .find(|(b, _)| *b == sidecar.branch)
            .or_else(|| recent.heads.first());
        match head {
            Some((_, h)) => Ok(Some(self.catalog(graph, &h.schema_hash).await?)),
            None => Ok(None),
        }
    }

    /// Deletes the manifests of a committed load's intermediate staged versions (the sidecar's
    /// `intermediate`): the final version's manifest lists every data file they had, so only
    /// the manifests are garbage. Run after the head CAS and before the sidecar delete, by the
    /// writer and by recovery of a writer that died in between.
    pub(crate) async fn delete_intermediate_manifests(
        &self,
        catalog: &omnigraph_lang::catalog::Catalog,
        sidecar: &Sidecar,
    ) -> Result<(), EngineError> {
        for (table_key, versions) in &sidecar.intermediate {
            let Some(ty) = catalog.by_table_key(table_key) else {
                continue;
            };
            let dir = self
                .layout(&sidecar.graph)
                .table_dir(ty.kind.as_str(), &ty.type_id);
            for version in versions {
                if sidecar.staged.get(table_key).map(|p| p.version) == Some(*version) {
                    continue;
                }
                let manifest = crate::storage::layout::detached_manifest(&dir, *version);
                ignore_missing(self.store.delete(&manifest).await)?;
            }
        }
        Ok(())
    }
}
