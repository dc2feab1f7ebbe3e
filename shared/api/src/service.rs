//! The service: one engine (built once per process) and configuration; turns a request —
//! HTTP-shaped or a direct-invoke envelope — into engine calls and a JSON answer, and logs one
//! summary line per request (`request_log.rs`).

use bytes::Bytes;
use omnigraph_engine::{Engine, ManifestChoice, StoreLocation};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::ApiConfig;
use crate::error::{ApiError, ErrorCode};
use crate::handlers::Call;
use crate::incoming::Incoming;
use crate::request_log::RequestLog;
use crate::routes::{match_route, FunctionKind, Method, PathParams, RouteId, RouteMiss};

/// An HTTP-shaped request (header names lower-case, query string already split).
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: BTreeMap<String, String>,
    pub headers: BTreeMap<String, String>,
    pub body: Bytes,
    /// The id the platform gave the request (API Gateway / Lambda); generated when absent.
    pub request_id: Option<String>,
    /// The authenticated caller (e.g. the IAM principal), if the platform established one.
    pub actor: Option<String>,
}

impl Request {
    /// A request with no query, headers or body.
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_string(),
            path: path.to_string(),
            ..Self::default()
        }
    }

    /// With a JSON body.
    pub fn json(mut self, body: &Value) -> Self {
        self.body = Bytes::from(body.to_string());
        self.headers
            .insert("content-type".into(), "application/json".into());
        self
    }

    /// With one query parameter.
    pub fn query_param(mut self, key: &str, value: &str) -> Self {
        self.query.insert(key.to_string(), value.to_string());
        self
    }
}

/// An HTTP-shaped response.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Value,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn request_id(&self) -> Option<&str> {
        self.header("x-request-id")
    }
}

/// The actor recorded on commits when the platform established no caller.
pub const ANONYMOUS_ACTOR: &str = "anonymous";

/// The service layer shared by the three functions and a local server.
#[derive(Debug)]
pub struct Service {
    pub(crate) engine: Arc<Engine>,
    pub(crate) config: ApiConfig,
    pub(crate) incoming: Incoming,
}

impl Service {
    /// A service over an already opened engine.
    pub fn new(engine: Arc<Engine>, config: ApiConfig) -> Result<Self, ApiError> {
        let location = StoreLocation::parse(&config.store)?;
        // Sidecars this process writes belong to a dead writer after the configured deadline.
        engine.set_sidecar_deadline(std::time::Duration::from_secs(
            config.recovery_deadline_secs,
        ));
        Ok(Self {
            engine,
            incoming: Incoming::for_store(&location),
            config,
        })
    }

    /// Opens the engine `config` names.
    pub async fn open(config: ApiConfig) -> Result<Self, ApiError> {
        let location = StoreLocation::parse(&config.store)?;
        let manifest = ManifestChoice::parse(&config.manifest)?;
        let engine = Engine::open(location, manifest).await?;
        Self::new(Arc::new(engine), config)
    }

    /// Configuration from the environment, then [`Service::open`].
    pub async fn from_env() -> Result<Self, ApiError> {
        Self::open(ApiConfig::from_env()?).await
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    pub fn config(&self) -> &ApiConfig {
        &self.config
    }

    /// Serves `req` with every route (a local server).
    pub async fn handle(&self, req: Request) -> Response {
        self.serve(None, req).await
    }

    /// Serves `req` as `function`: routes another function serves answer `not_found`.
    pub async fn handle_as(&self, function: FunctionKind, req: Request) -> Response {
        self.serve(Some(function), req).await
    }

    async fn serve(&self, function: Option<FunctionKind>, req: Request) -> Response {
        let request_id = req.request_id.clone().unwrap_or_else(new_request_id);
        let actor = req.actor.clone().unwrap_or_else(|| ANONYMOUS_ACTOR.into());
        let log = RequestLog::start(&self.engine, &request_id, function, &actor);
        let mut route = None;
        let mut graph = None;
        let result = self
            .route_http(function, &req, &actor, &mut route, &mut graph)
            .await;
        let response = respond(result, &request_id);
        log.finish(route, graph.as_deref(), response.status);
        response
    }

    async fn route_http(
        &self,
        function: Option<FunctionKind>,
        req: &Request,
        actor: &str,
        route_out: &mut Option<RouteId>,
        graph_out: &mut Option<String>,
    ) -> Result<Value, ApiError> {
        if req.body.len() > self.config.max_body_bytes {
            return Err(ApiError::new(
                ErrorCode::PayloadTooLarge,
                format!(
                    "the request body is {} bytes; the limit is {} bytes (use an S3 load for large inputs)",
                    req.body.len(),
                    self.config.max_body_bytes
                ),
            ));
        }
        let unknown = || {
            ApiError::not_found(format!(
                "no route {} {}",
                req.method.to_ascii_uppercase(),
                req.path
            ))
        };
        let method = Method::parse(&req.method).ok_or_else(unknown)?;
        let (route, params) = match match_route(method, &req.path) {
            Ok(found) => found,
            Err(RouteMiss::NoSuchPath) => return Err(unknown()),
            Err(RouteMiss::MethodNotAllowed(allowed)) => {
                let allowed: Vec<&str> = allowed.iter().map(|m| m.as_str()).collect();
                return Err(ApiError::not_found(format!(
                    "no route {method} {}; it accepts {}",
                    req.path,
                    allowed.join(", ")
                )));
            }
        };
        *route_out = Some(route);
        *graph_out = params.get("graph").map(str::to_string);
        check_function(function, route)?;
        let body = if method == Method::Post {
            parse_body(&req.body)?
        } else {
            Value::Null
        };
        if route == RouteId::CreateGraph {
            *graph_out = body
                .get("graph")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
        let call = Call {
            route,
            path: params,
            query: req.query.clone(),
            body,
            actor: actor.to_string(),
        };
        self.execute(function, &call).await
    }

    /// Serves a direct-invoke envelope `{"op": "...", "graph": "...", ...fields}`: the answer
    /// object, or the error. `caller` names the actor recorded on commits (the invoker is
    /// trusted: invoking the function is the permission).
    pub async fn invoke(
        &self,
        function: Option<FunctionKind>,
        envelope: &Value,
        request_id: Option<&str>,
    ) -> Result<Value, ApiError> {
        let request_id = request_id
            .map(str::to_string)
            .unwrap_or_else(new_request_id);
        let actor = envelope
            .get("caller")
            .and_then(Value::as_str)
            .unwrap_or(ANONYMOUS_ACTOR)
            .to_string();
        let log = RequestLog::start(&self.engine, &request_id, function, &actor);
        let graph = envelope
            .get("graph")
            .and_then(Value::as_str)
            .map(str::to_string);
        let route = envelope
            .get("op")
            .and_then(Value::as_str)
            .and_then(RouteId::from_op);
        let result = match route {
            None => Err(ApiError::bad_request(match envelope.get("op") {
                Some(op) => format!("unknown op {op}"),
                None => "the invocation has no `op` (and is no HTTP, S3 or schedule event)".into(),
            })),
            Some(route) => match check_function(function, route) {
                Err(e) => Err(e),
                Ok(()) => {
                    let call = Call::from_envelope(route, envelope, &actor);
                    self.execute(function, &call).await
                }
            },
        };
        log.finish(route, graph.as_deref(), status_of(&result));
        result.map_err(|e| with_request_id(e, &request_id))
    }
}

fn check_function(function: Option<FunctionKind>, route: RouteId) -> Result<(), ApiError> {
    match (function, route.served_by()) {
        (Some(here), Some(there)) if here != there => Err(ApiError::not_found(format!(
            "`{}` is served by the {there} function, not by {here}",
            route.op()
        ))),
        _ => Ok(()),
    }
}

fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "the request body is empty; send a JSON object",
        ));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "the request body must be a JSON object",
        ));
    }
    Ok(value)
}

/// A fresh request id.
pub fn new_request_id() -> String {
    omnigraph_manifest::clock::next_ulid(None)
}

fn with_request_id(mut err: ApiError, request_id: &str) -> ApiError {
    if err.code == ErrorCode::Internal {
        let mut details = err.details.take().unwrap_or_else(|| json!({}));
        if let Some(obj) = details.as_object_mut() {
            obj.insert("request_id".into(), Value::String(request_id.into()));
        }
        err.details = Some(details);
    }
    err
}

/// The response for a handler's result: JSON body, `x-request-id`, and for an error its
/// status (with `retry-after` when retryable).
pub fn respond(result: Result<Value, ApiError>, request_id: &str) -> Response {
    let mut headers = BTreeMap::new();
    headers.insert("content-type".to_string(), "application/json".to_string());
    headers.insert("x-request-id".to_string(), request_id.to_string());
    match result {
        Ok(body) => Response {
            status: 200,
            headers,
            body,
        },
        Err(err) => {
            let err = with_request_id(err, request_id);
            if err.code.is_retryable() {
                headers.insert("retry-after".to_string(), "1".to_string());
            }
            Response {
                status: err.code.http_status(),
                headers,
                body: err.to_json(),
            }
        }
    }
}

/// The HTTP status of a handler's result.
pub(crate) fn status_of<T>(result: &Result<T, ApiError>) -> u16 {
    match result {
        Ok(_) => 200,
        Err(e) => e.code.http_status(),
    }
}

impl Call {
    /// The call a direct-invoke envelope describes: its fields are the body, and scalar
    /// fields also serve as path and query parameters.
    pub(crate) fn from_envelope(route: RouteId, envelope: &Value, actor: &str) -> Self {
        let text = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        let mut query = BTreeMap::new();
        if let Some(obj) = envelope.as_object() {
            for (k, v) in obj {
                if let Some(t) = text(v) {
                    query.insert(k.clone(), t);
                }
            }
        }
        let mut path = Vec::new();
        if let Some(g) = query.get("graph") {
            path.push(("graph", g.clone()));
        }
        if let Some(b) = query.get("name").or_else(|| query.get("branch")) {
            path.push(("branch", b.clone()));
        }
        if let Some(c) = query.get("id").or_else(|| query.get("commit")) {
            path.push(("commit", c.clone()));
        }
        Self {
            route,
            path: PathParams(path),
            query,
            body: envelope.clone(),
            actor: actor.to_string(),
        }
    }
}
