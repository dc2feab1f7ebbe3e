//! Guards on the Lance 14 behaviour the table layer is built on (docs/architecture.md,
//! "Tables: one Lance dataset per type, detached versions").
//!
//! Every table version after mainline version 1 is a *detached* Lance commit, opened again by
//! its number from a pin. Each test below pins one behaviour that design relies on, so a Lance
//! upgrade that changes it fails here, by name, instead of somewhere deep in the engine.
//! All tests run on a local temp directory through a `file-object-store://` URI (as the
//! engine's `table_uri` does), so every request Lance makes passes through a counting
//! `object_store` wrapper installed with `ObjectStoreParams.object_store_wrapper`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use arrow_array::{Array, RecordBatch, RecordBatchIterator, StringArray};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use lance::dataset::builder::DatasetBuilder;
use lance::dataset::transaction::{Operation, Transaction, TransactionBuilder};
use lance::dataset::{
    CommitBuilder, DeleteBuilder, InsertBuilder, MergeInsertBuilder, ReadParams, WhenMatched,
    WhenNotMatched, WriteMode, WriteParams,
};
use lance::index::{CreateIndexBuilder, DatasetIndexExt};
use lance::io::{ObjectStoreParams, WrappingObjectStore};
use lance::session::Session;
use lance::table::format::DETACHED_VERSION_MASK;
use lance::Dataset;
use lance_index::scalar::ScalarIndexParams;
use lance_index::IndexType;
use object_store::list::PaginatedListStore;
use object_store::ObjectStore;
use omnigraph_engine::{CountingStore, ObjectCounters, ObjectStats, PinnedLocations, Tables};

/// Counts every request of every store Lance builds. Returning `None` from `wrap_paginated`
/// drops Lance's paginated-list pushdown, so every listing goes through `wrap` and is counted.
#[derive(Debug)]
struct Counted(Arc<ObjectCounters>);

impl WrappingObjectStore for Counted {
    fn wrap(&self, _prefix: &str, original: Arc<dyn ObjectStore>) -> Arc<dyn ObjectStore> {
        Arc::new(CountingStore::with_counters(original, self.0.clone()))
    }

    fn wrap_paginated(
        &self,
        _prefix: &str,
        _original: Arc<dyn PaginatedListStore>,
    ) -> Option<Arc<dyn PaginatedListStore>> {
        None
    }
}

/// One "process": a session, a counted store configuration and (optionally) the engine's
/// pinned-location commit handler.
struct Client {
    counters: Arc<ObjectCounters>,
    params: ObjectStoreParams,
    session: Arc<Session>,
    handler: Option<Arc<PinnedLocations>>,
}

impl Client {
    fn new(handler: Option<Arc<PinnedLocations>>) -> Self {
        let counters = Arc::new(ObjectCounters::default());
        Self {
            params: ObjectStoreParams {
                object_store_wrapper: Some(Arc::new(Counted(counters.clone()))),
                ..Default::default()
            },
            counters,
            session: Arc::new(Session::default()),
            handler,
        }
    }

    fn snapshot(&self) -> ObjectStats {
        self.counters.snapshot()
    }

    fn write_params(&self, mode: WriteMode) -> WriteParams {
        let mut params = WriteParams {
            mode,
            store_params: Some(self.params.clone()),
            session: Some(self.session.clone()),
            enable_v2_manifest_paths: true,
            ..Default::default()
        };
        if let Some(handler) = &self.handler {
            params.commit_handler = Some(handler.clone());
        }
        params
    }

    /// Mainline version 1: the empty table, as `Tables::create_empty` makes it.
    async fn create(&self, uri: &str) -> Arc<Dataset> {
        let empty = RecordBatchIterator::new(
            std::iter::empty::<Result<RecordBatch, ArrowError>>(),
            schema(),
        );
        let ds = Dataset::write(empty, uri, Some(self.write_params(WriteMode::Create)))
            .await
            .unwrap();
        assert_eq!(ds.version_id(), 1);
        Arc::new(ds)
    }

    /// Opens `version` by number (no version = latest mainline).
    async fn open(&self, uri: &str, version: Option<u64>) -> Arc<Dataset> {
        let mut builder = DatasetBuilder::from_uri(uri).with_read_params(ReadParams {
            store_options: Some(self.params.clone()),
            session: Some(self.session.clone()),
            ..Default::default()
        });
        if let Some(handler) = &self.handler {
            builder = builder.with_commit_handler(handler.clone());
        }
        if let Some(version) = version {
            builder = builder.with_version(version);
        }
        Arc::new(builder.load().await.unwrap())
    }

    async fn stage_append(&self, base: &Arc<Dataset>, rows: &[(&str, &str)]) -> Transaction {
        InsertBuilder::new(base.clone())
            .with_params(&self.write_params(WriteMode::Append))
            .execute_uncommitted(vec![batch(rows)])
            .await
            .unwrap()
    }

    /// Commits `tx` detached on `base`, as `Tables::commit_detached` does.
    async fn commit_detached(&self, base: &Arc<Dataset>, tx: Transaction) -> Arc<Dataset> {
        let mut builder = CommitBuilder::new(base.clone())
            .with_store_params(self.params.clone())
            .with_session(self.session.clone())
            .with_detached(true)
            .with_max_retries(5);
        if let Some(handler) = &self.handler {
            builder = builder.with_commit_handler(handler.clone());
        }
        Arc::new(builder.execute(tx).await.unwrap())
    }

    async fn append_detached(&self, base: &Arc<Dataset>, rows: &[(&str, &str)]) -> Arc<Dataset> {
        let tx = self.stage_append(base, rows).await;
        self.commit_detached(base, tx).await
    }
}

fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("name", DataType::Utf8, true),
    ]))
}

fn batch(rows: &[(&str, &str)]) -> RecordBatch {
    let ids = StringArray::from(rows.iter().map(|r| r.0).collect::<Vec<_>>());
    let names = StringArray::from(rows.iter().map(|r| r.1).collect::<Vec<_>>());
    RecordBatch::try_new(schema(), vec![Arc::new(ids), Arc::new(names)]).unwrap()
}

/// A fresh temp directory and the `file-object-store://` URI of one table in it.
fn table_dir() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let uri = format!("file-object-store://{}/table", dir.path().display());
    (dir, uri)
}

/// All `(id, name)` rows of `ds` matching `filter`, sorted.
async fn rows(ds: &Dataset, filter: Option<&str>) -> Vec<(String, String)> {
    let mut scan = ds.scan();
    scan.project(&["id", "name"]).unwrap();
    if let Some(filter) = filter {
        scan.filter(filter).unwrap();
    }
    let batch = scan.try_into_batch().await.unwrap();
    let column = |i: usize| {
        batch
            .column(i)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap()
            .clone()
    };
    let (ids, names) = (column(0), column(1));
    let mut out: Vec<(String, String)> = (0..ids.len())
        .map(|i| (ids.value(i).to_string(), names.value(i).to_string()))
        .collect();
    out.sort();
    out
}

fn owned(rows: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = rows
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    out.sort();
    out
}

const ABC: &[(&str, &str)] = &[("a", "ann"), ("b", "bob"), ("c", "cid")];

/// Guard 1. Relied on: a detached version can be the base of the next detached commit
/// (chains), each link reopens by its number with its own rows, and the mainline is never
/// touched: the dataset's latest version stays 1 (the empty table).
#[tokio::test]
async fn lance_guards_detached_chain() {
    let (_dir, uri) = table_dir();
    let client = Client::new(None);
    let v1 = client.create(&uri).await;
    let first = client.append_detached(&v1, ABC).await;
    let second = client.append_detached(&first, &[("d", "dee")]).await;
    assert_ne!(first.version_id(), second.version_id());

    let reader = Client::new(None);
    let first_again = reader.open(&uri, Some(first.version_id())).await;
    let second_again = reader.open(&uri, Some(second.version_id())).await;
    assert_eq!(first_again.version_id(), first.version_id());
    assert_eq!(second_again.version_id(), second.version_id());
    assert_eq!(first_again.count_rows(None).await.unwrap(), 3);
    assert_eq!(second_again.count_rows(None).await.unwrap(), 4);
    assert_eq!(rows(&first_again, None).await, owned(ABC));

    // The mainline still ends at version 1, the empty table.
    assert_eq!(second_again.latest_version_id().await.unwrap(), 1);
    let latest = reader.open(&uri, None).await;
    assert_eq!(latest.version_id(), 1);
    assert_eq!(latest.count_rows(None).await.unwrap(), 0);
}

/// Guard 2. Relied on: two detached commits on the same base (two writers racing on one
/// table) both succeed, coexist, and reopen independently with their own contents; the head
/// CAS, not Lance, picks the winner.
#[tokio::test]
async fn lance_guards_siblings_from_one_base() {
    let (_dir, uri) = table_dir();
    let client = Client::new(None);
    let v1 = client.create(&uri).await;
    let base = client.append_detached(&v1, ABC).await;
    let left = client.append_detached(&base, &[("l", "left")]).await;
    let right = client
        .append_detached(&base, &[("r1", "right"), ("r2", "right")])
        .await;
    assert_ne!(left.version_id(), right.version_id());

    let reader = Client::new(None);
    let left = reader.open(&uri, Some(left.version_id())).await;
    let right = reader.open(&uri, Some(right.version_id())).await;
    let mut want_left = ABC.to_vec();
    want_left.push(("l", "left"));
    let mut want_right = ABC.to_vec();
    want_right.extend([("r1", "right"), ("r2", "right")]);
    assert_eq!(rows(&left, None).await, owned(&want_left));
    assert_eq!(rows(&right, None).await, owned(&want_right));
    let base = reader.open(&uri, Some(base.version_id())).await;
    assert_eq!(rows(&base, None).await, owned(ABC));

    // Both manifests are on disk side by side.
    let detached: HashSet<u64> = base
        .list_detached_manifests()
        .await
        .unwrap()
        .iter()
        .map(|l| l.version)
        .collect();
    for v in [base.version_id(), left.version_id(), right.version_id()] {
        assert!(detached.contains(&v), "{v} missing from {detached:?}");
    }
}

/// Guard 3. Relied on: delete is two-phase. `DeleteBuilder::execute_uncommitted` stages the
/// deletion (writing `_deletions/*`) without committing; committing it detached gives a new
/// version without the rows while the base version still shows them.
#[tokio::test]
async fn lance_guards_two_phase_delete() {
    let (_dir, uri) = table_dir();
    let client = Client::new(None);
    let v1 = client.create(&uri).await;
    let base = client.append_detached(&v1, ABC).await;

    let staged = DeleteBuilder::new(base.clone(), "id = 'b'")
        .execute_uncommitted()
        .await
        .unwrap();
    assert_eq!(staged.num_deleted_rows, 1);
    // Nothing is committed yet: the mainline is still version 1.
    assert_eq!(base.latest_version_id().await.unwrap(), 1);
    let deleted = client.commit_detached(&base, staged.transaction).await;

    let reader = Client::new(None);
    let deleted = reader.open(&uri, Some(deleted.version_id())).await;
    let base = reader.open(&uri, Some(base.version_id())).await;
    assert_eq!(
        rows(&deleted, None).await,
        owned(&[("a", "ann"), ("c", "cid")])
    );
    assert_eq!(rows(&base, None).await, owned(ABC));
    assert_eq!(deleted.latest_version_id().await.unwrap(), 1);
}

/// Guard 4. Relied on: with the manifest size registered (the engine's `PinnedLocations`
/// commit handler, fed from the pin), a cold open of a detached version by number is a
/// single GET of `_versions/d<v>.manifest` (Lance builds the path directly and, knowing the
/// size, reads the whole small manifest in one request: no HEAD, no LIST). A warm reopen in
/// the same session is served from Lance's manifest cache: no request at all.
#[tokio::test]
async fn lance_guards_reopen_by_version_one_get() {
    let (_dir, uri) = table_dir();
    let writer = Client::new(Some(Arc::new(PinnedLocations::default())));
    let v1 = writer.create(&uri).await;
    let written = writer.append_detached(&v1, ABC).await;
    let version = written.version_id();
    let location = written.manifest_location().clone();
    assert_eq!(
        location.path.filename().unwrap(),
        format!("d{version}.manifest")
    );
    let size = location.size.expect("a detached commit reports its size");

    // A new process on the same directory, knowing only the pin (version, size, e_tag).
    let handler = Arc::new(PinnedLocations::default());
    handler.register(version, Some(size), location.e_tag.clone());
    let reader = Client::new(Some(handler));
    let before = reader.snapshot();
    let cold = reader.open(&uri, Some(version)).await;
    let cold_cost = reader.snapshot().since(before);
    eprintln!("guard 4 cold open (pinned size {size}B): {cold_cost:?}");
    // Observed on 14.0.2: exactly one GET, of exactly the manifest's bytes (the whole
    // manifest in one read: it is under the 4 KiB local / 64 KiB cloud block size); no HEAD
    // (the size came from the pin), no LIST (the path is built from the number).
    assert_eq!(
        (cold_cost.get, cold_cost.head, cold_cost.list, cold_cost.put),
        (1, 0, 0, 0),
        "{cold_cost:?}"
    );
    assert_eq!(cold_cost.bytes_read, size, "{cold_cost:?}");
    assert_eq!(cold.version_id(), version);
    assert_eq!(cold.count_rows(None).await.unwrap(), 3);

    // Warm: the same session, a new DatasetBuilder (no dataset cache of ours involved).
    let before = reader.snapshot();
    let warm = reader.open(&uri, Some(version)).await;
    let warm_cost = reader.snapshot().since(before);
    eprintln!("guard 4 warm open: {warm_cost:?}");
    // Observed: nothing at all; the manifest (keyed by version and e_tag) comes from the
    // session's metadata cache because the handler supplied a size.
    assert_eq!(warm_cost.requests(), 0, "{warm_cost:?}");
    assert_eq!(warm.version_id(), version);
    assert_eq!(warm.count_rows(None).await.unwrap(), 3);
}

/// Guard 4, without a pinned size (Lance's default handler). Documents why the engine's
/// handler exists: Lance has no size for a detached manifest, so it HEADs it before the GET
/// and skips its manifest cache, paying the same on every reopen.
#[tokio::test]
async fn lance_guards_reopen_by_version_default_handler() {
    let (_dir, uri) = table_dir();
    let writer = Client::new(None);
    let v1 = writer.create(&uri).await;
    let version = writer.append_detached(&v1, ABC).await.version_id();

    let reader = Client::new(None);
    let before = reader.snapshot();
    let _cold = reader.open(&uri, Some(version)).await;
    let cold_cost = reader.snapshot().since(before);
    let before = reader.snapshot();
    let _warm = reader.open(&uri, Some(version)).await;
    let warm_cost = reader.snapshot().since(before);
    eprintln!("guard 4 default handler: cold {cold_cost:?} warm {warm_cost:?}");
    // Observed on 14.0.2: HEAD + GET, cold and warm alike (no cache without a size), no LIST.
    // If this gets cheaper after an upgrade, the pinned handler may no longer be needed.
    for cost in [cold_cost, warm_cost] {
        assert_eq!(
            (cost.get, cost.head, cost.list, cost.put),
            (1, 1, 0, 0),
            "{cost:?}"
        );
    }
}

/// Guard 4 through the engine's own `Tables` (what a fresh engine process does with a pin):
/// the cold open is one GET, the warm one none.
#[tokio::test]
async fn lance_guards_reopen_by_version_engine_tables() {
    let (_dir, uri) = table_dir();
    let tables = Tables::new(Arc::new(ObjectCounters::default()), HashMap::new(), None);
    let pin1 = tables.create_empty(&uri, schema()).await.unwrap();
    let base = tables.open_pinned(&uri, &pin1).await.unwrap();
    let tx = tables.stage_append(&base, vec![batch(ABC)]).await.unwrap();
    let (_, pin) = tables.commit_detached(&uri, &base, tx).await.unwrap();
    assert!(pin.manifest_size.is_some());

    let counters = Arc::new(ObjectCounters::default());
    let fresh = Tables::new(counters.clone(), HashMap::new(), None);
    let before = counters.snapshot();
    let cold = fresh.open_pinned(&uri, &pin).await.unwrap();
    let cold_cost = counters.snapshot().since(before);
    let before = counters.snapshot();
    let warm = fresh.open_pinned(&uri, &pin).await.unwrap();
    let warm_cost = counters.snapshot().since(before);
    eprintln!("guard 4 engine tables: cold {cold_cost:?} warm {warm_cost:?}");
    // Observed: cold = one GET of the manifest, no HEAD/LIST; warm = the engine's own
    // `(uri, version)` cache, no request.
    assert_eq!(
        (cold_cost.get, cold_cost.head, cold_cost.list, cold_cost.put),
        (1, 0, 0, 0),
        "{cold_cost:?}"
    );
    assert_eq!(Some(cold_cost.bytes_read), pin.manifest_size);
    assert_eq!(warm_cost.requests(), 0, "{warm_cost:?}");
    assert_eq!(cold.version_id(), pin.version);
    assert_eq!(warm.version_id(), pin.version);
    assert_eq!(cold.count_rows(None).await.unwrap(), 3);
}

/// Guard 5. Relied on: a BTree index on a string column builds uncommitted
/// (`CreateIndexBuilder::execute_uncommitted` writes `_indices/<uuid>/` and returns the
/// metadata), commits detached inside a `CreateIndex` transaction, is visible on the indexed
/// version when reopened by number, and is used by a filtered scan; the base has no index.
#[tokio::test]
async fn lance_guards_index_committed_detached() {
    let (_dir, uri) = table_dir();
    let client = Client::new(None);
    let v1 = client.create(&uri).await;
    let base = client.append_detached(&v1, ABC).await;

    let mut work = (*base).clone();
    let params = ScalarIndexParams::default();
    let meta = CreateIndexBuilder::new(&mut work, &["name"], IndexType::BTree, &params)
        .name("name_idx".into())
        .execute_uncommitted()
        .await
        .unwrap();
    assert_eq!(meta.dataset_version, base.version_id());
    let tx = TransactionBuilder::new(
        meta.dataset_version,
        Operation::CreateIndex {
            new_indices: vec![meta],
            removed_indices: vec![],
        },
    )
    .build();
    let indexed = client.commit_detached(&base, tx).await;

    let reader = Client::new(None);
    let indexed = reader.open(&uri, Some(indexed.version_id())).await;
    let base = reader.open(&uri, Some(base.version_id())).await;
    let indices = indexed.load_indices().await.unwrap();
    assert_eq!(
        indices.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
        ["name_idx"]
    );
    let stats: serde_json::Value =
        serde_json::from_str(&indexed.index_statistics("name_idx").await.unwrap()).unwrap();
    assert_eq!(stats["index_type"], "BTree", "{stats}");
    assert_eq!(stats["num_indexed_rows"], 3, "{stats}");
    assert_eq!(stats["num_unindexed_rows"], 0, "{stats}");
    assert!(base.load_indices().await.unwrap().is_empty());

    assert_eq!(
        rows(&indexed, Some("name = 'bob'")).await,
        owned(&[("b", "bob")])
    );
    let mut scan = indexed.scan();
    scan.project(&["id"])
        .unwrap()
        .filter("name = 'bob'")
        .unwrap();
    let plan = scan.explain_plan(true).await.unwrap();
    // The filter is answered from the detached version's index, not a flat scan.
    assert!(
        plan.contains("ScalarIndexQuery") && plan.contains("name_idx"),
        "{plan}"
    );
}

/// Guard 6. Relied on: merge-insert (update-all on a matched `id`, insert-all otherwise)
/// stages with `execute_uncommitted_batches` and commits detached; the new version has the
/// updated and inserted rows and the base version is unchanged.
#[tokio::test]
async fn lance_guards_merge_insert_committed_detached() {
    let (_dir, uri) = table_dir();
    let client = Client::new(None);
    let v1 = client.create(&uri).await;
    let base = client.append_detached(&v1, ABC).await;

    let mut builder = MergeInsertBuilder::try_new(base.clone(), vec!["id".into()]).unwrap();
    builder
        .when_matched(WhenMatched::UpdateAll)
        .when_not_matched(WhenNotMatched::InsertAll);
    let staged = builder
        .try_build()
        .unwrap()
        .execute_uncommitted_batches(vec![batch(&[("b", "bobby"), ("d", "dee")])])
        .await
        .unwrap();
    assert_eq!(staged.stats.num_updated_rows, 1);
    assert_eq!(staged.stats.num_inserted_rows, 1);
    let merged = client.commit_detached(&base, staged.transaction).await;

    let reader = Client::new(None);
    let merged = reader.open(&uri, Some(merged.version_id())).await;
    let base = reader.open(&uri, Some(base.version_id())).await;
    assert_eq!(
        rows(&merged, None).await,
        owned(&[("a", "ann"), ("b", "bobby"), ("c", "cid"), ("d", "dee")])
    );
    assert_eq!(rows(&base, None).await, owned(ABC));
    assert_eq!(merged.latest_version_id().await.unwrap(), 1);
}

/// Guard 7. Relied on: detached version numbers have the high bit (`DETACHED_VERSION_MASK`)
/// set, so they never collide with mainline numbers, and are not reused by later detached
/// commits (random draws; heads and the GC key on them). The manifest is at
/// `_versions/d<v>.manifest`, the name the GC's root set is built from.
#[tokio::test]
async fn lance_guards_detached_version_numbers() {
    let (dir, uri) = table_dir();
    let client = Client::new(None);
    let v1 = client.create(&uri).await;
    assert_eq!(v1.version_id() & DETACHED_VERSION_MASK, 0);
    let mut seen = HashSet::new();
    let mut base = v1.clone();
    for i in 0..4 {
        // Chain two, then branch two siblings off the first link.
        let next = client.append_detached(&base, &[("x", "y")]).await;
        let v = next.version_id();
        assert_eq!(v & DETACHED_VERSION_MASK, DETACHED_VERSION_MASK, "{v:#x}");
        assert!(seen.insert(v), "version {v:#x} reused");
        assert_eq!(
            next.manifest_location().path.filename().unwrap(),
            format!("d{v}.manifest")
        );
        assert!(dir
            .path()
            .join(format!("table/_versions/d{v}.manifest"))
            .is_file());
        if i < 2 {
            base = next;
        }
    }
    assert_eq!(seen.len(), 4);
}

/// Guard 8. Relied on: the write path never LISTs (a LIST costs 12.5 GETs and pages with
/// history; the spec budgets an insert at 0 LIST and O(1) requests independent of history
/// depth). Staging and committing an append, a delete and a merge-insert detached on a pinned
/// base make no LIST (and no HEAD); the commit itself is exactly two PUTs (the transaction
/// file and the conditional put of `_versions/d<v>.manifest`), whatever the chain's depth.
#[tokio::test]
async fn lance_guards_detached_write_path_never_lists() {
    let (_dir, uri) = table_dir();
    let client = Client::new(None);
    let v1 = client.create(&uri).await;

    // Append: stage (one data file PUT) and commit, measured apart.
    let append = |base: Arc<Dataset>| {
        let client = &client;
        async move {
            let before = client.snapshot();
            let tx = client.stage_append(&base, &[("x", "y")]).await;
            let stage = client.snapshot().since(before);
            let before = client.snapshot();
            let next = client.commit_detached(&base, tx).await;
            (next, stage, client.snapshot().since(before))
        }
    };
    let (mut tip, first_stage, first_commit) = append(v1).await;
    eprintln!("guard 8 append at depth 1: stage {first_stage:?} commit {first_commit:?}");
    assert_eq!(
        (
            first_stage.put,
            first_stage.get,
            first_stage.head,
            first_stage.list
        ),
        (1, 0, 0, 0),
        "{first_stage:?}"
    );
    assert_eq!(
        (
            first_commit.put,
            first_commit.get,
            first_commit.head,
            first_commit.list
        ),
        (2, 0, 0, 0),
        "{first_commit:?}"
    );
    // Deeper in the chain the same append costs the same requests.
    for _ in 0..5 {
        tip = append(tip).await.0;
    }
    let (tip, deep_stage, deep_commit) = append(tip).await;
    let kinds = |s: ObjectStats| (s.get, s.put, s.list, s.delete, s.head);
    assert_eq!(kinds(deep_stage), kinds(first_stage), "{deep_stage:?}");
    assert_eq!(kinds(deep_commit), kinds(first_commit), "{deep_commit:?}");

    // Delete (scans the data, writes `_deletions/*`) then commit.
    let before = client.snapshot();
    let staged = DeleteBuilder::new(tip.clone(), "id = 'x'")
        .execute_uncommitted()
        .await
        .unwrap();
    let deleted = client.commit_detached(&tip, staged.transaction).await;
    let delete = client.snapshot().since(before);
    eprintln!("guard 8 delete: {delete:?}");
    assert_eq!((delete.list, delete.head), (0, 0), "{delete:?}");
    assert_eq!(deleted.count_rows(None).await.unwrap(), 0);

    // Merge-insert (joins against the base) then commit.
    let base = client.append_detached(&deleted, ABC).await;
    let before = client.snapshot();
    let mut builder = MergeInsertBuilder::try_new(base.clone(), vec!["id".into()]).unwrap();
    builder
        .when_matched(WhenMatched::UpdateAll)
        .when_not_matched(WhenNotMatched::InsertAll);
    let staged = builder
        .try_build()
        .unwrap()
        .execute_uncommitted_batches(vec![batch(&[("b", "bobby"), ("e", "eve")])])
        .await
        .unwrap();
    let merged = client.commit_detached(&base, staged.transaction).await;
    let merge = client.snapshot().since(before);
    eprintln!("guard 8 merge: {merge:?}");
    assert_eq!((merge.list, merge.head), (0, 0), "{merge:?}");
    assert_eq!(merged.count_rows(None).await.unwrap(), 4);
}
