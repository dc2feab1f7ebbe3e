//! The object-store manifest backend: the embedded default (a local directory) and the
//! S3-without-DynamoDB deployment.
//!
//! Layout under `<root>/<graph>/_manifest/`:
//!
//! ```text
//! heads/<branch>/v/<version:020>.json   immutable head slots, written put-if-absent (the CAS)
//! heads/<branch>/latest.json            a hint: a copy of a recent slot (best effort)
//! commits/<commit id>.json              put-if-absent
//! records/<namespace>/<sha256(key)>.json put-if-absent
//! ```
//!
//! A slot holds either a head or a tombstone (branch deleted). The latest slot is found by
//! starting from this process's last known version (or the hint) and probing forward one GET
//! at a time; after a few consecutive hits a LIST with an offset jumps to the end. So a warm
//! `head` of an unchanged branch is one GET (a miss), a cold one two.
//!
//! object_store re-sends a PUT after a 5xx; when the first attempt landed, the re-sent
//! put-if-absent finds its own object. A taken slot or commit is therefore read back: a slot
//! holding this call's write token (or, for a CAS, the head publishing this commit id) and a
//! commit equal to this one are successes (see the `ManifestStore` docs). Slots are
//! immutable, so this is exact even when the branch has moved on since.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{Commit, Head, Page, PageRequest};
use crate::names::{BranchName, GraphId};
use crate::stats::ManifestCounters;
use crate::store::{paginate, ManifestStore, Result};
use crate::ManifestError;

/// Consecutive forward-probe hits after which a LIST jumps to the newest slot.
const PROBES_BEFORE_LIST: u32 = 3;

/// The stored form of a head slot.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Slot {
    version: u64,
    /// None = tombstone (the branch was deleted at this version).
    head: Option<Head>,
    /// The write token of the call that wrote the slot (absent in slots of older versions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    writer: Option<String>,
}

impl Slot {
    fn new(version: u64, head: Option<Head>) -> Self {
        Self {
            version,
            head,
            writer: Some(crate::clock::next_ulid(None)),
        }
    }

    /// Whether `found`, the slot at this slot's version, is this very write already applied
    /// (by an attempt whose reply was lost). For a CAS the commit id is unique to the
    /// publish; a create or delete is recognised by its write token only.
    fn is_written_as(&self, found: &Slot, cas: bool) -> bool {
        if self.writer.is_some() && found.writer == self.writer {
            return true;
        }
        match (cas, &self.head, &found.head) {
            (true, Some(mine), Some(theirs)) => {
                found.version == self.version && mine.commit_id == theirs.commit_id
            }
            _ => false,
        }
    }
}

/// Manifest store on any `object_store` backend with conditional puts.
#[derive(Debug)]
pub struct ObjectManifestStore {
    store: Arc<dyn ObjectStore>,
    root: Path,
    counters: ManifestCounters,
    /// Last slot seen per branch: the probe starts after it.
    known: Mutex<HashMap<(GraphId, BranchName), Slot>>,
}

fn map_os(err: object_store::Error) -> ManifestError {
    ManifestError::Unavailable(err.to_string())
}

impl ObjectManifestStore {
    /// A store keeping graphs under `root` of `store`.
    pub fn new(store: Arc<dyn ObjectStore>, root: Path) -> Self {
        Self {
            store,
            root,
            counters: ManifestCounters::default(),
            known: Mutex::new(HashMap::new()),
        }
    }

    fn base(&self, graph: &GraphId) -> Path {
        self.root.clone().join(graph.as_str()).join("_manifest")
    }

    fn heads_dir(&self, graph: &GraphId, branch: &BranchName) -> Path {
        self.base(graph).join("heads").join(branch.as_str())
    }

    fn slot_path(&self, graph: &GraphId, branch: &BranchName, version: u64) -> Path {
        self.heads_dir(graph, branch)
            .join("v")
            .join(format!("{version:020}.json"))
    }

    fn hint_path(&self, graph: &GraphId, branch: &BranchName) -> Path {
        self.heads_dir(graph, branch).join("latest.json")
    }

    fn commit_path(&self, graph: &GraphId, id: &str) -> Path {
        self.base(graph).join("commits").join(format!("{id}.json"))
    }

    fn record_path(&self, graph: &GraphId, namespace: &str, key: &str) -> Path {
        let digest = hex::encode(Sha256::digest(key.as_bytes()));
        let ns = hex::encode(namespace.as_bytes());
        self.base(graph)
            .join("records")
            .join(ns)
            .join(format!("{digest}.json"))
    }

    async fn get_json<T: for<'de> Deserialize<'de>>(&self, path: &Path) -> Result<Option<T>> {
        self.counters.record_read();
        match self.store.get(path).await {
            Ok(got) => {
                let bytes = got.bytes().await.map_err(map_os)?;
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| ManifestError::corrupt(path.to_string(), e))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(map_os(e)),
        }
    }

    /// Put-if-absent; Ok(false) when the key was taken.
    async fn create_json<T: Serialize>(&self, path: &Path, value: &T) -> Result<bool> {
        let body =
            serde_json::to_vec(value).map_err(|e| ManifestError::corrupt(path.to_string(), e))?;
        self.counters.record_write();
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match self
            .store
            .put_opts(path, PutPayload::from(body), opts)
            .await
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => {
                self.counters.record_conflict();
                Ok(false)
            }
            Err(e) => Err(map_os(e)),
        }
    }

    fn remember(&self, graph: &GraphId, branch: &BranchName, slot: &Slot) {
        if let Ok(mut known) = self.known.lock() {
            let key = (graph.clone(), branch.clone());
            let newer = known.get(&key).is_none_or(|k| k.version < slot.version);
            if newer {
                known.insert(key, slot.clone());
            }
        }
    }

    fn remembered(&self, graph: &GraphId, branch: &BranchName) -> Option<Slot> {
        self.known
            .lock()
            .ok()
            .and_then(|k| k.get(&(graph.clone(), branch.clone())).cloned())
    }

    /// The newest slot of `branch` (live or tombstone), or None if it never existed.
    async fn latest_slot(&self, graph: &GraphId, branch: &BranchName) -> Result<Option<Slot>> {
        let mut current = match self.remembered(graph, branch) {
            Some(slot) => Some(slot),
            None => {
                self.get_json::<Slot>(&self.hint_path(graph, branch))
                    .await?
            }
        };
        let mut hits = 0;
        loop {
            if hits >= PROBES_BEFORE_LIST {
                // Far behind (no hint, or a long-lived stale cache): jump with one LIST.
                let from = current.as_ref().map_or(1, |s| s.version + 1);
                if let Some(slot) = self.newest_listed(graph, branch, from).await? {
                    current = Some(slot);
                }
                hits = 0;
            }
            let next = current.as_ref().map_or(1, |s| s.version + 1);
            match self
                .get_json::<Slot>(&self.slot_path(graph, branch, next))
                .await?
            {
                Some(slot) => {
                    current = Some(slot);
                    hits += 1;
                }
                None => break,
            }
        }
        if let Some(slot) = &current {
            self.remember(graph, branch, slot);
        }
        Ok(current)
    }

    /// Lists slots from `from` on and reads the newest one.
    async fn newest_listed(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        from: u64,
    ) -> Result<Option<Slot>> {
        self.counters.record_read();
        let dir = self.heads_dir(graph, branch).join("v");
        let offset = self.slot_path(graph, branch, from.saturating_sub(1));
        let metas: Vec<_> = self
            .store
            .list_with_offset(Some(&dir), &offset)
            .try_collect()
            .await
            .map_err(map_os)?;
        match metas.iter().map(|m| &m.location).max() {
            Some(newest) => self.get_json(newest).await,
            None => Ok(None),
        }
    }

    async fn write_hint(&self, graph: &GraphId, branch: &BranchName, slot: &Slot) {
        let Ok(body) = serde_json::to_vec(slot) else {
            return;
        };
        self.counters.record_write();
        // Best effort: a stale or missing hint only costs extra probes.
        if let Err(e) = self
            .store
            .put(&self.hint_path(graph, branch), PutPayload::from(body))
            .await
        {
            tracing::debug!(error = %e, "head hint not written");
        }
    }

    /// Installs `slot` at its version if that slot is free, or if the slot already holds this
    /// very write (`cas`: a publish at `expected + 1`, recognised by its commit id too).
    async fn install(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        expected: Option<u64>,
        slot: Slot,
    ) -> Result<()> {
        let path = self.slot_path(graph, branch, slot.version);
        if !self.create_json(&path, &slot).await? {
            let found = self.get_json::<Slot>(&path).await?;
            let cas = expected.is_some() && slot.head.is_some();
            if found.is_some_and(|f| slot.is_written_as(&f, cas)) {
                tracing::debug!(%graph, %branch, "put-if-absent of a head slot found its own write");
                self.remember(graph, branch, &slot);
                self.write_hint(graph, branch, &slot).await;
                return Ok(());
            }
            let actual = self.latest_slot(graph, branch).await?.and_then(|s| s.head);
            return Err(ManifestError::Conflict {
                expected,
                actual: actual.map(Box::new),
            });
        }
        self.remember(graph, branch, &slot);
        self.write_hint(graph, branch, &slot).await;
        Ok(())
    }

    /// Checks that the branch is live at exactly `expected` before writing slot expected + 1.
    async fn check_live_at(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        expected: u64,
    ) -> Result<()> {
        let known = match self.remembered(graph, branch) {
            Some(slot) if slot.version >= expected => Some(slot),
            _ => None,
        };
        let at_expected = match known {
            Some(slot) if slot.version == expected => Some(slot),
            Some(_) => None,
            None => {
                self.get_json::<Slot>(&self.slot_path(graph, branch, expected))
                    .await?
            }
        };
        match at_expected {
            Some(Slot { head: Some(_), .. }) => Ok(()),
            _ => {
                self.counters.record_conflict();
                let actual = self.latest_slot(graph, branch).await?.and_then(|s| s.head);
                Err(ManifestError::Conflict {
                    expected: Some(expected),
                    actual: actual.map(Box::new),
                })
            }
        }
    }
}

#[async_trait]
impl ManifestStore for ObjectManifestStore {
    fn counters(&self) -> &ManifestCounters {
        &self.counters
    }

    async fn head(&self, graph: &GraphId, branch: &BranchName) -> Result<Option<Head>> {
        Ok(self.latest_slot(graph, branch).await?.and_then(|s| s.head))
    }

    async fn publish(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        expected: Option<u64>,
        mut new: Head,
    ) -> Result<Head> {
        let version = match expected {
            Some(n) => {
                self.check_live_at(graph, branch, n).await?;
                n + 1
            }
            None => match self.latest_slot(graph, branch).await? {
                None => 1,
                Some(Slot {
                    version,
                    head: None,
                    ..
                }) => version + 1,
                Some(Slot { head: Some(h), .. }) => {
                    self.counters.record_conflict();
                    return Err(ManifestError::Conflict {
                        expected: None,
                        actual: Some(Box::new(h)),
                    });
                }
            },
        };
        new.version = version;
        let slot = Slot::new(version, Some(new.clone()));
        self.install(graph, branch, expected, slot).await?;
        Ok(new)
    }

    async fn delete_branch(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        expected: u64,
    ) -> Result<()> {
        self.check_live_at(graph, branch, expected).await?;
        let tombstone = Slot::new(expected + 1, None);
        self.install(graph, branch, Some(expected), tombstone).await
    }

    async fn list_branches(&self, graph: &GraphId) -> Result<Vec<(BranchName, Head)>> {
        self.counters.record_read();
        let listed = self
            .store
            .list_with_delimiter(Some(&self.base(graph).join("heads")))
            .await
            .map_err(map_os)?;
        let mut out = Vec::new();
        for prefix in listed.common_prefixes {
            let Some(name) = prefix.filename() else {
                continue;
            };
            let Ok(branch) = BranchName::new(name) else {
                continue;
            };
            if let Some(head) = self.head(graph, &branch).await? {
                out.push((branch, head));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    async fn put_commit(&self, commit: &Commit) -> Result<()> {
        let path = self.commit_path(&commit.graph, &commit.id);
        if self.create_json(&path, commit).await? {
            return Ok(());
        }
        // This very commit (a re-sent put whose first reply was lost) is a success.
        if self.get_json::<Commit>(&path).await?.as_ref() == Some(commit) {
            return Ok(());
        }
        Err(ManifestError::AlreadyExists {
            what: format!("commit {}", commit.id),
        })
    }

    async fn get_commit(&self, graph: &GraphId, id: &str) -> Result<Option<Commit>> {
        if !is_commit_id(id) {
            return Ok(None);
        }
        self.get_json(&self.commit_path(graph, id)).await
    }

    async fn list_commits(&self, graph: &GraphId, page: &PageRequest) -> Result<Page<Commit>> {
        self.counters.record_read();
        let metas: Vec<_> = self
            .store
            .list(Some(&self.base(graph).join("commits")))
            .try_collect()
            .await
            .map_err(map_os)?;
        let mut ids: Vec<String> = metas
            .iter()
            .filter_map(|m| m.location.filename())
            .filter_map(|f| f.strip_suffix(".json"))
            .map(str::to_string)
            .collect();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        let id_page = paginate(ids, page, |id| id.as_str());
        let mut items = Vec::with_capacity(id_page.items.len());
        for id in &id_page.items {
            if let Some(commit) = self.get_json(&self.commit_path(graph, id)).await? {
                items.push(commit);
            }
        }
        Ok(Page {
            items,
            next_cursor: id_page.next_cursor,
        })
    }

    async fn delete_commit(&self, graph: &GraphId, id: &str) -> Result<()> {
        if !is_commit_id(id) {
            return Ok(());
        }
        self.counters.record_write();
        match self.store.delete(&self.commit_path(graph, id)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(map_os(e)),
        }
    }

    async fn put_record(
        &self,
        graph: &GraphId,
        namespace: &str,
        key: &str,
        value: &serde_json::Value,
    ) -> Result<()> {
        if self
            .create_json(&self.record_path(graph, namespace, key), value)
            .await?
        {
            Ok(())
        } else {
            Err(ManifestError::AlreadyExists {
                what: format!("record {namespace}/{key}"),
            })
        }
    }

    async fn get_record(
        &self,
        graph: &GraphId,
        namespace: &str,
        key: &str,
    ) -> Result<Option<serde_json::Value>> {
        self.get_json(&self.record_path(graph, namespace, key))
            .await
    }
}

/// Commit ids are ULIDs: 26 characters of Crockford base32. Anything else cannot name a commit
/// (and must never become part of a path).
pub(crate) fn is_commit_id(id: &str) -> bool {
    id.len() == 26 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}
