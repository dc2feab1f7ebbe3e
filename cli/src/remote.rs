//! The remote backend (`--endpoint <url>`): the commands both modes serve, as one HTTP request
//! each to a deployed API or to `omnigraph serve`, with `Authorization: Bearer <token>` from
//! `--token` / `OMNIGRAPH_TOKEN` (or SigV4, `sigv4.rs`). Requests and answers are the API's wire
//! types, the ones the embedded backend answers with, so the output is the same in both modes.

use std::io::Write as _;
use std::time::Instant;

use omnigraph_api::{
    ApiError, CommitPageResponse, CommitResponse, CreateBranchRequest, CreateBranchResponse,
    DeleteBranchResponse, ErrorCode, ExportRequest, ExportResponse, InitRequest, InitResponse,
    ListBranchesResponse, LoadRequest, LoadResponse, MutateRequest, MutateResponse, QueryRequest,
    QueryResponse, SchemaResponse, SnapshotResponse,
};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;

use crate::client::CommitsPage;
use crate::commands::offline;
use crate::output::CliError;

/// A client of one endpoint, for one graph.
pub(crate) struct Remote {
    base: String,
    token: Option<String>,
    client: reqwest::Client,
    /// Set for IAM-auth endpoints (function URLs, the HTTP API) when no token is given.
    signer: Option<crate::sigv4::Signer>,
    /// `/graphs/<graph>`, encoded.
    graph_path: String,
    /// When the command started (`--stats`).
    started: Instant,
}

/// Encodes one path segment or query component.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Remote {
    /// A client of `endpoint` for `graph`.
    pub(crate) fn new(
        endpoint: &str,
        token: Option<String>,
        graph: &str,
    ) -> Result<Self, CliError> {
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            return Err(CliError::Usage(format!(
                "--endpoint `{endpoint}` is not an http:// or https:// URL"
            )));
        }
        let client = reqwest::Client::builder()
            .user_agent(concat!("omnigraph/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CliError::Usage(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            base: endpoint.trim_end_matches('/').to_string(),
            token: token.filter(|t| !t.is_empty()),
            client,
            signer: None,
            graph_path: format!("/graphs/{}", encode(graph)),
            started: omnigraph_manifest::clock::monotonic_now(),
        })
    }

    /// Signs requests with SigV4 when the endpoint uses IAM auth and no token was given
    /// (see [`crate::sigv4`]).
    pub(crate) async fn with_iam_auth(mut self) -> Result<Self, CliError> {
        if self.token.is_some() {
            return Ok(self);
        }
        let url = reqwest::Url::parse(&self.base)
            .map_err(|e| CliError::Usage(format!("--endpoint `{}`: {e}", self.base)))?;
        let forced = std::env::var("OMNIGRAPH_SIGV4_SERVICE").ok();
        let region = std::env::var("AWS_REGION")
            .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
            .ok();
        let target = crate::sigv4::target_for(
            url.host_str().unwrap_or_default(),
            forced.as_deref(),
            region.as_deref(),
        );
        if let Some(target) = target {
            self.signer = Some(crate::sigv4::Signer::from_default_chain(target).await?);
        }
        Ok(self)
    }

    /// Sends one request and decodes the answer: the wire answer of a 200, else the error
    /// object as an error.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&impl Serialize>,
    ) -> Result<T, CliError> {
        let body = body
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| CliError::Usage(format!("cannot encode the request: {e}")))?;
        let (url, status, bytes) = self.send(method, path, query, body).await?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| {
            CliError::Api(ApiError::internal(format!(
                "{url} answered {status} with a body that is not JSON: {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
            )))
        })?;
        if status != 200 {
            return Err(CliError::Api(ApiError::from_answer(status, &value)));
        }
        serde_json::from_value(value).map_err(|e| {
            CliError::Api(ApiError::internal(format!(
                "{url} answered with an unexpected shape: {e}"
            )))
        })
    }

    /// Sends one request; answers the URL, the status and the body.
    async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<String>,
    ) -> Result<(String, u16, bytes::Bytes), CliError> {
        let mut url = format!("{}{path}", self.base);
        if !query.is_empty() {
            let pairs: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            url.push('?');
            url.push_str(&pairs.join("&"));
        }
        let mut req = self.client.request(method.clone(), &url);
        if let Some(token) = &self.token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        if let Some(signer) = &self.signer {
            let parsed = reqwest::Url::parse(&url)
                .map_err(|e| CliError::Usage(format!("request URL `{url}`: {e}")))?;
            let host = match (parsed.host_str(), parsed.port()) {
                (Some(h), Some(port)) => format!("{h}:{port}"),
                (Some(h), None) => h.to_string(),
                (None, _) => String::new(),
            };
            let mut signed = vec![("host", host.as_str())];
            if body.is_some() {
                signed.push(("content-type", "application/json"));
            }
            let payload = body.as_deref().unwrap_or_default().as_bytes();
            let headers = signer.sign(
                method.as_str(),
                parsed.as_str(),
                &signed,
                payload,
                omnigraph_manifest::clock::system_now(),
            )?;
            for (name, value) in headers {
                req = req.header(name, value);
            }
        }
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        let resp = req.send().await.map_err(|e| {
            CliError::Api(ApiError::new(
                ErrorCode::Unavailable,
                format!("cannot reach {}: {e}", self.base),
            ))
        })?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(|e| {
            CliError::Api(ApiError::new(
                ErrorCode::Unavailable,
                format!("reading the answer of {url}: {e}"),
            ))
        })?;
        Ok((url, status, bytes))
    }

    fn graph(&self, rest: &str) -> String {
        format!("{}{rest}", self.graph_path)
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, CliError> {
        self.call(Method::GET, path, query, None::<&()>).await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, CliError> {
        self.call(Method::POST, path, &[], Some(body)).await
    }

    pub(crate) async fn init(&self, req: &InitRequest) -> Result<InitResponse, CliError> {
        self.post("/graphs", req).await
    }

    /// Sends the input (a file, or standard input for `-`) as the request's `data`.
    pub(crate) async fn load(
        &self,
        mut req: LoadRequest,
        data: &std::path::Path,
    ) -> Result<LoadResponse, CliError> {
        req.data = Some(read_data(data)?);
        self.post(&self.graph("/load"), &req).await
    }

    /// Writes the export's NDJSON to stdout: inline, or fetched from the object the server
    /// stored it in.
    pub(crate) async fn export(&self, req: &ExportRequest) -> Result<(), CliError> {
        let answer: ExportResponse = self.post(&self.graph("/export"), req).await?;
        write_export(&answer).await
    }

    pub(crate) async fn query(&self, req: &QueryRequest) -> Result<QueryResponse, CliError> {
        self.post(&self.graph("/query"), req).await
    }

    pub(crate) async fn mutate(&self, req: &MutateRequest) -> Result<MutateResponse, CliError> {
        self.post(&self.graph("/mutate"), req).await
    }

    pub(crate) async fn snapshot(&self, branch: &str) -> Result<SnapshotResponse, CliError> {
        self.get(&self.graph("/snapshot"), &[("branch", branch.to_string())])
            .await
    }

    pub(crate) async fn schema(&self, branch: &str) -> Result<SchemaResponse, CliError> {
        self.get(&self.graph("/schema"), &[("branch", branch.to_string())])
            .await
    }

    pub(crate) async fn create_branch(
        &self,
        req: &CreateBranchRequest,
    ) -> Result<CreateBranchResponse, CliError> {
        self.post(&self.graph("/branches"), req).await
    }

    pub(crate) async fn list_branches(&self) -> Result<ListBranchesResponse, CliError> {
        self.get(&self.graph("/branches"), &[]).await
    }

    pub(crate) async fn delete_branch(&self, name: &str) -> Result<DeleteBranchResponse, CliError> {
        let path = self.graph(&format!("/branches/{}", encode(name)));
        self.call(Method::DELETE, &path, &[], None::<&()>).await
    }

    pub(crate) async fn commits(
        &self,
        page: &CommitsPage<'_>,
    ) -> Result<CommitPageResponse, CliError> {
        let mut q = vec![
            ("branch", page.branch.to_string()),
            ("limit", page.limit.to_string()),
        ];
        if let Some(a) = page.actor {
            q.push(("actor", a.to_string()));
        }
        if let Some(c) = page.cursor {
            q.push(("cursor", c.to_string()));
        }
        self.get(&self.graph("/commits"), &q).await
    }

    pub(crate) async fn commit(&self, id: &str) -> Result<CommitResponse, CliError> {
        self.get(&self.graph(&format!("/commits/{}", encode(id))), &[])
            .await
    }

    /// `--stats` in remote mode: the storage requests happen on the server (its summary log
    /// line has them); the client reports the round-trip time.
    pub(crate) fn print_elapsed(&self) {
        let ms = (self.started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
        eprintln!(
            "{}",
            json!({"stats": {"remote": true, "elapsed_ms": ms,
                   "note": "storage requests are counted by the server, in its request log line"}})
        );
    }
}

/// The NDJSON input of `load`: a file, or standard input for `-`.
fn read_data(data: &std::path::Path) -> Result<String, CliError> {
    if data.as_os_str() == "-" {
        let mut buf = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut buf)
            .map_err(|e| CliError::Usage(format!("cannot read standard input: {e}")))?;
        Ok(buf)
    } else {
        offline::read_source(data)
    }
}

/// Writes an export answer's NDJSON to stdout: inline, or fetched from the object the server
/// stored it in (`s3://…` with this machine's AWS credentials, or a local path).
async fn write_export(answer: &ExportResponse) -> Result<(), CliError> {
    let bytes: Vec<u8> = if let Some(text) = &answer.ndjson {
        text.as_bytes().to_vec()
    } else if let Some(location) = &answer.location {
        fetch_export(location).await?
    } else {
        return Err(CliError::Usage(
            "the server's export answer has neither `ndjson` nor `location`".into(),
        ));
    };
    let mut out = std::io::stdout().lock();
    match std::io::Write::write_all(&mut out, &bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // `omnigraph export | head` closes the pipe early: not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Usage(format!("cannot write the export: {e}"))),
    }
}

async fn fetch_export(location: &str) -> Result<Vec<u8>, CliError> {
    use object_store::ObjectStoreExt;
    let unreadable = |e: &dyn std::fmt::Display| {
        CliError::Usage(format!("cannot read the export at {location}: {e}"))
    };
    if location.starts_with("s3://") {
        let store_location = omnigraph_engine::StoreLocation::parse(location)?;
        let (store, key) = store_location.open()?;
        let got = store.get(&key).await.map_err(|e| unreadable(&e))?;
        let bytes = got.bytes().await.map_err(|e| unreadable(&e))?;
        Ok(bytes.to_vec())
    } else {
        std::fs::read(location).map_err(|e| unreadable(&e))
    }
}
