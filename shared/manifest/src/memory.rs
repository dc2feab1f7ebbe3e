//! The in-memory manifest store: for unit tests and deterministic simulation.
//!
//! Its calls cannot be ambiguous (no request can land without its caller hearing), so it
//! needs no write tokens; it keeps the trait's rule that re-putting the very same commit is
//! a success.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use crate::model::{Commit, Head, Page, PageRequest};
use crate::names::{BranchName, GraphId};
use crate::stats::ManifestCounters;
use crate::store::{paginate, ManifestStore, Result};
use crate::ManifestError;

/// A branch slot: its latest version and the head, or None once deleted (a tombstone).
#[derive(Debug, Clone)]
struct Slot {
    version: u64,
    head: Option<Head>,
}

#[derive(Debug, Default)]
struct State {
    branches: HashMap<(GraphId, BranchName), Slot>,
    commits: BTreeMap<(GraphId, String), Commit>,
    records: HashMap<(GraphId, String, String), serde_json::Value>,
}

/// A manifest store held in process memory.
#[derive(Debug, Default)]
pub struct MemoryManifestStore {
    state: Mutex<State>,
    counters: ManifestCounters,
}

impl MemoryManifestStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>> {
        self.state
            .lock()
            .map_err(|_| ManifestError::Unavailable("memory store lock poisoned".into()))
    }
}

#[async_trait]
impl ManifestStore for MemoryManifestStore {
    fn counters(&self) -> &ManifestCounters {
        &self.counters
    }

    async fn head(&self, graph: &GraphId, branch: &BranchName) -> Result<Option<Head>> {
        self.counters.record_read();
        let state = self.lock()?;
        Ok(state
            .branches
            .get(&(graph.clone(), branch.clone()))
            .and_then(|s| s.head.clone()))
    }

    async fn publish(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        expected: Option<u64>,
        mut new: Head,
    ) -> Result<Head> {
        self.counters.record_write();
        let mut state = self.lock()?;
        let key = (graph.clone(), branch.clone());
        let slot = state.branches.get(&key);
        let next = match (expected, slot) {
            (None, None) => 1,
            (
                None,
                Some(Slot {
                    version,
                    head: None,
                }),
            ) => version + 1,
            (
                Some(n),
                Some(Slot {
                    version,
                    head: Some(_),
                }),
            ) if *version == n => n + 1,
            (_, slot) => {
                self.counters.record_conflict();
                return Err(ManifestError::Conflict {
                    expected,
                    actual: slot.and_then(|s| s.head.clone()).map(Box::new),
                });
            }
        };
        new.version = next;
        state.branches.insert(
            key,
            Slot {
                version: next,
                head: Some(new.clone()),
            },
        );
        Ok(new)
    }

    async fn delete_branch(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        expected: u64,
    ) -> Result<()> {
        self.counters.record_write();
        let mut state = self.lock()?;
        let key = (graph.clone(), branch.clone());
        match state.branches.get(&key) {
            Some(Slot {
                version,
                head: Some(_),
            }) if *version == expected => {
                state.branches.insert(
                    key,
                    Slot {
                        version: expected + 1,
                        head: None,
                    },
                );
                Ok(())
            }
            slot => {
                self.counters.record_conflict();
                Err(ManifestError::Conflict {
                    expected: Some(expected),
                    actual: slot.and_then(|s| s.head.clone()).map(Box::new),
                })
            }
        }
    }

    async fn list_branches(&self, graph: &GraphId) -> Result<Vec<(BranchName, Head)>> {
        self.counters.record_read();
        let state = self.lock()?;
        let mut out: Vec<(BranchName, Head)> = state
            .branches
            .iter()
            .filter(|((g, _), _)| g == graph)
            .filter_map(|((_, b), s)| s.head.clone().map(|h| (b.clone(), h)))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    async fn put_commit(&self, commit: &Commit) -> Result<()> {
        self.counters.record_write();
        let mut state = self.lock()?;
        let key = (commit.graph.clone(), commit.id.clone());
        if let Some(existing) = state.commits.get(&key) {
            // Re-putting this very commit is a success, as on the remote backends (where it
            // is how a re-sent request whose first reply was lost ends).
            if existing == commit {
                return Ok(());
            }
            self.counters.record_conflict();
            return Err(ManifestError::AlreadyExists {
                what: format!("commit {}", commit.id),
            });
        }
        state.commits.insert(key, commit.clone());
        Ok(())
    }

    async fn get_commit(&self, graph: &GraphId, id: &str) -> Result<Option<Commit>> {
        self.counters.record_read();
        let state = self.lock()?;
        Ok(state.commits.get(&(graph.clone(), id.to_string())).cloned())
    }

    async fn list_commits(&self, graph: &GraphId, page: &PageRequest) -> Result<Page<Commit>> {
        self.counters.record_read();
        let state = self.lock()?;
        let newest_first = state
            .commits
            .iter()
            .rev()
            .filter(|((g, _), _)| g == graph)
            .map(|(_, c)| c.clone());
        Ok(paginate(newest_first, page, |c| c.id.as_str()))
    }

    async fn delete_commit(&self, graph: &GraphId, id: &str) -> Result<()> {
        self.counters.record_write();
        self.lock()?
            .commits
            .remove(&(graph.clone(), id.to_string()));
        Ok(())
    }

    async fn put_record(
        &self,
        graph: &GraphId,
        namespace: &str,
        key: &str,
        value: &serde_json::Value,
    ) -> Result<()> {
        self.counters.record_write();
        let mut state = self.lock()?;
        let k = (graph.clone(), namespace.to_string(), key.to_string());
        if state.records.contains_key(&k) {
            self.counters.record_conflict();
            return Err(ManifestError::AlreadyExists {
                what: format!("record {namespace}/{key}"),
            });
        }
        state.records.insert(k, value.clone());
        Ok(())
    }

    async fn get_record(
        &self,
        graph: &GraphId,
        namespace: &str,
        key: &str,
    ) -> Result<Option<serde_json::Value>> {
        self.counters.record_read();
        let state = self.lock()?;
        Ok(state
            .records
            .get(&(graph.clone(), namespace.to_string(), key.to_string()))
            .cloned())
    }
}
