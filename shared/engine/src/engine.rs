//! The engine handle: one per store and process. Holds the counted object store, the
//! manifest store, the Lance table cache and the catalog cache, and offers graph-level
//! operations (init, snapshot; branches, commits and writes live in sibling modules).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use omnigraph_lang::catalog::{Catalog, TypeDef};
use omnigraph_lang::span::SourceText;
use omnigraph_manifest::{
    BranchName, Commit, DynamoManifestStore, GraphId, Head, ManifestStore, ObjectManifestStore,
};
use serde::Serialize;

use crate::clock::{next_ulid, now_ms};
use crate::embedding::{EmbeddingProvider, HttpEmbeddingProvider};
use crate::storage::counting_store::CountingStore;
use crate::storage::layout::GraphLayout;
use crate::storage::location::StoreLocation;
use crate::storage::stats::{OpStats, StatsStart};
use crate::storage::tables::Tables;
use crate::EngineError;

/// Which manifest store backs the heads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManifestChoice {
    /// Heads as put-if-absent objects in the same store (the embedded default).
    ObjectStore,
    /// A DynamoDB table.
    DynamoDb { table: String },
}

impl ManifestChoice {
    /// Parses `--manifest`: `object-store` (default) or `dynamodb://table`.
    pub fn parse(text: &str) -> Result<Self, EngineError> {
        match text.trim() {
            "" | "object-store" | "object_store" => Ok(Self::ObjectStore),
            other => match other.strip_prefix("dynamodb://") {
                Some(table) if !table.is_empty() && !table.contains('/') => Ok(Self::DynamoDb {
                    table: table.to_string(),
                }),
                _ => Err(EngineError::bad_request(format!(
                    "unknown manifest `{other}` (use object-store or dynamodb://TABLE)"
                ))),
            },
        }
    }
}

/// What to read: a branch head, a commit, or a branch at an earlier head version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadTarget {
    Branch(BranchName),
    Commit(String),
    Version { branch: BranchName, version: u64 },
}

/// A resolved, immutable view of a graph.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub graph: GraphId,
    pub branch: BranchName,
    pub version: u64,
    pub commit: String,
    pub schema_hash: String,
    pub tables: BTreeMap<String, omnigraph_manifest::Pin>,
    #[serde(skip)]
    pub catalog: Arc<Catalog>,
}

/// The embedded engine for one store.
#[derive(Debug)]
pub struct Engine {
    pub(crate) store: Arc<CountingStore>,
    pub(crate) root: Path,
    pub(crate) location: StoreLocation,
    pub(crate) manifest: Arc<dyn ManifestStore>,
    pub(crate) tables: Tables,
    catalogs: Mutex<HashMap<(GraphId, String), Arc<Catalog>>>,
    embedding: Option<Arc<dyn EmbeddingProvider>>,
    /// Milliseconds after its creation at which a writer's sidecar belongs to a dead writer.
    sidecar_deadline_ms: AtomicU64,
    pub(crate) exec_counters: crate::exec::scan::cache::ExecCounters,
    /// Lance reads and writes the engine's own (in-process) store through `memory://` URIs.
    in_memory: bool,
}

impl Engine {
    /// Opens the engine on `location`, with heads in `manifest`.
    pub async fn open(
        location: StoreLocation,
        manifest: ManifestChoice,
    ) -> Result<Self, EngineError> {
        let (raw, root) = location.open()?;
        let store = Arc::new(CountingStore::new(raw.clone()));
        let manifest: Arc<dyn ManifestStore> = match manifest {
            ManifestChoice::ObjectStore => Arc::new(ObjectManifestStore::new(raw, root.clone())),
            ManifestChoice::DynamoDb { table } => {
                Arc::new(DynamoManifestStore::from_env(table).await)
            }
        };
        let engine = Self::with_parts(location, store, root, manifest);
        // The embedding provider is configured by the environment (docs/operations.md).
        match HttpEmbeddingProvider::from_env() {
            Ok(Some(p)) => Ok(engine.with_embedding(Arc::new(p))),
            Ok(None) => Ok(engine),
            Err(e) => Err(EngineError::internal(e.to_string())),
        }
    }

    /// Assembles an engine from parts (tests use this to inject a manifest store).
    pub fn with_parts(
        location: StoreLocation,
        store: Arc<CountingStore>,
        root: Path,
        manifest: Arc<dyn ManifestStore>,
    ) -> Self {
        let tables = Tables::new(
            store.counters().clone(),
            lance_storage_options(&location),
            None,
        );
        Self::assemble(location, store, root, manifest, tables, false)
    }

    fn assemble(
        location: StoreLocation,
        store: Arc<CountingStore>,
        root: Path,
        manifest: Arc<dyn ManifestStore>,
        tables: Tables,
        in_memory: bool,
    ) -> Self {
        Self {
            store,
            root,
            location,
            manifest,
            tables,
            catalogs: Mutex::new(HashMap::new()),
            embedding: None,
            sidecar_deadline_ms: AtomicU64::new(
                crate::protocol::timing::DEFAULT_SIDECAR_DEADLINE.as_millis() as u64,
            ),
            exec_counters: Default::default(),
            in_memory,
        }
    }

    /// An engine over an in-process object store (graphs at its root): Lance is handed the
    /// same store, so every table object lives in `store`. For tests and the deterministic
    /// simulation, which wrap an `object_store::memory::InMemory` to inject faults.
    pub fn with_memory_store(
        store: Arc<dyn ObjectStore>,
        manifest: Arc<dyn ManifestStore>,
    ) -> Self {
        let counting = Arc::new(CountingStore::new(store));
        let tables = Tables::new(
            counting.counters().clone(),
            HashMap::new(),
            Some(counting.inner().clone()),
        );
        let location = StoreLocation::Local(std::path::PathBuf::from("memory:"));
        Self::assemble(location, counting, Path::default(), manifest, tables, true)
    }

    /// Uses `provider` for `@embed` targets and `String` queries of `nearest`.
    pub fn with_embedding(mut self, provider: Arc<dyn EmbeddingProvider>) -> Self {
        self.embedding = Some(provider);
        self
    }

    /// The configured embedding provider, if any.
    pub fn embedding(&self) -> Option<&Arc<dyn EmbeddingProvider>> {
        self.embedding.as_ref()
    }

    /// How long after its creation a sidecar written by this engine counts as a dead writer's
    /// (default [`crate::protocol::timing::DEFAULT_SIDECAR_DEADLINE`]; deployments set it from
    /// `OMNIGRAPH_RECOVERY_DEADLINE_SECS`, which must exceed the writer's own time limit).
    pub fn set_sidecar_deadline(&self, deadline: Duration) {
        let ms = u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX);
        self.sidecar_deadline_ms.store(ms, Ordering::Relaxed);
    }

    pub fn sidecar_deadline(&self) -> Duration {
        Duration::from_millis(self.sidecar_deadline_ms.load(Ordering::Relaxed))
    }

    pub fn manifest(&self) -> &Arc<dyn ManifestStore> {
        &self.manifest
    }

    pub(crate) fn layout(&self, graph: &GraphId) -> GraphLayout {
        GraphLayout::new(&self.root, graph)
    }

    /// Starts measuring an operation's requests.
    pub fn stats_start(&self) -> StatsStart {
        StatsStart {
            object_store: self.store.counters().snapshot(),
            manifest: self.manifest.counters().snapshot(),
            at: crate::clock::monotonic_now(),
        }
    }

    /// How often this engine's queries built adjacency, node indexes and scans (cumulative);
    /// difference two snapshots with [`crate::ExecStats::since`].
    pub fn exec_stats(&self) -> crate::ExecStats {
        self.exec_counters.snapshot()
    }

    /// Requests made since `start`.
    pub fn stats_since(&self, start: &StatsStart) -> OpStats {
        OpStats {
            object_store: self.store.counters().snapshot().since(start.object_store),
            manifest: self.manifest.counters().snapshot().since(start.manifest),
            elapsed_ms: (start.at.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
        }
    }

    /// The Lance URI of a type's dataset.
    pub(crate) fn table_uri(&self, graph: &GraphId, ty: &TypeDef) -> String {
        self.dir_uri(&self.layout(graph).table_dir(ty.kind.as_str(), &ty.type_id))
    }

    /// The Lance URI of the dataset in directory `dir` (a path under the store root).
    pub(crate) fn dir_uri(&self, dir: &Path) -> String {
        if self.in_memory {
            return format!("memory://{dir}");
        }
        match &self.location {
            StoreLocation::Local(base) => {
                // `file-object-store://` routes every read and write through object_store (and
                // so through the request counter); plain paths would bypass it.
                let base = std::path::absolute(base).unwrap_or_else(|_| base.clone());
                let base = base.display().to_string();
                format!("file-object-store://{}/{}", base.trim_end_matches('/'), dir)
            }
            StoreLocation::S3 { bucket, .. } => format!("s3://{bucket}/{dir}"),
        }
    }

    /// Creates a graph from schema source: content-addressed schema documents, one empty
    /// dataset per type, a genesis commit and the `main` head.
    pub async fn init(
        &self,
        graph: &GraphId,
        schema_src: &str,
        actor: &str,
    ) -> Result<Head, EngineError> {
        let catalog = compile_schema(schema_src, "schema.pg")?;
        let main = BranchName::main();
        if self.manifest.head(graph, &main).await?.is_some() {
            return Err(EngineError::conflict(format!(
                "graph `{graph}` already exists"
            )));
        }
        let layout = self.layout(graph);
        let hash = catalog.hash.clone();
        let catalog_json = catalog
            .to_json()
            .map_err(|e| EngineError::internal(format!("catalog encoding: {e}")))?;
        self.put_if_absent(&layout.schema_source(&hash), schema_src.as_bytes().to_vec())
            .await?;
        self.put_if_absent(&layout.schema_catalog(&hash), catalog_json.into_bytes())
            .await?;
        let mut pins = BTreeMap::new();
        for ty in catalog.types() {
            let schema = Arc::new(ty.arrow_schema());
            let pin = self
                .tables
                .create_empty(&self.table_uri(graph, ty), schema)
                .await?;
            pins.insert(ty.table_key(), pin);
        }
        let commit_id = next_ulid(None);
        let commit = Commit {
            id: commit_id.clone(),
            graph: graph.clone(),
            branch: main.clone(),
            version: 1,
            parents: vec![],
            actor: actor.to_string(),
            op_kind: "init".into(),
            op_id: commit_id.clone(),
            created_at: now_ms(),
            schema_hash: hash.clone(),
            pins: pins.clone(),
            summary: serde_json::json!({"types": pins.len()}),
        };
        self.manifest.put_commit(&commit).await?;
        let head = Head {
            version: 0,
            commit_id,
            schema_hash: hash.clone(),
            tables: pins,
        };
        let head = self
            .manifest
            .publish(graph, &main, None, head)
            .await
            .map_err(|e| match e {
                omnigraph_manifest::ManifestError::Conflict { .. } => {
                    EngineError::conflict(format!("graph `{graph}` already exists"))
                }
                other => other.into(),
            })?;
        self.remember_catalog(graph, Arc::new(catalog));
        Ok(head)
    }

    async fn put_if_absent(&self, path: &Path, body: Vec<u8>) -> Result<(), EngineError> {
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match self
            .store
            .put_opts(path, PutPayload::from(body), opts)
            .await
        {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    fn remember_catalog(&self, graph: &GraphId, catalog: Arc<Catalog>) {
        if let Ok(mut cache) = self.catalogs.lock() {
            cache.insert((graph.clone(), catalog.hash.clone()), catalog);
        }
    }

    /// The catalog with `hash`: from the process cache, else one GET of its document.
    pub async fn catalog(&self, graph: &GraphId, hash: &str) -> Result<Arc<Catalog>, EngineError> {
        let key = (graph.clone(), hash.to_string());
        if let Some(hit) = self.catalogs.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(hit);
        }
        if !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(EngineError::internal(format!("bad schema hash `{hash}`")));
        }
        let path = self.layout(graph).schema_catalog(hash);
        let bytes = self.store.get(&path).await?.bytes().await?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| EngineError::internal(format!("schema document {path}: {e}")))?;
        let catalog = Arc::new(
            Catalog::from_json(text)
                .map_err(|e| EngineError::internal(format!("schema document {path}: {e}")))?,
        );
        self.remember_catalog(graph, catalog.clone());
        Ok(catalog)
    }

    /// The head of `branch`, or `not_found`.
    pub async fn require_head(
        &self,
        graph: &GraphId,
        branch: &BranchName,
    ) -> Result<Head, EngineError> {
        match self.manifest.head(graph, branch).await? {
            Some(head) => Ok(head),
            None if branch.is_main() => Err(EngineError::not_found(format!("graph `{graph}`"))),
            None => Err(EngineError::not_found(format!(
                "branch `{branch}` of graph `{graph}`"
            ))),
        }
    }

    /// Resolves `target` to a snapshot: one manifest read for a branch head (plus, cold, one GET
    /// of the schema document); a commit read for a commit or an earlier version.
    pub async fn snapshot(
        &self,
        graph: &GraphId,
        target: &ReadTarget,
    ) -> Result<Snapshot, EngineError> {
        let (branch, version, commit, schema_hash, tables) = match target {
            ReadTarget::Branch(branch) => {
                let head = self.require_head(graph, branch).await?;
                (
                    branch.clone(),
                    head.version,
                    head.commit_id,
                    head.schema_hash,
                    head.tables,
                )
            }
            ReadTarget::Commit(id) => {
                let c = self.require_commit(graph, id).await?;
                (c.branch, c.version, c.id, c.schema_hash, c.pins)
            }
            ReadTarget::Version { branch, version } => {
                let c = self.commit_at_version(graph, branch, *version).await?;
                (c.branch, c.version, c.id, c.schema_hash, c.pins)
            }
        };
        let catalog = self.catalog(graph, &schema_hash).await?;
        Ok(Snapshot {
            graph: graph.clone(),
            branch,
            version,
            commit,
            schema_hash,
            tables,
            catalog,
        })
    }
}

/// Compiles schema source, turning diagnostics into a `bad_request` with their JSON form.
pub fn compile_schema(src: &str, file: &str) -> Result<Catalog, EngineError> {
    Catalog::compile(src).map_err(|diags| {
        let source = SourceText::new(file, src);
        let first = diags
            .iter()
            .find(|d| d.severity == omnigraph_lang::diagnostic::Severity::Error)
            .map(|d| d.message.clone())
            .unwrap_or_else(|| "invalid schema".into());
        let rendered = diags.render(&source);
        EngineError::BadRequest {
            message: format!("schema rejected: {first}\n{rendered}"),
            diagnostics: diags
                .to_json(&source)
                .into_iter()
                .filter_map(|d| serde_json::to_value(d).ok())
                .collect(),
        }
    })
}

/// Lance storage options for `location` (S3 endpoint and HTTP permission from the environment).
fn lance_storage_options(location: &StoreLocation) -> HashMap<String, String> {
    let mut options = HashMap::new();
    if matches!(location, StoreLocation::S3 { .. }) {
        if let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL") {
            options.insert("aws_endpoint".to_string(), endpoint);
        }
        if let Ok(allow) = std::env::var("AWS_ALLOW_HTTP") {
            options.insert("aws_allow_http".to_string(), allow);
        }
        // Always set a region: without one Lance asks S3 for the bucket's region with a
        // request that bypasses the counting wrapper.
        let region = ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .find_map(|v| std::env::var(v).ok())
            .unwrap_or_else(|| "us-east-1".to_string());
        options.insert("aws_region".to_string(), region);
    }
    options
}

impl Engine {
    /// The dataset of `table_key` at the version `snapshot` pins, with its URI.
    pub async fn open_table(
        &self,
        snapshot: &Snapshot,
        table_key: &str,
    ) -> Result<(String, Arc<lance::Dataset>), EngineError> {
        let ty = snapshot
            .catalog
            .by_table_key(table_key)
            .ok_or_else(|| EngineError::bad_request(format!("unknown table `{table_key}`")))?;
        let pin = snapshot.tables.get(table_key).ok_or_else(|| {
            EngineError::internal(format!("head pins no version of `{table_key}`"))
        })?;
        let uri = self.table_uri(&snapshot.graph, ty);
        let dataset = self.tables.open_pinned(&uri, pin).await?;
        Ok((uri, dataset))
    }
}

impl Engine {
    /// The source text of the schema with `hash` (as given to init or schema apply).
    pub async fn schema_source(&self, graph: &GraphId, hash: &str) -> Result<String, EngineError> {
        if !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(EngineError::internal(format!("bad schema hash `{hash}`")));
        }
        let path = self.layout(graph).schema_source(hash);
        let bytes = self.store.get(&path).await?.bytes().await?;
        String::from_utf8(bytes.to_vec())
            .map_err(|e| EngineError::internal(format!("schema document {path}: {e}")))
    }
}
