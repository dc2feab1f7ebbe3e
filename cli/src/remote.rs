//! Remote mode (`--endpoint <url>`): the same commands as HTTP requests to a deployed API or to
//! `omnigraph serve`, with `Authorization: Bearer <token>` from `--token` / `OMNIGRAPH_TOKEN`.
//! The answers have the shapes the embedded commands print, so the output is the same in
//! both modes.

use std::io::Write as _;
use std::time::Instant;

use omnigraph_api::{ApiError, ErrorCode};
use omnigraph_engine::{QueryResult, SnapshotRef};
use omnigraph_manifest::BranchName;
use serde_json::{json, Value};

use crate::args::{BranchCommand, Cli, Command, CommitCommand, SchemaCommand};
use crate::commands::offline;
use crate::output::CliError;
use crate::Outcome;

/// A client of one endpoint.
pub struct Remote {
    base: String,
    token: Option<String>,
    client: reqwest::Client,
    /// Set for IAM-auth endpoints (function URLs, the HTTP API) when no token is given.
    signer: Option<crate::sigv4::Signer>,
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
    pub fn new(endpoint: &str, token: Option<String>) -> Result<Self, CliError> {
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
        })
    }

    /// Signs requests with SigV4 when the endpoint uses IAM auth and no token was given
    /// (see [`crate::sigv4`]).
    pub async fn with_iam_auth(mut self) -> Result<Self, CliError> {
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

    /// Sends one request; answers the JSON body of a 200, or the error object as an error.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, CliError> {
        let mut url = format!("{}{path}", self.base);
        if !query.is_empty() {
            let pairs: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            url.push('?');
            url.push_str(&pairs.join("&"));
        }
        let body = body.map(Value::to_string);
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
                std::time::SystemTime::now(),
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
        let value: Value = serde_json::from_slice(&bytes).map_err(|_| {
            CliError::Api(ApiError::new(
                ErrorCode::Internal,
                format!(
                    "{url} answered {status} with a body that is not JSON: {}",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
                ),
            ))
        })?;
        if status == 200 {
            return Ok(value);
        }
        Err(CliError::Api(api_error(status, &value)))
    }
}

/// The error object of a failed answer (its code, or one from the status).
fn api_error(status: u16, body: &Value) -> ApiError {
    let error = &body["error"];
    let code = error["code"]
        .as_str()
        .and_then(|c| ErrorCode::ALL.into_iter().find(|k| k.as_str() == c))
        .or_else(|| {
            ErrorCode::ALL
                .into_iter()
                .find(|k| k.http_status() == status)
        })
        .unwrap_or(ErrorCode::Internal);
    let message = error["message"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("the endpoint answered {status}: {body}"));
    let err = ApiError::new(code, message);
    match error.get("details") {
        Some(d) if !d.is_null() => err.with_details(d.clone()),
        _ => err,
    }
}

fn params(text: Option<&str>) -> Result<Option<Value>, CliError> {
    text.map(|t| {
        serde_json::from_str(t).map_err(|e| CliError::Usage(format!("--params is not JSON: {e}")))
    })
    .transpose()
}

fn source(expr: Option<&String>, file: Option<&std::path::PathBuf>) -> Result<String, CliError> {
    match (expr, file) {
        (Some(e), _) => Ok(e.clone()),
        (None, Some(f)) => offline::read_source(f),
        (None, None) => Err(CliError::Usage("give -e SOURCE or --file FILE".into())),
    }
}

fn query_result(value: Value) -> Result<QueryResult, CliError> {
    let bad = |what: &str| {
        CliError::Api(ApiError::internal(format!(
            "the query answer has no valid `{what}`"
        )))
    };
    let columns = value["columns"]
        .as_array()
        .ok_or_else(|| bad("columns"))?
        .iter()
        .map(|c| c.as_str().map(str::to_string).ok_or_else(|| bad("columns")))
        .collect::<Result<Vec<_>, _>>()?;
    let rows = value["rows"]
        .as_array()
        .ok_or_else(|| bad("rows"))?
        .iter()
        .map(|r| r.as_object().cloned().ok_or_else(|| bad("rows")))
        .collect::<Result<Vec<_>, _>>()?;
    let snap = &value["snapshot"];
    let snapshot = SnapshotRef {
        branch: BranchName::new(snap["branch"].as_str().ok_or_else(|| bad("snapshot"))?)?,
        version: snap["version"].as_u64().ok_or_else(|| bad("snapshot"))?,
        commit: snap["commit"]
            .as_str()
            .ok_or_else(|| bad("snapshot"))?
            .to_string(),
    };
    Ok(QueryResult {
        columns,
        rows,
        snapshot,
        values: Vec::new(),
        types: Vec::new(),
    })
}

/// Runs `cli.command` against the endpoint.
pub async fn run(cli: &Cli, endpoint: &str) -> Result<Outcome, CliError> {
    use reqwest::Method;
    let remote = Remote::new(endpoint, cli.target.token.clone())?
        .with_iam_auth()
        .await?;
    let started = Instant::now();
    let g = encode(&cli.target.graph);
    let graph_path = |rest: &str| format!("/graphs/{g}{rest}");
    let value = match &cli.command {
        Command::Init { schema } => {
            let schema = offline::read_source(schema)?;
            let body = json!({"graph": cli.target.graph, "schema": schema});
            remote
                .call(Method::POST, "/graphs", &[], Some(&body))
                .await?
        }
        Command::Load {
            data,
            mode,
            branch,
            from,
            ..
        } => {
            let text = crate::commands::graph::read_data(data)?;
            let body = json!({"mode": mode, "branch": branch, "from": from, "data": text});
            remote
                .call(Method::POST, &graph_path("/load"), &[], Some(&body))
                .await?
        }
        Command::Export {
            branch,
            commit,
            version,
            types,
        } => {
            let body =
                json!({"branch": branch, "commit": commit, "version": version, "types": types});
            let answer = remote
                .call(Method::POST, &graph_path("/export"), &[], Some(&body))
                .await?;
            write_export(&answer).await?;
            print_elapsed(cli, started);
            return Ok(Outcome::Done);
        }
        Command::Query {
            expr,
            file,
            name,
            params: p,
            branch,
            commit,
            version,
            limits: _,
        } => {
            let body = json!({
                "query": source(expr.as_ref(), file.as_ref())?,
                "name": name, "params": params(p.as_deref())?,
                "branch": branch, "commit": commit, "version": version,
            });
            let answer = remote
                .call(Method::POST, &graph_path("/query"), &[], Some(&body))
                .await?;
            print_elapsed(cli, started);
            return Ok(Outcome::Query(query_result(answer)?));
        }
        Command::Mutate {
            expr,
            file,
            name,
            params: p,
            branch,
        } => {
            let body = json!({
                "query": source(expr.as_ref(), file.as_ref())?,
                "name": name, "params": params(p.as_deref())?, "branch": branch,
            });
            remote
                .call(Method::POST, &graph_path("/mutate"), &[], Some(&body))
                .await?
        }
        Command::Snapshot { branch } => {
            let q = [("branch", branch.clone())];
            remote
                .call(Method::GET, &graph_path("/snapshot"), &q, None)
                .await?
        }
        Command::Schema(SchemaCommand::Show { branch }) => {
            let q = [("branch", branch.clone())];
            remote
                .call(Method::GET, &graph_path("/schema"), &q, None)
                .await?
        }
        Command::Branch(BranchCommand::Create { name, from, commit }) => {
            let body = json!({"name": name, "from": from, "commit": commit});
            remote
                .call(Method::POST, &graph_path("/branches"), &[], Some(&body))
                .await?
        }
        Command::Branch(BranchCommand::List) => {
            remote
                .call(Method::GET, &graph_path("/branches"), &[], None)
                .await?
        }
        Command::Branch(BranchCommand::Delete { name }) => {
            let path = graph_path(&format!("/branches/{}", encode(name)));
            remote.call(Method::DELETE, &path, &[], None).await?
        }
        Command::Commit(CommitCommand::List {
            branch,
            actor,
            limit,
            cursor,
        }) => {
            let mut q = vec![("branch", branch.clone()), ("limit", limit.to_string())];
            if let Some(a) = actor {
                q.push(("actor", a.clone()));
            }
            if let Some(c) = cursor {
                q.push(("cursor", c.clone()));
            }
            remote
                .call(Method::GET, &graph_path("/commits"), &q, None)
                .await?
        }
        Command::Commit(CommitCommand::Show { id }) => {
            let path = graph_path(&format!("/commits/{}", encode(id)));
            remote.call(Method::GET, &path, &[], None).await?
        }
        other => {
            return Err(CliError::Usage(format!(
                "`{}` runs on an embedded store only; drop --endpoint",
                command_name(other)
            )))
        }
    };
    print_elapsed(cli, started);
    Ok(Outcome::Value(value))
}

fn command_name(command: &Command) -> String {
    let debug = format!("{command:?}");
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("command")
        .to_ascii_lowercase()
}

/// `--stats` in remote mode: the storage requests happen on the server (its summary log line
/// has them); the client reports the round-trip time.
fn print_elapsed(cli: &Cli, started: Instant) {
    if cli.target.stats {
        let ms = (started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0;
        eprintln!(
            "{}",
            json!({"stats": {"remote": true, "elapsed_ms": ms,
                   "note": "storage requests are counted by the server, in its request log line"}})
        );
    }
}

/// Writes an export answer's NDJSON to stdout: inline, or fetched from the object the server
/// stored it in (`s3://…` with this machine's AWS credentials, or a local path).
async fn write_export(answer: &Value) -> Result<(), CliError> {
    let bytes: Vec<u8> = if let Some(text) = answer["ndjson"].as_str() {
        text.as_bytes().to_vec()
    } else if let Some(location) = answer["location"].as_str() {
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
