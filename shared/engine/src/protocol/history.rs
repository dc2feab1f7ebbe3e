//! Branches and commits: create/list/delete branches, list and show commits, and resolve a
//! branch version to its commit (time travel).
//!
//! A branch is only a head record: creating one is a single conditional write pinning the
//! same table versions as its source, with no object-store request and no data copied.

use std::collections::{BTreeSet, HashSet};

use omnigraph_manifest::{BranchName, Commit, GraphId, Head, ManifestError, PageRequest};
use serde::Serialize;

use crate::engine::Engine;
use crate::protocol::failpoints::failpoint;
use crate::EngineError;

/// Where a new branch starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BranchSource {
    Branch(BranchName),
    Commit(String),
}

/// One row of `branch list`.
#[derive(Debug, Clone, Serialize)]
pub struct BranchInfo {
    pub name: BranchName,
    pub version: u64,
    pub commit: String,
}

/// A page of commits, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct CommitPage {
    pub commits: Vec<Commit>,
    pub next_cursor: Option<String>,
}

impl Engine {
    /// Creates `name` pinning what `from` pins: one manifest read and one conditional write.
    pub async fn create_branch(
        &self,
        graph: &GraphId,
        name: &BranchName,
        from: &BranchSource,
    ) -> Result<Head, EngineError> {
        let source = match from {
            BranchSource::Branch(b) => self.require_head(graph, b).await?,
            BranchSource::Commit(id) => {
                let c = self.require_commit(graph, id).await?;
                Head {
                    version: 0,
                    commit_id: c.id,
                    schema_hash: c.schema_hash,
                    tables: c.pins,
                }
            }
        };
        failpoint!(BRANCH_CREATE_BEFORE_PUBLISH);
        let head = self
            .manifest
            .publish(graph, name, None, source)
            .await
            .map_err(|e| match e {
                ManifestError::Conflict { .. } => {
                    EngineError::conflict(format!("branch `{name}` already exists"))
                }
                other => other.into(),
            })?;
        failpoint!(BRANCH_CREATE_AFTER_PUBLISH);
        // GC deletes expired commits before it reads the heads that make the live set. If the
        // source commit still exists now, any collector that drops it reads heads after this
        // publish and sees the new branch; if it is gone, the pinned versions may be too:
        // undo the create.
        if self
            .manifest
            .get_commit(graph, &head.commit_id)
            .await?
            .is_none()
        {
            let _ = self.manifest.delete_branch(graph, name, head.version).await;
            return Err(EngineError::not_found(format!(
                "commit `{}` (the source of branch `{name}`; expired by retention while the \
                 branch was being created)",
                head.commit_id
            )));
        }
        Ok(head)
    }

    /// Every live branch, sorted by name.
    pub async fn list_branches(&self, graph: &GraphId) -> Result<Vec<BranchInfo>, EngineError> {
        let branches = self.manifest.list_branches(graph).await?;
        if branches.is_empty() {
            return Err(EngineError::not_found(format!("graph `{graph}`")));
        }
        Ok(branches
            .into_iter()
            .map(|(name, head)| BranchInfo {
                name,
                version: head.version,
                commit: head.commit_id,
            })
            .collect())
    }

    /// Deletes a branch head. Data stays until GC finds it unpinned by every head and retained
    /// commit, so nothing another branch uses is ever removed here.
    pub async fn delete_branch(
        &self,
        graph: &GraphId,
        name: &BranchName,
    ) -> Result<(), EngineError> {
        if name.is_main() {
            return Err(EngineError::bad_request("branch `main` cannot be deleted"));
        }
        let head = self.require_head(graph, name).await?;
        self.manifest
            .delete_branch(graph, name, head.version)
            .await
            .map_err(|e| match e {
                ManifestError::Conflict { actual: None, .. } => {
                    EngineError::not_found(format!("branch `{name}` of graph `{graph}`"))
                }
                ManifestError::Conflict { .. } => EngineError::conflict(format!(
                    "branch `{name}` moved while it was being deleted; retry"
                )),
                other => other.into(),
            })
    }

    /// One commit, or `not_found`.
    pub async fn require_commit(&self, graph: &GraphId, id: &str) -> Result<Commit, EngineError> {
        self.manifest.get_commit(graph, id).await?.ok_or_else(|| {
            EngineError::not_found(format!(
                "commit `{id}` (never made, or expired by retention and garbage-collected)"
            ))
        })
    }

    /// The commit that was the head of `branch` at head version `version`: walks first
    /// parents back from the head (one publish = one commit = one version).
    pub async fn commit_at_version(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        version: u64,
    ) -> Result<Commit, EngineError> {
        let head = self.require_head(graph, branch).await?;
        let missing = || EngineError::not_found(format!("version {version} of branch `{branch}`"));
        if version == 0 || version > head.version {
            return Err(missing());
        }
        let mut commit = self.require_commit(graph, &head.commit_id).await?;
        for _ in 0..(head.version - version) {
            let Some(parent) = commit.parents.first().cloned() else {
                return Err(missing());
            };
            commit = match self.manifest.get_commit(graph, &parent).await? {
                Some(c) => c,
                None => {
                    return Err(EngineError::not_found(format!(
                        "version {version} of branch `{branch}` (expired by retention and \
                         garbage-collected)"
                    )))
                }
            };
        }
        Ok(commit)
    }

    /// Commits reachable from `branch`'s head, newest first, optionally by one actor.
    pub async fn list_commits(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        actor: Option<&str>,
        page: &PageRequest,
    ) -> Result<CommitPage, EngineError> {
        let head = self.require_head(graph, branch).await?;
        let limit = page.limit.max(1);
        let mut frontier: BTreeSet<String> = BTreeSet::from([head.commit_id]);
        let mut seen: HashSet<String> = HashSet::new();
        let mut out = Vec::new();
        let mut more = false;
        // Parents always sort before children (ULIDs), so taking the greatest id first
        // yields the lineage newest first.
        while let Some(id) = frontier.pop_last() {
            if !seen.insert(id.clone()) {
                continue;
            }
            let Some(commit) = self.manifest.get_commit(graph, &id).await? else {
                continue;
            };
            frontier.extend(commit.parents.iter().cloned());
            let after_cursor = page
                .cursor
                .as_deref()
                .is_none_or(|c| commit.id.as_str() < c);
            let actor_ok = actor.is_none_or(|a| commit.actor == a);
            if after_cursor && actor_ok {
                if out.len() == limit {
                    more = true;
                    break;
                }
                out.push(commit);
            }
        }
        let next_cursor = if more {
            out.last().map(|c: &Commit| c.id.clone())
        } else {
            None
        };
        Ok(CommitPage {
            commits: out,
            next_cursor,
        })
    }
}
