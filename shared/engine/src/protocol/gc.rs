//! Mark-and-sweep garbage collection of one graph (docs/architecture.md, "Garbage collection"):
//! expires commits outside the retention window, then deletes every table object (detached
//! manifests, data, deletion, transaction and index files) that no live version references
//! and that is older than the guard.
//!
//! **Live set.** Every version pinned by a branch head (read *after* the expired commits were
//! deleted), by a retained commit, or named by a sidecar in `__recovery/`; every table's
//! mainline manifests; and every detached manifest younger than the guard (a writer that has
//! staged a version but not yet published it). A file is live when a live version references
//! it; so is every object younger than the guard.
//!
//! **Retention** (per call, so per graph): with neither `keep_commits` nor `keep_for` every
//! commit is kept and GC only removes what nothing references. Otherwise a commit reachable
//! from a head is kept if it is among the `keep_commits` newest of some branch's lineage or
//! younger than `keep_for`; every head's own commit is always kept, and so is every commit
//! younger than the guard (a writer stores its commit item just before its head CAS).
//! Commits reachable from no head (a deleted branch's history) are expired once older than
//! the guard.
//!
//! **Guard.** Nothing younger than the guard is deleted; the guard is at least twice the
//! longest function timeout. A writer finishes (publishes or dies) within one timeout of
//! writing anything, so an object older than the guard that no head read at GC time pins can
//! never become pinned by that writer; the second timeout covers clock skew between the
//! writer, the store's timestamps and the collector, and the collector's own run time.
//!
//! **Order** (what makes concurrent writers, branch creates and collectors safe): (1) read
//! heads and all commits, decide retention; (2) delete expired commit items; (3) read the heads
//! again and build the live set; (4) one LIST of the graph's `tables/`, open each live version
//! to collect the files it references; (5) delete garbage files, then garbage manifests. A
//! branch create re-reads its source commit after publishing (history.rs), so a create racing
//! step 2 either is seen in step 3 or undoes itself. Every delete tolerates a missing object:
//! running twice, or two collectors at once, is safe.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use futures::TryStreamExt;
use lance::index::DatasetIndexExt;
use lance_table::format::is_detached_version;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use omnigraph_manifest::{BranchName, Commit, GraphId, Head, PageRequest, Pin};
use serde::Serialize;

use crate::engine::Engine;
use crate::protocol::sidecar::Sidecar;
use crate::protocol::timing::DEFAULT_FUNCTION_TIMEOUT;
use crate::storage::files::{manifest_version, referenced_files};
use crate::EngineError;

/// Commits read per page.
const PAGE: usize = 500;

/// What to collect and how carefully.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcOptions {
    /// Keep the newest `n` commits of every branch (None: no count-based expiry).
    pub keep_commits: Option<usize>,
    /// Keep commits younger than this (None: no age-based expiry).
    pub keep_for: Option<Duration>,
    /// Never delete anything younger than this (None: the minimum, 2 × `function_timeout`).
    pub guard: Option<Duration>,
    /// The longest timeout of any function (or process) that writes to the store.
    pub function_timeout: Duration,
    /// The current time, milliseconds since the epoch.
    pub now_ms: u64,
    /// Report without deleting anything.
    pub dry_run: bool,
}

impl GcOptions {
    /// Keep every commit, the minimum guard for the default function timeout.
    pub fn new(now_ms: u64) -> Self {
        Self {
            keep_commits: None,
            keep_for: None,
            guard: None,
            function_timeout: DEFAULT_FUNCTION_TIMEOUT,
            now_ms,
            dry_run: false,
        }
    }

    /// The smallest guard allowed: twice the longest function timeout.
    pub fn min_guard(&self) -> Duration {
        self.function_timeout.saturating_mul(2)
    }

    /// The guard to use, or `bad_request` if one below the minimum was asked for.
    pub fn effective_guard(&self) -> Result<Duration, EngineError> {
        let min = self.min_guard();
        match self.guard {
            None => Ok(min),
            Some(g) if g >= min => Ok(g),
            Some(g) => Err(EngineError::bad_request(format!(
                "GC guard {}s is shorter than twice the longest function timeout ({}s); \
                 objects that young may belong to a writer that is still running",
                g.as_secs(),
                min.as_secs()
            ))),
        }
    }
}

/// One detached version removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeletedVersion {
    /// The table key when a retained schema names the table, else its directory.
    pub table: String,
    pub version: u64,
}

/// One object removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeletedFile {
    pub path: String,
    pub bytes: u64,
}

/// What one collection found and did (or, with `dry_run`, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct GcReport {
    pub graph: String,
    pub now_ms: u64,
    pub dry_run: bool,
    pub guard_ms: u64,
    pub keep_commits: Option<usize>,
    pub keep_for_ms: Option<u64>,
    /// Commits deleted by retention (time travel to them answers `not_found`).
    pub commits_expired: Vec<String>,
    /// Commits kept.
    pub commits_retained: usize,
    /// Distinct table versions in the live set.
    pub live_versions: usize,
    /// Detached versions whose manifest was deleted.
    pub versions_deleted: Vec<DeletedVersion>,
    /// Every object deleted (manifests included), with its size.
    pub files_deleted: Vec<DeletedFile>,
    /// Sum of the sizes of `files_deleted`.
    pub bytes_reclaimed: u64,
    /// Unreferenced objects kept because they are younger than the guard.
    pub young_kept: usize,
    /// Objects listed under `tables/`.
    pub objects_listed: usize,
}

/// The commits of a graph and what retention decided about them.
struct History {
    retained: Vec<Commit>,
    expired: Vec<String>,
}

impl Engine {
    /// Collects `graph` (see the module docs). Refuses a guard below the minimum.
    pub async fn gc(&self, graph: &GraphId, opts: &GcOptions) -> Result<GcReport, EngineError> {
        let guard = opts.effective_guard()?;
        let cutoff_ms = opts
            .now_ms
            .saturating_sub(u64::try_from(guard.as_millis()).unwrap_or(u64::MAX));
        let mut report = GcReport {
            graph: graph.to_string(),
            now_ms: opts.now_ms,
            dry_run: opts.dry_run,
            guard_ms: u64::try_from(guard.as_millis()).unwrap_or(u64::MAX),
            keep_commits: opts.keep_commits,
            keep_for_ms: opts
                .keep_for
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            ..Default::default()
        };

        // 1. Retention.
        let heads = self.manifest.list_branches(graph).await?;
        if heads.is_empty() {
            return Err(EngineError::not_found(format!("graph `{graph}`")));
        }
        let history = self.retention(graph, &heads, opts, cutoff_ms).await?;
        report.commits_retained = history.retained.len();

        // 2. Expire.
        if !opts.dry_run {
            for id in &history.expired {
                self.manifest.delete_commit(graph, id).await?;
            }
        }
        report.commits_expired = history.expired;

        // 3. The live set, from fresh heads.
        let heads_now = self.manifest.list_branches(graph).await?;
        let mut pins: Vec<(String, Pin, String)> = Vec::new();
        let head_iter = heads.iter().chain(heads_now.iter()).map(|(_, h)| h);
        for head in head_iter {
            pins.extend(
                head.tables
                    .iter()
                    .map(|(k, p)| (k.clone(), p.clone(), head.schema_hash.clone())),
            );
        }
        for c in &history.retained {
            pins.extend(
                c.pins
                    .iter()
                    .map(|(k, p)| (k.clone(), p.clone(), c.schema_hash.clone())),
            );
        }
        let fallback_hash = heads_now
            .first()
            .or(heads.first())
            .map(|(_, h)| h.schema_hash.clone())
            .unwrap_or_default();
        for sidecar in self.sidecars(graph).await? {
            // Named by the sidecar's own branch schema when the branch lives (as recovery
            // reads it), else by any live schema (type ids are stable across versions).
            let hash = heads_now
                .iter()
                .chain(heads.iter())
                .find(|(b, _)| *b == sidecar.branch)
                .map_or_else(|| fallback_hash.clone(), |(_, h)| h.schema_hash.clone());
            for (k, p) in sidecar.base_pins.iter().chain(sidecar.staged.iter()) {
                pins.push((k.clone(), p.clone(), hash.clone()));
            }
        }
        // Table key -> directory name, from every schema in the live set.
        let mut dirs: HashMap<String, String> = HashMap::new();
        let hashes: BTreeSet<String> = pins.iter().map(|(_, _, h)| h.clone()).collect();
        for hash in hashes {
            let catalog = self.catalog(graph, &hash).await?;
            for ty in catalog.types() {
                dirs.insert(
                    ty.table_key(),
                    format!("{}-{}", ty.kind.as_str(), ty.type_id),
                );
            }
        }
        // Directory name -> (pinned version -> pin), and directory name -> table key.
        let mut pinned: HashMap<String, BTreeMap<u64, Pin>> = HashMap::new();
        let mut names: HashMap<String, String> = HashMap::new();
        for (key, pin, _) in pins {
            let Some(dir) = dirs.get(&key) else {
                return Err(EngineError::internal(format!(
                    "table `{key}` is pinned but named by no schema"
                )));
            };
            names.insert(dir.clone(), key);
            pinned
                .entry(dir.clone())
                .or_default()
                .insert(pin.version, pin);
        }

        // 4. One LIST of every table object.
        let tables_dir = self.layout(graph).root().clone().join("tables");
        let listed: Vec<ObjectMeta> = self.store.list(Some(&tables_dir)).try_collect().await?;
        report.objects_listed = listed.len();
        let mut by_dir: BTreeMap<String, Vec<ObjectMeta>> = BTreeMap::new();
        let prefix = format!("{tables_dir}/");
        for meta in listed {
            let Some(rest) = meta.location.as_ref().strip_prefix(&prefix) else {
                continue;
            };
            let Some((dir, _)) = rest.split_once('/') else {
                continue;
            };
            by_dir.entry(dir.to_string()).or_default().push(meta);
        }

        // 5. Sweep each table.
        let empty = BTreeMap::new();
        for (dir_name, objects) in by_dir {
            let dir = tables_dir.clone().join(dir_name.as_str());
            let table_pins = pinned.get(&dir_name).unwrap_or(&empty);
            let table = names.get(&dir_name).cloned().unwrap_or(dir_name.clone());
            self.sweep_table(
                &dir,
                &table,
                table_pins,
                objects,
                cutoff_ms,
                opts,
                &mut report,
            )
            .await?;
        }
        report.bytes_reclaimed = report.files_deleted.iter().map(|f| f.bytes).sum();
        Ok(report)
    }

    /// Every commit, and which of them retention keeps.
    async fn retention(
        &self,
        graph: &GraphId,
        heads: &[(BranchName, Head)],
        opts: &GcOptions,
        cutoff_ms: u64,
    ) -> Result<History, EngineError> {
        let mut commits = Vec::new();
        let mut page = PageRequest::first(PAGE);
        loop {
            let got = self.manifest.list_commits(graph, &page).await?;
            commits.extend(got.items);
            match got.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => break,
            }
        }
        let expires = opts.keep_commits.is_some() || opts.keep_for.is_some();
        let keep_after = opts
            .keep_for
            .map(|d| {
                opts.now_ms
                    .saturating_sub(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            })
            .unwrap_or(u64::MAX);
        let by_id: HashMap<&str, &Commit> = commits.iter().map(|c| (c.id.as_str(), c)).collect();
        let mut keep: BTreeSet<&str> = BTreeSet::new();
        for (_, head) in heads {
            keep.insert(head.commit_id.as_str());
            // The branch's lineage, newest first (parents sort before children).
            let mut frontier: BTreeSet<&str> = BTreeSet::from([head.commit_id.as_str()]);
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            let mut rank = 0usize;
            while let Some(id) = frontier.pop_last() {
                if !seen.insert(id) {
                    continue;
                }
                let Some(c) = by_id.get(id) else { continue };
                let in_count = opts.keep_commits.is_some_and(|n| rank < n);
                if !expires || in_count || c.created_at >= keep_after {
                    keep.insert(id);
                }
                rank += 1;
                frontier.extend(c.parents.iter().map(String::as_str));
            }
        }
        let (mut retained, mut expired) = (Vec::new(), Vec::new());
        for c in &commits {
            let young = c.created_at >= cutoff_ms;
            if !expires || young || keep.contains(c.id.as_str()) {
                retained.push(c.clone());
            } else {
                expired.push(c.id.clone());
            }
        }
        Ok(History { retained, expired })
    }

    /// Every readable sidecar in `__recovery/` (their pins are live until recovery runs).
    async fn sidecars(&self, graph: &GraphId) -> Result<Vec<Sidecar>, EngineError> {
        let dir = self.layout(graph).recovery_dir();
        let listed: Vec<ObjectMeta> = self.store.list(Some(&dir)).try_collect().await?;
        let mut out = Vec::new();
        for meta in listed {
            match self.store.get(&meta.location).await {
                Ok(got) => {
                    if let Some(s) = got
                        .bytes()
                        .await
                        .ok()
                        .and_then(|b| serde_json::from_slice::<Sidecar>(&b).ok())
                    {
                        out.push(s);
                    }
                }
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(out)
    }

    /// Marks one table's live files and deletes the rest that are older than the guard.
    #[allow(clippy::too_many_arguments)]
    async fn sweep_table(
        &self,
        dir: &Path,
        table: &str,
        pinned: &BTreeMap<u64, Pin>,
        objects: Vec<ObjectMeta>,
        cutoff_ms: u64,
        opts: &GcOptions,
        report: &mut GcReport,
    ) -> Result<(), EngineError> {
        let uri = self.dir_uri(dir);
        let prefix = format!("{dir}/");
        let old = |m: &ObjectMeta| {
            u64::try_from(m.last_modified.timestamp_millis()).unwrap_or(0) < cutoff_ms
        };
        // Roots: pinned versions, young detached manifests, every mainline manifest.
        let mut roots: BTreeMap<u64, Option<&Pin>> =
            pinned.iter().map(|(v, p)| (*v, Some(p))).collect();
        for meta in &objects {
            let rel = meta.location.as_ref().strip_prefix(&prefix).unwrap_or("");
            let Some(name) = rel.strip_prefix("_versions/") else {
                continue;
            };
            match manifest_version(name) {
                // Old detached manifests are roots only when pinned (above).
                Some(v) if is_detached_version(v) && old(meta) => {}
                Some(v) => {
                    roots.entry(v).or_insert(None);
                }
                None => {}
            }
        }
        report.live_versions += roots.len();
        let mut live: BTreeSet<String> = BTreeSet::new();
        let mut live_indices: BTreeSet<String> = BTreeSet::new();
        for (version, pin) in roots {
            let opened = match pin {
                Some(pin) => self.tables.open_pinned(&uri, pin).await,
                None => self.tables.open(&uri, version).await,
            };
            let dataset = match opened {
                Ok(ds) => ds,
                // An unpinned young version removed meanwhile (by recovery): nothing to keep.
                Err(_) if pin.is_none() && self.manifest_gone(dir, version).await? => continue,
                Err(e) => {
                    return Err(EngineError::internal(format!(
                        "live version {version} of `{table}` cannot be opened, GC stopped: {e}"
                    )))
                }
            };
            live.extend(referenced_files(dir, &dataset).into_keys());
            let indices = dataset.load_indices().await.map_err(|e| {
                EngineError::internal(format!(
                    "indices of live version {version} of `{table}` unreadable, GC stopped: {e}"
                ))
            })?;
            live_indices.extend(indices.iter().map(|i| i.uuid.to_string()));
        }
        let live_manifests: BTreeSet<u64> = pinned.keys().copied().collect();

        let mut files = Vec::new();
        let mut dead_manifests = Vec::new();
        for meta in &objects {
            let rel = meta.location.as_ref().strip_prefix(&prefix).unwrap_or("");
            let garbage = if let Some(name) = rel.strip_prefix("_versions/") {
                match manifest_version(name) {
                    Some(v) if is_detached_version(v) && !live_manifests.contains(&v) => {
                        Some(Some(v))
                    }
                    _ => None,
                }
            } else if let Some(rest) = rel.strip_prefix("_indices/") {
                let uuid = rest.split('/').next().unwrap_or("");
                (!live_indices.contains(uuid)).then_some(None)
            } else if rel.starts_with("data/")
                || rel.starts_with("_deletions/")
                || rel.starts_with("_transactions/")
            {
                (!live.contains(rel)).then_some(None)
            } else {
                None
            };
            let Some(version) = garbage else { continue };
            if !old(meta) {
                report.young_kept += 1;
                continue;
            }
            match version {
                Some(v) => dead_manifests.push((v, meta)),
                None => files.push(meta),
            }
        }
        // Files first, manifests last: an interrupted run leaves versions whose files a later
        // run still finds (they stay unreferenced).
        for meta in files {
            self.gc_delete(meta, opts.dry_run, report).await?;
        }
        for (version, meta) in dead_manifests {
            self.gc_delete(meta, opts.dry_run, report).await?;
            self.tables.forget(&uri, version);
            report.versions_deleted.push(DeletedVersion {
                table: table.to_string(),
                version,
            });
        }
        Ok(())
    }

    async fn gc_delete(
        &self,
        meta: &ObjectMeta,
        dry_run: bool,
        report: &mut GcReport,
    ) -> Result<(), EngineError> {
        if !dry_run {
            match self.store.delete(&meta.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        report.files_deleted.push(DeletedFile {
            path: meta.location.to_string(),
            bytes: meta.size,
        });
        Ok(())
    }
}

impl Engine {
    /// The objects (store paths) the version of `table_key` that `snapshot` pins consists of:
    /// its detached manifest (none for the mainline version 1), data, deletion and
    /// transaction files. Tests and the simulation check that each one exists.
    pub async fn version_objects(
        &self,
        snapshot: &crate::Snapshot,
        table_key: &str,
    ) -> Result<Vec<String>, EngineError> {
        let ty = snapshot
            .catalog
            .by_table_key(table_key)
            .ok_or_else(|| EngineError::bad_request(format!("unknown table `{table_key}`")))?;
        let dir = self
            .layout(&snapshot.graph)
            .table_dir(ty.kind.as_str(), &ty.type_id);
        let (_, dataset) = self.open_table(snapshot, table_key).await?;
        let mut out: Vec<String> = referenced_files(&dir, &dataset)
            .into_values()
            .map(|p| p.to_string())
            .collect();
        let version = dataset.version().version;
        if is_detached_version(version) {
            out.push(crate::storage::layout::detached_manifest(&dir, version).to_string());
        }
        Ok(out)
    }

    /// Whether the detached manifest of `version` under `dir` no longer exists.
    async fn manifest_gone(&self, dir: &Path, version: u64) -> Result<bool, EngineError> {
        if !is_detached_version(version) {
            return Ok(false);
        }
        let path = crate::storage::layout::detached_manifest(dir, version);
        match self.store.head(&path).await {
            Ok(_) => Ok(false),
            Err(object_store::Error::NotFound { .. }) => Ok(true),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_below_twice_the_timeout_is_refused() {
        let mut opts = GcOptions::new(0);
        assert_eq!(opts.effective_guard().ok(), Some(Duration::from_secs(1800)));
        opts.guard = Some(Duration::from_secs(1799));
        let err = opts.effective_guard().err().map(|e| e.code());
        assert_eq!(err, Some("bad_request"));
        opts.function_timeout = Duration::from_secs(60);
        assert_eq!(opts.effective_guard().ok(), Some(Duration::from_secs(1799)));
    }
}
