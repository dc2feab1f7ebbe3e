//! The `ManifestStore` trait: the single authority on what each branch of a graph is.
//!
//! # Guarantees every backend gives (checked by one conformance suite)
//!
//! - **Strongly consistent heads.** `head` returns the latest successfully published head; a
//!   publish that returned `Ok` is visible to every later `head` call, from any process.
//! - **Compare-and-swap publish.** `publish(expected = Some(n))` succeeds only if the branch is
//!   live at version `n`, and then installs the new head at version `n + 1`. Of any number of
//!   concurrent publishers with the same `expected`, exactly one succeeds; the others get
//!   [`ManifestError::Conflict`] carrying the head that is current now.
//! - **Create is a conditional write.** `publish(expected = None)` creates a branch that does not
//!   exist (never existed, or was deleted); it fails with `Conflict` if the branch is live.
//!   Versions stay monotonic across delete and re-create, so a stale writer of a deleted
//!   incarnation can never publish onto a new one.
//! - **Delete is a conditional write** at the expected version.
//! - **Commits are put-if-absent**: a `put_commit` of a different commit with an existing
//!   id fails with [`ManifestError::AlreadyExists`]; putting the very same commit again (equal
//!   in every field) is a success. Commits are immutable once written.
//! - **Records** (idempotency keys, audit entries) are put-if-absent, like commits.
//! - **A call never loses to itself.** Client libraries re-send a write whose reply was lost
//!   (the AWS SDK and object_store both retry a 5xx by themselves), so a conditional write can
//!   fail its condition because its own first attempt landed. A backend tells that apart from
//!   a real conflict by what it finds in the item: a head written with this call's write token
//!   (every `publish` and `delete_branch` call stamps one, stored beside the head), or for a
//!   CAS the head at `expected + 1` publishing this commit id, or a commit equal to this one,
//!   means the call succeeded, and it returns `Ok` (the head as published). A create whose
//!   branch exists with equal content written by another call is still a `Conflict`. Callers
//!   therefore never see their own landed write as a conflict, and never undo or re-apply it.
//! - Every request a backend makes to its service is counted in [`ManifestCounters`].
//!
//! Backends never rely on multi-item transactions for correctness.

use async_trait::async_trait;

use crate::model::{Commit, Head, Page, PageRequest};
use crate::names::{BranchName, GraphId};
use crate::stats::ManifestCounters;
use crate::ManifestError;

/// Result alias for manifest operations.
pub type Result<T, E = ManifestError> = std::result::Result<T, E>;

/// Heads, commits and records of graphs; see the module docs for the guarantees.
#[async_trait]
pub trait ManifestStore: Send + Sync + std::fmt::Debug {
    /// The request counters of this store.
    fn counters(&self) -> &ManifestCounters;

    /// The live head of `branch`, or None if the branch does not exist.
    async fn head(&self, graph: &GraphId, branch: &BranchName) -> Result<Option<Head>>;

    /// Conditionally installs `new` as the head of `branch` (see module docs). The store sets
    /// the version (`expected + 1`, or the next version for a create) and returns the head as
    /// published.
    async fn publish(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        expected: Option<u64>,
        new: Head,
    ) -> Result<Head>;

    /// Deletes `branch` if it is live at version `expected`.
    async fn delete_branch(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        expected: u64,
    ) -> Result<()>;

    /// Every live branch with its head, sorted by name.
    async fn list_branches(&self, graph: &GraphId) -> Result<Vec<(BranchName, Head)>>;

    /// Stores a commit if no commit with its id exists; Ok too if this very commit does.
    async fn put_commit(&self, commit: &Commit) -> Result<()>;

    /// One commit by id.
    async fn get_commit(&self, graph: &GraphId, id: &str) -> Result<Option<Commit>>;

    /// Commits of the graph, newest (greatest id) first; the cursor is the last id returned.
    async fn list_commits(&self, graph: &GraphId, page: &PageRequest) -> Result<Page<Commit>>;

    /// Deletes an unreferenced commit (recovery of a dead writer's orphan). Idempotent.
    async fn delete_commit(&self, graph: &GraphId, id: &str) -> Result<()>;

    /// Stores `value` under `(namespace, key)` if absent; `AlreadyExists` otherwise.
    async fn put_record(
        &self,
        graph: &GraphId,
        namespace: &str,
        key: &str,
        value: &serde_json::Value,
    ) -> Result<()>;

    /// The record under `(namespace, key)`.
    async fn get_record(
        &self,
        graph: &GraphId,
        namespace: &str,
        key: &str,
    ) -> Result<Option<serde_json::Value>>;
}

/// Takes the page described by `page` from items already sorted newest first by `id_of`.
pub(crate) fn paginate<T>(
    items: impl IntoIterator<Item = T>,
    page: &PageRequest,
    id_of: impl Fn(&T) -> &str,
) -> Page<T> {
    let limit = page.limit.max(1);
    let mut out: Vec<T> = items
        .into_iter()
        .filter(|item| page.cursor.as_deref().is_none_or(|c| id_of(item) < c))
        .take(limit + 1)
        .collect();
    let more = out.len() > limit;
    out.truncate(limit);
    let next_cursor = if more {
        out.last().map(|item| id_of(item).to_string())
    } else {
        None
    };
    Page {
        items: out,
        next_cursor,
    }
}
