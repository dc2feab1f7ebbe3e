//! Lance tables: one dataset per node/edge type, every version after 1 a detached commit.
//!
//! Owns: creating a type's dataset (mainline version 1 = the empty table with the catalog's
//! Arrow schema), opening a dataset at a pinned version through a process-wide cache keyed by
//! `(table uri, version)` (a warm open makes no request), and committing staged transactions
//! detached on top of a pinned base version. Every object-store request Lance makes goes
//! through the engine's [`CountingStore`] via Lance's store-wrapper hook.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use arrow_array::{RecordBatch, RecordBatchIterator};
use arrow_schema::SchemaRef;
use lance::dataset::builder::DatasetBuilder;
use lance::dataset::transaction::Transaction;
use lance::dataset::{
    CommitBuilder, InsertBuilder, MergeInsertBuilder, ReadParams, WhenMatched, WhenNotMatched,
    WriteMode, WriteParams,
};
use lance::io::{ObjectStoreParams, WrappingObjectStore};
use lance::session::Session;
use lance::Dataset;
use object_store::list::{PaginatedListOptions, PaginatedListResult, PaginatedListStore};
use object_store::ObjectStore;
use omnigraph_manifest::Pin;

use crate::protocol::failpoints::failpoint;
use crate::storage::counting_store::{CountingStore, ObjectCounters};
use crate::storage::pinned_handler::PinnedLocations;
use crate::EngineError;

/// The Lance transaction property carrying the op id of the write that made a version.
pub const OP_ID_PROPERTY: &str = "omnigraph.op_id";

tokio::task_local! {
    /// The op id of the write whose step B runs in this task; `Tables::commit_detached`
    /// stamps it on every version it commits. (Staging must run in the writer's task, not in
    /// a spawned one, for the stamp to be seen.)
    pub(crate) static CURRENT_OP_ID: String;
}

/// Wraps every object store Lance builds so its requests are counted.
#[derive(Debug)]
struct CountingWrapper {
    counters: Arc<ObjectCounters>,
    /// The engine's in-process store, used instead of the one Lance built (`memory://`).
    substitute: Option<Arc<dyn ObjectStore>>,
}

impl WrappingObjectStore for CountingWrapper {
    fn wrap(&self, _store_prefix: &str, original: Arc<dyn ObjectStore>) -> Arc<dyn ObjectStore> {
        let inner = self.substitute.clone().unwrap_or(original);
        Arc::new(CountingStore::with_counters(inner, self.counters.clone()))
    }

    fn wrap_paginated(
        &self,
        _store_prefix: &str,
        original: Arc<dyn PaginatedListStore>,
    ) -> Option<Arc<dyn PaginatedListStore>> {
        if self.substitute.is_some() {
            return None;
        }
        // Keep the pushdown, counting each page request as a LIST.
        Some(Arc::new(CountingLister {
            inner: original,
            counters: self.counters.clone(),
        }))
    }
}

/// Counts each paginated list request Lance pushes down as one LIST.
struct CountingLister {
    inner: Arc<dyn PaginatedListStore>,
    counters: Arc<ObjectCounters>,
}

#[async_trait::async_trait]
impl PaginatedListStore for CountingLister {
    async fn list_paginated(
        &self,
        prefix: Option<&str>,
        opts: PaginatedListOptions,
    ) -> object_store::Result<PaginatedListResult> {
        self.counters.record_list();
        self.inner.list_paginated(prefix, opts).await
    }
}

/// Opens and commits Lance datasets for one engine, with a cache of opened versions.
#[derive(Debug)]
pub struct Tables {
    params: ObjectStoreParams,
    session: Arc<Session>,
    handler: Arc<PinnedLocations>,
    cache: Mutex<HashMap<(String, u64), Arc<Dataset>>>,
}

impl Tables {
    /// `storage_options` are Lance's (e.g. `aws_endpoint`, `aws_allow_http`, `aws_region`).
    /// `substitute`: an in-process store Lance must use for `memory://` URIs.
    pub fn new(
        counters: Arc<ObjectCounters>,
        storage_options: HashMap<String, String>,
        substitute: Option<Arc<dyn ObjectStore>>,
    ) -> Self {
        let mut params = ObjectStoreParams {
            object_store_wrapper: Some(Arc::new(CountingWrapper {
                counters,
                substitute,
            })),
            ..Default::default()
        };
        if !storage_options.is_empty() {
            params.storage_options_accessor = Some(Arc::new(
                lance::io::StorageOptionsAccessor::with_static_options(storage_options),
            ));
        }
        Self {
            params,
            session: Arc::new(Session::default()),
            handler: Arc::new(PinnedLocations::default()),
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn write_params(&self, mode: WriteMode) -> WriteParams {
        WriteParams {
            mode,
            store_params: Some(self.params.clone()),
            session: Some(self.session.clone()),
            enable_v2_manifest_paths: true,
            commit_handler: Some(self.handler.clone()),
            ..Default::default()
        }
    }

    fn remember(&self, uri: &str, dataset: &Arc<Dataset>) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(
                (uri.to_string(), dataset.version().version),
                dataset.clone(),
            );
        }
    }

    /// Creates the dataset at `uri` as the empty table (mainline version 1), or returns the
    /// existing version 1 left by an earlier, interrupted init.
    pub async fn create_empty(&self, uri: &str, schema: SchemaRef) -> Result<Pin, EngineError> {
        let reader = RecordBatchIterator::new(Vec::<Result<RecordBatch, _>>::new(), schema);
        let created = Dataset::write(reader, uri, Some(self.write_params(WriteMode::Create))).await;
        let dataset = match created {
            Ok(ds) => Arc::new(ds),
            Err(lance::Error::DatasetAlreadyExists { .. }) => self.open(uri, 1).await?,
            Err(e) => return Err(e.into()),
        };
        self.remember(uri, &dataset);
        pin_of(&dataset).await
    }

    /// The dataset at `uri` as of `pin`: a warm open makes no request; a cold open of a
    /// detached version with a known manifest size is one GET.
    pub async fn open_pinned(&self, uri: &str, pin: &Pin) -> Result<Arc<Dataset>, EngineError> {
        self.handler
            .register(pin.version, pin.manifest_size, pin.e_tag.clone());
        self.open(uri, pin.version).await
    }

    /// The dataset at `uri` as of `version`; cached, so a warm open makes no request.
    pub async fn open(&self, uri: &str, version: u64) -> Result<Arc<Dataset>, EngineError> {
        if let Some(hit) = self
            .cache
            .lock()
            .ok()
            .and_then(|c| c.get(&(uri.to_string(), version)).cloned())
        {
            return Ok(hit);
        }
        let dataset = DatasetBuilder::from_uri(uri)
            .with_read_params(ReadParams {
                store_options: Some(self.params.clone()),
                session: Some(self.session.clone()),
                commit_handler: Some(self.handler.clone()),
                ..Default::default()
            })
            .with_version(version)
            .load()
            .await
            .map_err(|e| match e {
                lance::Error::NotFound { .. }
                | lance::Error::DatasetNotFound { .. }
                | lance::Error::VersionNotFound { .. } => EngineError::not_found(format!(
                    "version {version} of table {uri} (garbage-collected, or never committed)"
                )),
                other => other.into(),
            })?;
        let dataset = Arc::new(dataset);
        self.remember(uri, &dataset);
        Ok(dataset)
    }

    /// Drops `(uri, version)` from the cache (its manifest was deleted by GC).
    pub fn forget(&self, uri: &str, version: u64) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(&(uri.to_string(), version));
        }
    }

    /// Stages `batches` as an append on `base` (uncommitted).
    pub async fn stage_append(
        &self,
        base: &Arc<Dataset>,
        batches: Vec<RecordBatch>,
    ) -> Result<Transaction, EngineError> {
        let params = self.write_params(WriteMode::Append);
        Ok(InsertBuilder::new(base.clone())
            .with_params(&params)
            .execute_uncommitted(batches)
            .await?)
    }

    /// Stages `batches` as the complete new content of the table (uncommitted).
    pub async fn stage_overwrite(
        &self,
        base: &Arc<Dataset>,
        batches: Vec<RecordBatch>,
    ) -> Result<Transaction, EngineError> {
        let params = self.write_params(WriteMode::Overwrite);
        Ok(InsertBuilder::new(base.clone())
            .with_params(&params)
            .execute_uncommitted(batches)
            .await?)
    }

    /// Stages an upsert by `id`: matching rows are replaced whole, others inserted.
    pub async fn stage_upsert(
        &self,
        base: &Arc<Dataset>,
        batches: Vec<RecordBatch>,
    ) -> Result<Transaction, EngineError> {
        let mut builder = MergeInsertBuilder::try_new(base.clone(), vec!["id".to_string()])?;
        builder
            .when_matched(WhenMatched::UpdateAll)
            .when_not_matched(WhenNotMatched::InsertAll);
        let job = builder.try_build()?;
        Ok(job.execute_uncommitted_batches(batches).await?.transaction)
    }

    /// Commits `transaction` detached on top of `base`; the new version is cached.
    pub async fn commit_detached(
        &self,
        uri: &str,
        base: &Arc<Dataset>,
        mut transaction: Transaction,
    ) -> Result<(Arc<Dataset>, Pin), EngineError> {
        // Stamp the writing operation's id, so `recover` can find a dead writer's versions.
        if let Ok(op_id) = CURRENT_OP_ID.try_with(Clone::clone) {
            let mut props = transaction
                .transaction_properties
                .as_deref()
                .cloned()
                .unwrap_or_default();
            props.insert(OP_ID_PROPERTY.to_string(), op_id);
            transaction.transaction_properties = Some(Arc::new(props));
        }
        let committed = CommitBuilder::new(base.clone())
            .with_store_params(self.params.clone())
            .with_session(self.session.clone())
            .with_commit_handler(self.handler.clone())
            .with_detached(true)
            // Detached versions are random numbers; retries only re-draw on a collision.
            .with_max_retries(5)
            .execute(transaction)
            .await?;
        let committed = Arc::new(committed);
        self.remember(uri, &committed);
        let pin = pin_of(&committed).await?;
        failpoint!(WRITE_AFTER_TABLE_COMMIT);
        Ok((committed, pin))
    }
}

/// The pin describing `dataset`'s version.
pub(crate) async fn pin_of(dataset: &Dataset) -> Result<Pin, EngineError> {
    let location = dataset.manifest_location();
    let rows = dataset.count_rows(None).await? as u64;
    Ok(Pin {
        version: dataset.version().version,
        rows,
        manifest_size: location.size,
        e_tag: location.e_tag.clone(),
    })
}
