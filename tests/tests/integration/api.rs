//! The API layer: error codes and statuses, the route table, the service's handlers on a
//! local-directory engine, and the Lambda event adapters fed with real event JSON
//! (`tests/fixtures/events/`), including S3-triggered loads applied once per object version.

use std::collections::BTreeSet;
use std::sync::Arc;

use omnigraph_api::lambda::{self, classify, EventKind};
use omnigraph_api::{
    match_route, ApiConfig, ApiError, ErrorCode, FunctionKind, Method, Request, Response, RouteId,
    RouteMiss, Service, ROUTES,
};
use omnigraph_engine::{EngineError, ManifestConflict};
use serde_json::{json, Value};

use crate::fixtures::{
    local_engine, HANDLES, S3_PUT_EVENT as S3_PUT, SCHEDULED_EVENT as SCHEDULED,
    SOCIAL_DATA as DATA, SOCIAL_MORE as MORE, SOCIAL_SCHEMA as SCHEMA,
};

const FUNCTION_URL_GET: &str = include_str!("../../fixtures/events/function-url-get-snapshot.json");
const APIGW_POST_QUERY: &str = include_str!("../../fixtures/events/apigw-v2-post-query.json");

async fn service_with(dir: &std::path::Path, tune: impl FnOnce(&mut ApiConfig)) -> Service {
    let engine = local_engine(dir).await;
    let mut config = ApiConfig::new(dir.display().to_string(), "object-store");
    tune(&mut config);
    Service::new(Arc::new(engine), config).unwrap()
}

async fn service(dir: &std::path::Path) -> Service {
    service_with(dir, |_| {}).await
}

/// A service with graph `social` created and the example data loaded on `main`.
async fn loaded(dir: &std::path::Path) -> Service {
    let svc = service(dir).await;
    let r = svc
        .handle(Request::new("POST", "/graphs").json(&json!({"graph": "social", "schema": SCHEMA})))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = svc
        .handle(
            Request::new("POST", "/graphs/social/load")
                .json(&json!({"mode": "overwrite", "data": DATA})),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    svc
}

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn assert_error(r: &Response, status: u16, code: &str) {
    assert_eq!(r.status, status, "{r:?}");
    assert_eq!(r.body["error"]["code"], code, "{r:?}");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{r:?}"
    );
    assert!(r.request_id().is_some_and(|id| !id.is_empty()), "{r:?}");
}

fn main_version(r: &Response) -> u64 {
    r.body["version"].as_u64().unwrap()
}

#[test]
fn every_error_code_has_its_status_and_wire_name() {
    let expected = |code: ErrorCode| -> (u16, &'static str) {
        // Exhaustive: a new code fails to compile here until the table below is extended.
        match code {
            ErrorCode::BadRequest => (400, "bad_request"),
            ErrorCode::Unauthorized => (401, "unauthorized"),
            ErrorCode::Forbidden => (403, "forbidden"),
            ErrorCode::NotFound => (404, "not_found"),
            ErrorCode::Conflict => (409, "conflict"),
            ErrorCode::PayloadTooLarge => (413, "payload_too_large"),
            ErrorCode::TooManyRequests => (429, "too_many_requests"),
            ErrorCode::Unavailable => (503, "unavailable"),
            ErrorCode::Internal => (500, "internal"),
        }
    };
    let mut statuses = BTreeSet::new();
    for code in ErrorCode::ALL {
        let (status, name) = expected(code);
        assert_eq!(code.http_status(), status, "{code:?}");
        assert_eq!(code.as_str(), name);
        assert_eq!(serde_json::to_value(code).unwrap(), json!(name));
        assert_eq!(
            serde_json::from_value::<ErrorCode>(json!(name)).unwrap(),
            code
        );
        statuses.insert(status);
        let body = ApiError::new(code, "why").to_json();
        assert_eq!(body, json!({"error": {"code": name, "message": "why"}}));
    }
    assert_eq!(
        statuses.len(),
        ErrorCode::ALL.len(),
        "statuses are distinct"
    );
}

#[test]
fn engine_errors_map_onto_codes_with_details() {
    let conflict = EngineError::Conflict {
        message: "`node:Person` moved from version 7 to 8 under this write; retry".into(),
        manifest_conflict: Some(ManifestConflict {
            table_key: "node:Person".into(),
            expected: 7,
            actual: 8,
        }),
    };
    let e = ApiError::from(&conflict);
    assert_eq!(e.code.http_status(), 409);
    assert_eq!(
        e.to_json()["error"]["details"],
        json!({"manifest_conflict": {"table_key": "node:Person", "expected": 7, "actual": 8}})
    );
    let cases = [
        (EngineError::bad_request("x"), ErrorCode::BadRequest),
        (EngineError::not_found("graph `g`"), ErrorCode::NotFound),
        (EngineError::conflict("taken"), ErrorCode::Conflict),
        (EngineError::storage("slow down"), ErrorCode::Unavailable),
        (EngineError::internal("bug"), ErrorCode::Internal),
    ];
    for (err, code) in cases {
        assert_eq!(ApiError::from(&err).code, code, "{err}");
        assert_eq!(ApiError::from(&err).code.as_str(), err.code());
    }
}

#[test]
fn route_table_matches_paths_and_names_a_function_for_each_route() {
    let (id, params) = match_route(Method::Get, "/graphs/social/commits/01ABC").unwrap();
    assert_eq!(id, RouteId::GetCommit);
    assert_eq!(params.get("graph"), Some("social"));
    assert_eq!(params.get("commit"), Some("01ABC"));
    let (id, params) = match_route(Method::Delete, "/graphs/g/branches/feat%2Dx/").unwrap();
    assert_eq!(id, RouteId::DeleteBranch);
    assert_eq!(params.get("branch"), Some("feat-x"));
    assert_eq!(
        match_route(Method::Get, "/graphs/g/nope"),
        Err(RouteMiss::NoSuchPath)
    );
    assert_eq!(
        match_route(Method::Put, "/graphs/g/branches"),
        Err(RouteMiss::MethodNotAllowed(vec![Method::Get, Method::Post]))
    );
    let mut seen = BTreeSet::new();
    for r in ROUTES {
        assert!(
            seen.insert((r.method.as_str(), r.pattern)),
            "duplicate {r:?}"
        );
        assert_eq!(RouteId::from_op(r.id.op()), Some(r.id));
        if r.method == Method::Get && !matches!(r.id, RouteId::Healthz | RouteId::OpenApi) {
            assert_eq!(r.id.served_by(), Some(FunctionKind::Query), "{r:?}");
        }
        if r.method != Method::Get && r.id != RouteId::Query {
            assert_eq!(r.id.served_by(), Some(FunctionKind::Mutate), "{r:?}");
        }
    }
    assert!(RouteId::Healthz.is_served_by(FunctionKind::Recover));
    assert!(RouteId::OpenApi.is_served_by(FunctionKind::Query));
}

#[tokio::test]
async fn graph_lifecycle_over_http_routes() {
    let dir = tempfile::tempdir().unwrap();
    let svc = loaded(dir.path()).await;

    let r = svc
        .handle(Request::new("GET", "/graphs/social/snapshot").query_param("branch", "main"))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.request_id().is_some());
    assert_eq!(r.body["graph"], "social");
    assert_eq!(main_version(&r), 2);
    let people = r.body["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table_key"] == "node:Person")
        .unwrap()
        .clone();
    assert_eq!(people["rows"], 5);

    let r = svc
        .handle(Request::new("POST", "/graphs/social/query").json(&json!({"query": HANDLES})))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["columns"], json!(["p.handle"]));
    assert_eq!(r.body["row_count"], 5);
    assert_eq!(r.body["rows"][0], json!({"p.handle": "ann"}));
    assert_eq!(r.body["snapshot"]["branch"], "main");
    assert_eq!(r.body["snapshot"]["version"], 2);

    let r = svc
        .handle(Request::new("GET", "/graphs/social/schema"))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["schema"], SCHEMA);
    assert!(r.body["hash"].as_str().is_some_and(|h| !h.is_empty()));

    // branches: create, load on it, list, time-travel on main is unaffected, delete
    let r = svc
        .handle(Request::new("POST", "/graphs/social/branches").json(&json!({"name": "agent-7"})))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["branch"], "agent-7");
    let r = svc
        .handle(
            Request::new("POST", "/graphs/social/load")
                .json(&json!({"mode": "merge", "branch": "agent-7", "data": MORE})),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["branch"], "agent-7");
    assert!(r.body["tables"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["table_key"] == "node:Person"));
    let r = svc
        .handle(Request::new("GET", "/graphs/social/branches"))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let names: Vec<&str> = r.body["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["agent-7", "main"]);
    let on_branch = svc
        .handle(
            Request::new("POST", "/graphs/social/query")
                .json(&json!({"query": HANDLES, "branch": "agent-7"})),
        )
        .await;
    assert_eq!(on_branch.body["row_count"], 6, "{on_branch:?}");
    let at_v1 = svc
        .handle(
            Request::new("POST", "/graphs/social/query")
                .json(&json!({"query": HANDLES, "version": 1})),
        )
        .await;
    assert_eq!(at_v1.body["row_count"], 0, "{at_v1:?}");

    // commits: newest first, paginated, each one fetchable
    let r = svc
        .handle(
            Request::new("GET", "/graphs/social/commits")
                .query_param("branch", "agent-7")
                .query_param("limit", "2"),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let commits = r.body["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 2);
    assert_eq!(commits[0]["op_kind"], "load");
    let cursor = r.body["next_cursor"].as_str().unwrap().to_string();
    let r = svc
        .handle(
            Request::new("GET", "/graphs/social/commits")
                .query_param("branch", "agent-7")
                .query_param("cursor", &cursor),
        )
        .await;
    let rest = r.body["commits"].as_array().unwrap();
    assert_eq!(rest.len(), 1, "{r:?}");
    assert_eq!(rest[0]["op_kind"], "init");
    assert!(r.body["next_cursor"].is_null());
    let id = rest[0]["id"].as_str().unwrap();
    let r = svc
        .handle(Request::new("GET", &format!("/graphs/social/commits/{id}")))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["id"], id);

    let r = svc
        .handle(Request::new("DELETE", "/graphs/social/branches/agent-7"))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body, json!({"deleted": "agent-7"}));

    let r = svc.handle(Request::new("GET", "/healthz")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "ok");
}

#[tokio::test]
async fn rejected_requests_answer_the_error_object_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let svc = loaded(dir.path()).await;
    let before = main_version(
        &svc.handle(Request::new("GET", "/graphs/social/snapshot"))
            .await,
    );

    // malformed JSON, empty body, wrong shape
    let mut bad = Request::new("POST", "/graphs/social/load");
    bad.body = bytes::Bytes::from_static(b"{\"mode\": \"merge\", \"data\": ");
    let r = svc.handle(bad).await;
    assert_error(&r, 400, "bad_request");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
    assert_error(
        &svc.handle(Request::new("POST", "/graphs/social/query"))
            .await,
        400,
        "bad_request",
    );
    assert_error(
        &svc.handle(Request::new("POST", "/graphs/social/query").json(&json!([1, 2])))
            .await,
        400,
        "bad_request",
    );
    // a query that does not typecheck carries diagnostics with positions
    let r = svc
        .handle(
            Request::new("POST", "/graphs/social/query")
                .json(&json!({"query": "query q() { match { $p: Nobody } return { $p } }"})),
        )
        .await;
    assert_error(&r, 400, "bad_request");
    let diag = &r.body["error"]["details"]["diagnostics"][0];
    assert!(
        diag["code"].is_string() && diag["line"].is_number(),
        "{r:?}"
    );
    // invalid data: the line number is in the diagnostics; nothing is written
    let r = svc
        .handle(Request::new("POST", "/graphs/social/load").json(
            &json!({"mode": "append", "data": "{\"type\":\"Person\",\"data\":{\"handle\":\"zed\",\"name\":\"Zed\"}}\n{\"type\":\"Nope\",\"data\":{}}\n"}),
        ))
        .await;
    assert_error(&r, 400, "bad_request");
    assert_eq!(r.body["error"]["details"]["diagnostics"][0]["line"], 2);
    // a rejected load onto a new branch leaves no branch behind, and the same request
    // with valid data then succeeds (it failed with "branch exists" before)
    let new_branch_load = |data: &str| {
        Request::new("POST", "/graphs/social/load")
            .json(&json!({"mode": "append", "branch": "agent-1", "from": "main", "data": data}))
    };
    let r = svc
        .handle(new_branch_load("{\"type\":\"Nope\",\"data\":{}}\n"))
        .await;
    assert_error(&r, 400, "bad_request");
    let branches = svc
        .handle(Request::new("GET", "/graphs/social/branches"))
        .await;
    assert!(
        !branches.body.to_string().contains("agent-1"),
        "{:?}",
        branches.body
    );
    let r = svc
        .handle(new_branch_load(
            "{\"type\":\"Person\",\"data\":{\"handle\":\"zed\",\"name\":\"Zed\"}}\n",
        ))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // load without a mode
    assert_error(
        &svc.handle(Request::new("POST", "/graphs/social/load").json(&json!({"data": MORE})))
            .await,
        400,
        "bad_request",
    );

    // not found: route, method, graph, branch, commit, query name
    assert_error(
        &svc.handle(Request::new("GET", "/graphs/social/nothing"))
            .await,
        404,
        "not_found",
    );
    let r = svc
        .handle(Request::new("PUT", "/graphs/social/branches"))
        .await;
    assert_error(&r, 404, "not_found");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("GET, POST"));
    assert_error(
        &svc.handle(Request::new("GET", "/graphs/nobody/snapshot"))
            .await,
        404,
        "not_found",
    );
    assert_error(
        &svc.handle(Request::new("GET", "/graphs/social/snapshot").query_param("branch", "gone"))
            .await,
        404,
        "not_found",
    );
    assert_error(
        &svc.handle(Request::new(
            "GET",
            "/graphs/social/commits/01HZZZZZZZZZZZZZZZZZZZZZZZ",
        ))
        .await,
        404,
        "not_found",
    );
    assert_error(
        &svc.handle(
            Request::new("POST", "/graphs/social/query")
                .json(&json!({"query": HANDLES, "name": "other"})),
        )
        .await,
        404,
        "not_found",
    );
    // invalid names never reach storage
    assert_error(
        &svc.handle(Request::new("GET", "/graphs/..%2Fetc/snapshot"))
            .await,
        400,
        "bad_request",
    );

    // conflicts: graph exists, branch exists
    assert_error(
        &svc.handle(
            Request::new("POST", "/graphs").json(&json!({"graph": "social", "schema": SCHEMA})),
        )
        .await,
        409,
        "conflict",
    );
    let create = || Request::new("POST", "/graphs/social/branches").json(&json!({"name": "twice"}));
    assert_eq!(svc.handle(create()).await.status, 200);
    assert_error(&svc.handle(create()).await, 409, "conflict");

    let after = main_version(
        &svc.handle(Request::new("GET", "/graphs/social/snapshot"))
            .await,
    );
    assert_eq!(before, after, "rejected requests changed main");
}

#[tokio::test]
async fn limits_bodies_and_rows() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service_with(dir.path(), |c| {
        c.max_body_bytes = 4096;
        c.max_rows = 3;
    })
    .await;
    let r = svc
        .handle(Request::new("POST", "/graphs").json(&json!({"graph": "social", "schema": SCHEMA})))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    // over the limit: 413 before the body is parsed (it is not even JSON)
    let mut big = Request::new("POST", "/graphs/social/load");
    big.body = bytes::Bytes::from(vec![b'x'; 4097]);
    let r = svc.handle(big).await;
    assert_error(&r, 413, "payload_too_large");
    let r = svc
        .handle(
            Request::new("POST", "/graphs/social/load")
                .json(&json!({"mode": "overwrite", "data": DATA})),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = svc
        .handle(Request::new("POST", "/graphs/social/query").json(&json!({"query": HANDLES})))
        .await;
    assert_error(&r, 400, "bad_request");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("more than 3 rows"));
    let limited =
        "query q() { match { $p: Person } return { $p.handle } order { $p.handle asc } limit 3 }";
    let r = svc
        .handle(Request::new("POST", "/graphs/social/query").json(&json!({"query": limited})))
        .await;
    assert_eq!(r.body["row_count"], 3, "{r:?}");
    // the request's own limits tighten the server's…
    let query = |body: Value| svc.handle(Request::new("POST", "/graphs/social/query").json(&body));
    let r = query(json!({"query": limited, "max_rows": 2})).await;
    assert_error(&r, 400, "bad_request");
    assert_eq!(
        r.body["error"]["details"]["diagnostics"][0]["code"],
        "E-L001"
    );
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("more than 2 rows"));
    let r = query(json!({"query": limited, "max_expansion": 1})).await;
    assert_eq!(
        r.body["error"]["details"]["diagnostics"][0]["code"], "E-L002",
        "{r:?}"
    );
    let r = query(json!({"query": limited, "timeout_ms": 0})).await;
    assert_eq!(
        r.body["error"]["details"]["diagnostics"][0]["code"], "E-L003",
        "{r:?}"
    );
    // …and never loosen them
    let r = query(json!({"query": HANDLES, "max_rows": 1000})).await;
    assert_error(&r, 400, "bad_request");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("more than 3 rows"));
}

#[test]
fn config_reads_the_terraform_environment() {
    let env = std::collections::HashMap::from([
        ("OMNIGRAPH_STORE", "s3://bucket/graphs"),
        ("OMNIGRAPH_MANIFEST", "dynamodb://heads"),
        ("OMNIGRAPH_MAX_BODY_BYTES", "1000"),
        ("OMNIGRAPH_MAX_ROWS", "10"),
        ("OMNIGRAPH_RECOVERY_DEADLINE_SECS", "120"),
        ("OMNIGRAPH_INCOMING_PREFIX", "drop"),
        ("OMNIGRAPH_MAX_INLINE_EXPORT_BYTES", "4096"),
    ]);
    let c = ApiConfig::from_lookup(|k| env.get(k).map(|v| v.to_string())).unwrap();
    assert_eq!(
        (c.max_body_bytes, c.max_rows, c.recovery_deadline_secs),
        (1000, 10, 120)
    );
    assert_eq!(c.incoming_prefix, "drop/");
    assert_eq!(c.max_inline_export_bytes, 4096);
    assert_eq!(c.manifest, "dynamodb://heads");
    assert!(ApiConfig::from_lookup(|_| None).is_err());
    let bad = ApiConfig::from_lookup(|k| match k {
        "OMNIGRAPH_STORE" => Some("dir".into()),
        "OMNIGRAPH_MAX_ROWS" => Some("many".into()),
        _ => None,
    });
    assert!(bad.is_err());
    let d =
        ApiConfig::from_lookup(|k| (k == "OMNIGRAPH_STORE").then(|| "dir".to_string())).unwrap();
    assert_eq!(d, ApiConfig::new("dir", "object-store"));
}

#[tokio::test]
async fn http_events_from_function_urls_and_api_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let svc = loaded(dir.path()).await;

    let event = fixture(FUNCTION_URL_GET);
    assert_eq!(classify(&event), EventKind::Http);
    let out = lambda::dispatch(&svc, FunctionKind::Query, event, Some("lambda-req-1"))
        .await
        .unwrap();
    assert_eq!(out["statusCode"], 200, "{out}");
    assert_eq!(out["isBase64Encoded"], false);
    // the platform's request id wins over the Lambda invocation id
    assert_eq!(
        out["headers"]["x-request-id"],
        "8f1f1d3c-0b59-4a1a-9a43-5e1f6b0c2f11"
    );
    let body: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["branch"], "main");
    assert_eq!(body["version"], 2);

    let event = fixture(APIGW_POST_QUERY);
    let out = lambda::dispatch(&svc, FunctionKind::Query, event.clone(), None)
        .await
        .unwrap();
    assert_eq!(out["statusCode"], 200, "{out}");
    let body: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["row_count"], 5);

    // a read sent to the mutate function: 404 naming the right function
    let out = lambda::dispatch(&svc, FunctionKind::Mutate, event.clone(), None)
        .await
        .unwrap();
    assert_eq!(out["statusCode"], 404, "{out}");
    let body: Value = serde_json::from_str(out["body"].as_str().unwrap()).unwrap();
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("query function"));
    assert!(out["headers"]["x-request-id"].is_string());

    // a base64 body (function URLs encode non-text content types)
    let mut encoded = event.clone();
    let raw = encoded["body"].as_str().unwrap().to_string();
    encoded["body"] = json!(base64(raw.as_bytes()));
    encoded["isBase64Encoded"] = json!(true);
    let out = lambda::dispatch(&svc, FunctionKind::Query, encoded, None)
        .await
        .unwrap();
    assert_eq!(out["statusCode"], 200, "{out}");

    // malformed JSON through the adapter
    let mut broken = event.clone();
    broken["body"] = json!("{\"query\": ");
    let out = lambda::dispatch(&svc, FunctionKind::Query, broken, None)
        .await
        .unwrap();
    assert_eq!(out["statusCode"], 400, "{out}");

    // a write sent to the query function
    let mut write = event;
    write["rawPath"] = json!("/graphs/social/branches");
    write["requestContext"]["http"]["method"] = json!("POST");
    write["body"] = json!("{\"name\": \"x\"}");
    let out = lambda::dispatch(&svc, FunctionKind::Query, write.clone(), None)
        .await
        .unwrap();
    assert_eq!(out["statusCode"], 404, "{out}");
    let out = lambda::dispatch(&svc, FunctionKind::Mutate, write, None)
        .await
        .unwrap();
    assert_eq!(out["statusCode"], 200, "{out}");
}

#[tokio::test]
async fn direct_invoke_envelopes_use_the_same_handlers() {
    let dir = tempfile::tempdir().unwrap();
    let svc = loaded(dir.path()).await;
    let q = json!({"op": "query", "graph": "social", "query": HANDLES});
    assert_eq!(classify(&q), EventKind::Direct);
    let out = lambda::dispatch(&svc, FunctionKind::Query, q.clone(), None)
        .await
        .unwrap();
    assert_eq!(out["row_count"], 5, "{out}");
    let snap = lambda::dispatch(
        &svc,
        FunctionKind::Query,
        json!({"op": "snapshot", "graph": "social", "branch": "main"}),
        None,
    )
    .await
    .unwrap();
    assert_eq!(snap["version"], 2);
    let created = lambda::dispatch(
        &svc,
        FunctionKind::Mutate,
        json!({"op": "create_branch", "graph": "social", "name": "b1", "caller": "agent-9"}),
        None,
    )
    .await
    .unwrap();
    assert_eq!(created["branch"], "b1");
    let commits = lambda::dispatch(
        &svc,
        FunctionKind::Query,
        json!({"op": "list_commits", "graph": "social", "branch": "b1", "limit": 1}),
        None,
    )
    .await
    .unwrap();
    assert_eq!(commits["commits"].as_array().unwrap().len(), 1);
    // errors come back as Err carrying the code (Lambda's errorType)
    let err = lambda::dispatch(&svc, FunctionKind::Mutate, q, None)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    let err = lambda::dispatch(
        &svc,
        FunctionKind::Query,
        json!({"op": "snapshot", "graph": "nobody"}),
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    let err = lambda::dispatch(&svc, FunctionKind::Query, json!({"op": "fly"}), None)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadRequest);
    let err = lambda::dispatch(&svc, FunctionKind::Query, json!({"hello": 1}), None)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadRequest);
}

/// Standard base64 with padding (as Lambda encodes binary bodies).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Writes `text` where the local store stands in for the event's bucket.
fn put_incoming(dir: &std::path::Path, key: &str, text: &str) {
    let path = dir.join(key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[tokio::test]
async fn the_same_s3_event_twice_applies_once() {
    let dir = tempfile::tempdir().unwrap();
    let svc = loaded(dir.path()).await;
    put_incoming(dir.path(), "incoming/social/main/more people.jsonl", MORE);
    let event = fixture(S3_PUT);
    assert_eq!(classify(&event), EventKind::S3);

    let first = lambda::dispatch(&svc, FunctionKind::Mutate, event.clone(), None)
        .await
        .unwrap();
    let record = &first["records"][0];
    assert_eq!(record["graph"], "social");
    assert_eq!(record["branch"], "main");
    assert_eq!(record["key"], "incoming/social/main/more people.jsonl");
    assert_eq!(record["version"], 3, "{first}");
    let snapshot = || async {
        svc.handle(Request::new("GET", "/graphs/social/snapshot"))
            .await
            .body
    };
    let after_first = snapshot().await;
    assert_eq!(after_first["version"], 3);
    let commits = svc
        .handle(Request::new("GET", "/graphs/social/commits").query_param("limit", "1"))
        .await;
    assert!(commits.body["commits"][0]["actor"]
        .as_str()
        .unwrap()
        .starts_with("s3:"));

    let start = svc.engine().stats_start();
    let second = lambda::dispatch(&svc, FunctionKind::Mutate, event.clone(), None)
        .await
        .unwrap();
    let stats = svc.engine().stats_since(&start);
    assert_eq!(second, first, "a duplicate is answered from the record");
    // one record read; the object is not even read
    assert_eq!(
        (
            stats.manifest.read,
            stats.manifest.write,
            stats.object_store.get
        ),
        (1, 0, 0),
        "{stats:?}"
    );
    assert_eq!(snapshot().await, after_first, "a duplicate applies nothing");

    // a new object version is a new load
    let mut newer = event.clone();
    newer["Records"][0]["s3"]["object"]["versionId"] = json!("v2");
    let third = lambda::dispatch(&svc, FunctionKind::Mutate, newer, None)
        .await
        .unwrap();
    assert_eq!(third["records"][0]["version"], 4);

    // S3 events belong to mutate; a key outside the layout is rejected
    let err = lambda::dispatch(&svc, FunctionKind::Query, event.clone(), None)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadRequest);
    let mut stray = event;
    stray["Records"][0]["s3"]["object"]["key"] = json!("incoming/social/only-two.jsonl");
    let err = lambda::dispatch(&svc, FunctionKind::Mutate, stray, None)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadRequest);
}

#[tokio::test]
async fn scheduled_events_run_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path()).await;
    let event = fixture(SCHEDULED);
    assert_eq!(classify(&event), EventKind::Schedule);
    let out = lambda::dispatch(&svc, FunctionKind::Recover, event.clone(), None)
        .await
        .unwrap();
    assert!(out.is_object(), "{out}");
    let err = lambda::dispatch(&svc, FunctionKind::Query, event, None)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::BadRequest);
}

/// The mutate function's S3 path on the stand-ins: tables on S3 and heads in DynamoDB (moto),
/// the incoming object in the same bucket; a redelivered event applies nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_event_loads_once_on_s3_and_dynamodb() {
    use omnigraph_engine::{Engine, ManifestChoice, StoreLocation};
    use omnigraph_tests::s3_client;

    let (endpoint, bucket) = crate::fixtures::moto_bucket("api-graphs").await;
    let (_, table) = crate::fixtures::moto_heads_table("api-heads").await;
    let s3 = s3_client(&endpoint);
    let store = format!("s3://{bucket}/graphs");
    let manifest = format!("dynamodb://{table}");
    let engine = Engine::open(
        StoreLocation::parse(&store).unwrap(),
        ManifestChoice::parse(&manifest).unwrap(),
    )
    .await
    .unwrap();
    let svc = Service::new(Arc::new(engine), ApiConfig::new(store, manifest)).unwrap();
    let r = svc
        .handle(Request::new("POST", "/graphs").json(&json!({"graph": "social", "schema": SCHEMA})))
        .await;
    assert_eq!(r.status, 200, "{r:?}");

    let key = "incoming/social/main/people.jsonl";
    let put = s3
        .put_object()
        .bucket(&bucket)
        .key(key)
        .body(DATA.as_bytes().to_vec().into())
        .send()
        .await
        .unwrap();
    let mut event = fixture(S3_PUT);
    let object = &mut event["Records"][0]["s3"];
    object["bucket"]["name"] = json!(bucket);
    object["bucket"]["arn"] = json!(format!("arn:aws:s3:::{bucket}"));
    object["object"]["key"] = json!(key);
    object["object"]["eTag"] = json!(put.e_tag().unwrap_or_default());
    object["object"]["versionId"] = Value::Null;

    let first = lambda::dispatch(&svc, FunctionKind::Mutate, event.clone(), None)
        .await
        .unwrap();
    assert_eq!(first["records"][0]["version"], 2, "{first}");
    let snap = svc
        .handle(Request::new("GET", "/graphs/social/snapshot"))
        .await;
    assert_eq!(snap.body["version"], 2, "{snap:?}");
    let query = svc
        .handle(Request::new("POST", "/graphs/social/query").json(&json!({"query": HANDLES})))
        .await;
    assert_eq!(query.body["row_count"], 5, "{query:?}");

    let second = lambda::dispatch(&svc, FunctionKind::Mutate, event, None)
        .await
        .unwrap();
    assert_eq!(second, first);
    let again = svc
        .handle(Request::new("GET", "/graphs/social/snapshot"))
        .await;
    assert_eq!(again.body, snap.body, "the duplicate applied something");
}

/// The OpenAPI document has exactly the route table's routes, each with its method, and every
/// schema it references is defined.
#[tokio::test]
async fn openapi_document_matches_the_route_table() {
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path()).await;
    let r = svc.handle(Request::new("GET", "/openapi.json")).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.request_id().is_some());
    let doc = r.body;
    assert_eq!(doc, omnigraph_api::openapi::document());
    assert_eq!(doc["openapi"], "3.1.0");
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| {
            (
                r.pattern.to_string(),
                r.method.as_str().to_ascii_lowercase(),
            )
        })
        .collect();
    let mut documented = BTreeSet::new();
    let methods = ["get", "post", "put", "patch", "delete", "head", "options"];
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(methods.contains(&method.as_str()), "{path} {method}");
            documented.insert((path.clone(), method.clone()));
            let route = ROUTES
                .iter()
                .find(|r| r.pattern == path && r.method.as_str().eq_ignore_ascii_case(method))
                .unwrap_or_else(|| panic!("{method} {path} is not in the route table"));
            assert_eq!(op["operationId"], route.id.op());
            // path parameters are declared
            for segment in path.split('/').filter(|s| s.starts_with('{')) {
                let name = segment.trim_matches(|c| c == '{' || c == '}');
                assert!(
                    op["parameters"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|p| p["name"] == name && p["in"] == "path"),
                    "{method} {path} lacks path parameter {name}"
                );
            }
            assert!(op["responses"]["200"].is_object());
            assert!(op["responses"]["default"].is_object());
        }
    }
    assert_eq!(
        documented, table,
        "documented routes differ from the route table"
    );
    // every $ref resolves
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {r}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "$ref {r} is not defined"
        );
    }
    // request bodies are documented with their fields
    let query = &doc["components"]["schemas"]["QueryRequest"];
    assert!(query["properties"]["query"].is_object(), "{query}");
    for limit in ["max_rows", "max_expansion", "timeout_ms"] {
        assert!(query["properties"][limit].is_object(), "{limit}: {query}");
    }
    assert_eq!(query["required"], json!(["query"]));
}

#[tokio::test]
async fn mutate_route_commits_once_per_idempotency_key() {
    let dir = tempfile::tempdir().unwrap();
    let svc = loaded(dir.path()).await;
    let insert = "query m($h: String) { insert Person { handle: $h, name: \"Hal\" } }";
    let body = json!({"query": insert, "params": {"h": "hal"}, "idempotency_key": "req-1"});
    let first = svc
        .handle_as(
            FunctionKind::Mutate,
            Request::new("POST", "/graphs/social/mutate").json(&body),
        )
        .await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(first.body["affected_nodes"], 1);
    assert_eq!(first.body["version"], 3);
    // the retry is answered from the record and applies nothing
    let retry = svc
        .handle(Request::new("POST", "/graphs/social/mutate").json(&body))
        .await;
    assert_eq!(retry.body, first.body);
    assert_eq!(main_version(&svc_snapshot(&svc).await), 3);
    // another key (or none) is another commit
    let other = svc
        .handle(
            Request::new("POST", "/graphs/social/mutate")
                .json(&json!({"query": insert, "params": {"h": "ivy"}})),
        )
        .await;
    assert_eq!(other.body["version"], 4, "{other:?}");
    let rows = svc
        .handle(Request::new("POST", "/graphs/social/query").json(&json!({"query": HANDLES})))
        .await;
    assert_eq!(rows.body["row_count"], 7, "{rows:?}");
    // served by mutate only; a bad mutation changes nothing
    let r = svc
        .handle_as(
            FunctionKind::Query,
            Request::new("POST", "/graphs/social/mutate").json(&body),
        )
        .await;
    assert_error(&r, 404, "not_found");
    let r = svc
        .handle(
            Request::new("POST", "/graphs/social/mutate")
                .json(&json!({"query": "query m() { insert Nobody { x: 1 } }"})),
        )
        .await;
    assert_error(&r, 400, "bad_request");
    assert_eq!(main_version(&svc_snapshot(&svc).await), 4);
}

async fn svc_snapshot(svc: &Service) -> Response {
    svc.handle(Request::new("GET", "/graphs/social/snapshot"))
        .await
}

/// A writer process dies after staging a table version; a scheduled event of the recover
/// function (real clock, sidecar deadline from the writer's OMNIGRAPH_RECOVERY_DEADLINE_SECS)
/// rolls it back in every graph of the store.
#[tokio::test]
async fn scheduled_recovery_sweeps_a_dead_writers_sidecar() {
    use omnigraph_engine::failpoints;
    let dir = tempfile::tempdir().unwrap();
    let svc = loaded(dir.path()).await;
    let before = svc_snapshot(&svc).await;
    let data = dir.path().join("one.jsonl");
    std::fs::write(
        &data,
        "{\"type\":\"Person\",\"data\":{\"handle\":\"zed\",\"name\":\"Zed\"}}\n",
    )
    .unwrap();
    let out = std::process::Command::new(omnigraph_tests::omnigraph_bin().unwrap())
        .arg("--store")
        .arg(dir.path())
        .args(["--graph", "social", "load", "--mode", "append", "--data"])
        .arg(&data)
        .env("OMNIGRAPH_RECOVERY_DEADLINE_SECS", "1")
        .env(
            failpoints::ENV,
            format!("{}=abort", failpoints::WRITE_AFTER_STAGE),
        )
        .env_remove("OMNIGRAPH_STORE")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the writer was meant to die");
    let recovery = dir.path().join("social").join("__recovery");
    assert_eq!(std::fs::read_dir(&recovery).unwrap().count(), 1);
    // young: the schedule leaves it alone
    let early = lambda::dispatch(&svc, FunctionKind::Recover, fixture(SCHEDULED), None)
        .await
        .unwrap();
    assert_eq!(early["rolled_back"], 0, "{early}");
    assert_eq!(early["sweeps"][0]["graph"], "social", "{early}");
    assert_eq!(
        early["sweeps"][0]["recovery"]["young"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let swept = lambda::dispatch(&svc, FunctionKind::Recover, fixture(SCHEDULED), None)
        .await
        .unwrap();
    assert_eq!(swept["rolled_back"], 1, "{swept}");
    assert_eq!(swept["graphs"], 1, "{swept}");
    assert_eq!(std::fs::read_dir(&recovery).unwrap().count(), 0);
    assert_eq!(svc_snapshot(&svc).await.body, before.body);
    // a direct invoke names one graph
    let one = lambda::dispatch(
        &svc,
        FunctionKind::Recover,
        json!({"op": "recover", "graph": "social", "dry_run": true}),
        None,
    )
    .await
    .unwrap();
    assert_eq!(one["graphs"], 1);
    assert_eq!(one["rolled_back"], 0);
}

#[tokio::test]
async fn export_route_answers_inline_or_stores_a_large_export() {
    let dir = tempfile::tempdir().unwrap();
    let svc = loaded(dir.path()).await;
    let engine = svc.engine().clone();
    let g = omnigraph_manifest::GraphId::new("social").unwrap();
    let mut expected: Vec<u8> = Vec::new();
    engine
        .export(
            &g,
            &omnigraph_engine::ReadTarget::Branch(omnigraph_manifest::BranchName::main()),
            &[],
            &mut expected,
        )
        .await
        .unwrap();
    let expected = String::from_utf8(expected).unwrap();
    assert!(expected.lines().count() > 5, "{expected}");

    // Inline: the same NDJSON the embedded export writes.
    let r = svc
        .handle(Request::new("POST", "/graphs/social/export").json(&json!({})))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["ndjson"].as_str(), Some(expected.as_str()));
    assert_eq!(
        r.body["lines"].as_u64(),
        Some(expected.lines().count() as u64)
    );
    assert_eq!(r.body["bytes"].as_u64(), Some(expected.len() as u64));
    assert!(r.body.get("location").is_none(), "{r:?}");

    // A type filter narrows it; an unknown type is a bad_request.
    let r = svc
        .handle(Request::new("POST", "/graphs/social/export").json(&json!({"types": ["Person"]})))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let persons = r.body["ndjson"].as_str().unwrap();
    assert!(!persons.is_empty());
    assert!(
        persons
            .lines()
            .all(|l| l.starts_with("{\"type\":\"Person\"")),
        "{persons}"
    );
    let r = svc
        .handle(Request::new("POST", "/graphs/social/export").json(&json!({"types": ["Persn"]})))
        .await;
    assert_error(&r, 400, "bad_request");

    // Over the inline limit: stored under the graph, answered with its location.
    let small = service_with(dir.path(), |c| c.max_inline_export_bytes = 64).await;
    let r = small
        .handle(Request::new("POST", "/graphs/social/export").json(&json!({})))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.body.get("ndjson").is_none(), "{r:?}");
    let location = r.body["location"].as_str().unwrap();
    assert!(location.contains("/social/__exports/"), "{location}");
    assert_eq!(std::fs::read_to_string(location).unwrap(), expected);

    // The query function does not serve it (it may write); the mutate function does.
    let q = svc
        .handle_as(
            FunctionKind::Query,
            Request::new("POST", "/graphs/social/export").json(&json!({})),
        )
        .await;
    assert_error(&q, 404, "not_found");
}

#[tokio::test]
async fn a_large_export_on_s3_is_stored_tagged_for_expiry() {
    use omnigraph_engine::{Engine, ManifestChoice, StoreLocation, EXPORT_TAG};
    use omnigraph_tests::s3_client;

    let (endpoint, bucket) = crate::fixtures::moto_bucket("api-exports").await;
    let s3 = s3_client(&endpoint);
    let store = format!("s3://{bucket}/graphs");
    let engine = Engine::open(
        StoreLocation::parse(&store).unwrap(),
        ManifestChoice::ObjectStore,
    )
    .await
    .unwrap();
    let mut config = ApiConfig::new(store, "object-store");
    config.max_inline_export_bytes = 64;
    let svc = Service::new(Arc::new(engine), config).unwrap();
    for req in [
        Request::new("POST", "/graphs").json(&json!({"graph": "social", "schema": SCHEMA})),
        Request::new("POST", "/graphs/social/load")
            .json(&json!({"mode": "overwrite", "data": DATA})),
    ] {
        let r = svc.handle(req).await;
        assert_eq!(r.status, 200, "{r:?}");
    }
    let r = svc
        .handle(Request::new("POST", "/graphs/social/export").json(&json!({})))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let location = r.body["location"].as_str().unwrap();
    let prefix = format!("s3://{bucket}/");
    let key = location.strip_prefix(&prefix).unwrap();
    assert!(key.starts_with("graphs/social/__exports/"), "{key}");

    let object = s3
        .get_object()
        .bucket(&bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    let body = object.body.collect().await.unwrap().into_bytes();
    assert_eq!(body.len() as u64, r.body["bytes"].as_u64().unwrap());
    let tags = s3
        .get_object_tagging()
        .bucket(&bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    let tags: Vec<(&str, &str)> = tags
        .tag_set()
        .iter()
        .map(|t| (t.key(), t.value()))
        .collect();
    assert_eq!(tags, vec![EXPORT_TAG]);
}
