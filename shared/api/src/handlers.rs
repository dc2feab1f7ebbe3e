//! One handler per route: decode the call, make the engine calls, encode the answer.

use std::collections::BTreeMap;

use omnigraph_engine::{BranchSource, LoadMode, QueryLimits, ReadTarget};
use omnigraph_manifest::{BranchName, GraphId, PageRequest};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::answers::answer_query;
use crate::error::ApiError;
use crate::idempotency::IDEMPOTENCY_NAMESPACE;
use crate::routes::{FunctionKind, PathParams, RouteId};
use crate::service::Service;
use crate::wire::{
    CommitPageResponse, CommitResponse, CreateBranchRequest, CreateBranchResponse,
    DeleteBranchResponse, ExportRequest, ExportResponse, HealthResponse, InitRequest, InitResponse,
    ListBranchesResponse, LoadRequest, LoadResponse, MutateRequest, MutateResponse, QueryRequest,
    ReadAt, SchemaResponse, SnapshotResponse,
};

/// Default and largest page size of `commits`.
pub const DEFAULT_COMMIT_PAGE: usize = 20;
pub const MAX_COMMIT_PAGE: usize = 1000;

/// A decoded request, however it arrived.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub route: RouteId,
    pub path: PathParams,
    pub query: BTreeMap<String, String>,
    /// The JSON body (`Null` for routes without one).
    pub body: Value,
    pub actor: String,
}

impl Call {
    fn graph(&self) -> Result<GraphId, ApiError> {
        let g = self
            .path
            .get("graph")
            .ok_or_else(|| ApiError::bad_request("the request names no graph"))?;
        Ok(GraphId::new(g)?)
    }

    fn body<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_value(self.body.clone())
            .map_err(|e| ApiError::bad_request(format!("invalid {} request: {e}", self.route.op())))
    }

    fn branch_param(&self) -> Result<BranchName, ApiError> {
        branch_or_main(self.query.get("branch").map(String::as_str))
    }
}

fn branch_or_main(name: Option<&str>) -> Result<BranchName, ApiError> {
    match name {
        None | Some("") => Ok(BranchName::main()),
        Some(b) => Ok(BranchName::new(b)?),
    }
}

/// The read target of `branch` / `commit` / `version` (a commit wins, then a version).
pub fn read_target(at: &ReadAt) -> Result<ReadTarget, ApiError> {
    let branch = branch_or_main(at.branch.as_deref())?;
    Ok(match (at.commit.as_deref(), at.version) {
        (Some(id), _) => ReadTarget::Commit(id.to_string()),
        (None, Some(v)) => ReadTarget::Version { branch, version: v },
        (None, None) => ReadTarget::Branch(branch),
    })
}

fn to_value<T: serde::Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError::internal(format!("response encoding: {e}")))
}

impl Service {
    pub(crate) async fn execute(
        &self,
        function: Option<FunctionKind>,
        call: &Call,
    ) -> Result<Value, ApiError> {
        match call.route {
            RouteId::Healthz => to_value(&HealthResponse {
                status: "ok".into(),
                function: function.map(FunctionKind::as_str).unwrap_or("any").into(),
                version: env!("CARGO_PKG_VERSION").into(),
            }),
            RouteId::OpenApi => Ok(crate::openapi::document()),
            RouteId::CreateGraph => self.create_graph(call).await,
            RouteId::Query => self.query(call).await,
            RouteId::Mutate => self.mutate(call).await,
            RouteId::Load => self.load(call).await,
            RouteId::Export => self.export(call).await,
            RouteId::Snapshot => self.snapshot(call).await,
            RouteId::Schema => self.schema(call).await,
            RouteId::ListBranches => to_value(&ListBranchesResponse::from(
                self.engine.list_branches(&call.graph()?).await?,
            )),
            RouteId::CreateBranch => self.create_branch(call).await,
            RouteId::DeleteBranch => {
                let graph = call.graph()?;
                let name = call
                    .path
                    .get("branch")
                    .ok_or_else(|| ApiError::bad_request("the request names no branch"))?;
                self.engine
                    .delete_branch(&graph, &BranchName::new(name)?)
                    .await?;
                to_value(&DeleteBranchResponse {
                    deleted: name.to_string(),
                })
            }
            RouteId::ListCommits => self.list_commits(call).await,
            RouteId::GetCommit => {
                let graph = call.graph()?;
                let id = call
                    .path
                    .get("commit")
                    .ok_or_else(|| ApiError::bad_request("the request names no commit"))?;
                to_value(&CommitResponse::from(
                    self.engine.require_commit(&graph, id).await?,
                ))
            }
            RouteId::Recover => self.recover(call).await,
        }
    }

    async fn create_graph(&self, call: &Call) -> Result<Value, ApiError> {
        let req: InitRequest = call.body()?;
        let graph = GraphId::new(req.graph)?;
        let head = self.engine.init(&graph, &req.schema, &call.actor).await?;
        to_value(&InitResponse::new(&graph, &head))
    }

    async fn query(&self, call: &Call) -> Result<Value, ApiError> {
        let graph = call.graph()?;
        let req: QueryRequest = call.body()?;
        let limits = req.limits.within(&QueryLimits {
            max_rows: self.config.max_rows,
            ..QueryLimits::default()
        });
        to_value(&answer_query(&self.engine, &graph, &req, &limits).await?)
    }

    /// Exports into memory; answers the NDJSON inline up to `max_inline_export_bytes`, else
    /// stores it (`<graph>/__exports/<id>.ndjson`) and answers the location.
    async fn export(&self, call: &Call) -> Result<Value, ApiError> {
        let graph = call.graph()?;
        let req: ExportRequest = call.body()?;
        let target = read_target(&req.at)?;
        let mut ndjson: Vec<u8> = Vec::new();
        let summary = self
            .engine
            .export(&graph, &target, &req.types, &mut ndjson)
            .await?;
        let mut answer = ExportResponse {
            branch: summary.branch,
            version: summary.version,
            commit: summary.commit,
            lines: summary.lines,
            bytes: summary.bytes,
            ndjson: None,
            location: None,
        };
        if ndjson.len() <= self.config.max_inline_export_bytes {
            let text = String::from_utf8(ndjson)
                .map_err(|e| ApiError::internal(format!("export encoding: {e}")))?;
            answer.ndjson = Some(text);
        } else {
            let name = crate::service::new_request_id();
            answer.location = Some(self.engine.store_export(&graph, &name, ndjson).await?);
        }
        to_value(&answer)
    }

    async fn load(&self, call: &Call) -> Result<Value, ApiError> {
        let graph = call.graph()?;
        let req: LoadRequest = call.body()?;
        let mode = match req.mode.as_deref() {
            Some(m) => LoadMode::parse(m)?,
            None => {
                return Err(ApiError::bad_request(
                    "a load needs `mode`: overwrite, append or merge",
                ))
            }
        };
        let data = match (req.data, req.source.as_deref()) {
            (Some(data), None) => data,
            (None, Some(source)) => {
                let rest = source.strip_prefix("s3://").ok_or_else(|| {
                    ApiError::bad_request(format!("`source` {source} is not an s3:// location"))
                })?;
                let (bucket, key) = rest.split_once('/').ok_or_else(|| {
                    ApiError::bad_request(format!("`source` {source} names no object key"))
                })?;
                self.incoming.read_text(bucket, key).await?
            }
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_request(
                    "a load takes `data` or `source`, not both",
                ))
            }
            (None, None) => {
                return Err(ApiError::bad_request(
                    "a load needs `data` (NDJSON text) or `source` (s3://bucket/key)",
                ))
            }
        };
        let branch = branch_or_main(req.branch.as_deref())?;
        let from = req.from.as_deref().map(BranchName::new).transpose()?;
        let response = self
            .load_text(&graph, &branch, from.as_ref(), data, mode, &call.actor)
            .await?;
        to_value(&response)
    }

    /// Loads NDJSON `data` as one commit (the HTTP route and S3-triggered loads).
    pub(crate) async fn load_text(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        from: Option<&BranchName>,
        data: String,
        mode: LoadMode,
        actor: &str,
    ) -> Result<LoadResponse, ApiError> {
        let outcome = self
            .engine
            .load(graph, branch, from, data, mode, actor)
            .await?;
        Ok(LoadResponse::from(outcome))
    }

    async fn snapshot(&self, call: &Call) -> Result<Value, ApiError> {
        let graph = call.graph()?;
        let snap = self
            .engine
            .snapshot(&graph, &ReadTarget::Branch(call.branch_param()?))
            .await?;
        to_value(&SnapshotResponse::from(&snap))
    }

    async fn schema(&self, call: &Call) -> Result<Value, ApiError> {
        let graph = call.graph()?;
        let snap = self
            .engine
            .snapshot(&graph, &ReadTarget::Branch(call.branch_param()?))
            .await?;
        let schema = self.engine.schema_source(&graph, &snap.schema_hash).await?;
        to_value(&SchemaResponse {
            schema,
            hash: snap.schema_hash,
        })
    }

    async fn create_branch(&self, call: &Call) -> Result<Value, ApiError> {
        let graph = call.graph()?;
        let req: CreateBranchRequest = call.body()?;
        let name = BranchName::new(&req.name)?;
        let source = match (req.commit, req.from.as_deref()) {
            (Some(id), _) => BranchSource::Commit(id),
            (None, from) => BranchSource::Branch(branch_or_main(from)?),
        };
        let head = self.engine.create_branch(&graph, &name, &source).await?;
        to_value(&CreateBranchResponse::new(&name, &head))
    }

    async fn list_commits(&self, call: &Call) -> Result<Value, ApiError> {
        let graph = call.graph()?;
        let limit = match call.query.get("limit") {
            None => DEFAULT_COMMIT_PAGE,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_COMMIT_PAGE).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "`limit` must be a number from 1 to {MAX_COMMIT_PAGE}, not `{text}`"
                    ))
                })?,
        };
        let page = PageRequest {
            cursor: call.query.get("cursor").filter(|c| !c.is_empty()).cloned(),
            limit,
        };
        let actor = call.query.get("actor").map(String::as_str);
        let page = self
            .engine
            .list_commits(&graph, &call.branch_param()?, actor, &page)
            .await?;
        to_value(&CommitPageResponse::from(page))
    }

    /// Runs a mutation as one commit. With an `idempotency_key`, the answer is recorded after
    /// the commit; a retry with the same key is answered from the record and applies nothing
    /// (`idempotency.rs`).
    async fn mutate(&self, call: &Call) -> Result<Value, ApiError> {
        let graph = call.graph()?;
        let req: MutateRequest = call.body()?;
        let branch = branch_or_main(req.branch.as_deref())?;
        let apply = async {
            let out = self
                .engine
                .mutate(
                    &graph,
                    &branch,
                    &req.query,
                    req.name.as_deref(),
                    req.params.as_ref(),
                    &call.actor,
                )
                .await?;
            to_value(&MutateResponse::from(out))
        };
        match req.idempotency_key.as_deref() {
            None => apply.await,
            Some("") => Err(ApiError::bad_request("`idempotency_key` must not be empty")),
            Some(key) => {
                let record_key = format!("{branch}/{key}");
                let once = self
                    .once(&graph, IDEMPOTENCY_NAMESPACE, &record_key, apply)
                    .await?;
                Ok(once.answer)
            }
        }
    }

    async fn recover(&self, call: &Call) -> Result<Value, ApiError> {
        let dry_run = call
            .body
            .get("dry_run")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let graph = call.path.get("graph").map(GraphId::new).transpose()?;
        crate::maintenance::recover(self, graph, dry_run).await
    }
}
