//! Lambda event adapters: recognise the payload a function was invoked with and serve it.
//!
//! | payload | recognised by | served as |
//! |---|---|---|
//! | API Gateway HTTP API v2 / function URL (payload format 2.0) | `requestContext.http` | the route table; answered in the proxy response shape |
//! | direct invoke | `op` | the same handlers; an error is returned as `Err` (the function error's `errorType` is the code) |
//! | S3 `ObjectCreated` (mutate) | `Records[].eventSource == "aws:s3"` | a `merge` load of `incoming/<graph>/<branch>/…`, once per object version |
//! | EventBridge schedule (recover) | `source` + `detail-type` | a recovery sweep |

use std::collections::BTreeMap;

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::s3::{S3Event, S3EventRecord};
use base64::Engine as _;
use bytes::Bytes;
use omnigraph_engine::LoadMode;
use omnigraph_manifest::{BranchName, GraphId};
use serde_json::{json, Value};

use crate::error::{ApiError, ErrorCode};
pub use crate::idempotency::S3_EVENT_NAMESPACE;
use crate::request_log::RequestLog;
use crate::routes::{parse_query, percent_decode_with, FunctionKind, RouteId};
use crate::service::{status_of, Request, Response, Service};

/// The shapes of payload a function can be invoked with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Http,
    Direct,
    S3,
    Schedule,
    Unknown,
}

/// Recognises the payload shape.
pub fn classify(event: &Value) -> EventKind {
    if event
        .get("requestContext")
        .and_then(|c| c.get("http"))
        .is_some()
    {
        EventKind::Http
    } else if event.get("op").is_some() {
        EventKind::Direct
    } else if event
        .get("Records")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .and_then(|r| r.get("eventSource"))
        .and_then(Value::as_str)
        == Some("aws:s3")
    {
        EventKind::S3
    } else if event.get("detail-type").is_some() && event.get("source").is_some() {
        EventKind::Schedule
    } else {
        EventKind::Unknown
    }
}

/// Serves one invocation of `function`. HTTP events always answer `Ok` (errors become HTTP
/// responses); other events answer `Err` on failure, so Lambda reports a function error (and
/// retries asynchronous S3 and schedule events).
pub async fn dispatch(
    service: &Service,
    function: FunctionKind,
    event: Value,
    request_id: Option<&str>,
) -> Result<Value, ApiError> {
    match classify(&event) {
        EventKind::Http => Ok(http(service, function, event, request_id).await),
        EventKind::Direct => service.invoke(Some(function), &event, request_id).await,
        EventKind::S3 if function == FunctionKind::Mutate => s3(service, event).await,
        EventKind::Schedule if function == FunctionKind::Recover => {
            schedule(service, event, request_id).await
        }
        EventKind::S3 | EventKind::Schedule => Err(ApiError::bad_request(format!(
            "the {function} function does not handle this event (S3 events go to mutate, schedules to recover)"
        ))),
        EventKind::Unknown => Err(ApiError::bad_request(
            "unrecognised event: expected an HTTP (payload 2.0), direct-invoke, S3 or EventBridge event",
        )),
    }
}

/// The platform request of an HTTP API v2 / function URL event.
pub fn http_request(event: Value, request_id: Option<&str>) -> Result<Request, ApiError> {
    let ev: ApiGatewayV2httpRequest = serde_json::from_value(event)
        .map_err(|e| ApiError::bad_request(format!("malformed HTTP event: {e}")))?;
    let ctx = &ev.request_context;
    let method = ctx.http.method.as_str().to_string();
    let path = ev
        .raw_path
        .clone()
        .or_else(|| ctx.http.path.clone())
        .unwrap_or_else(|| "/".into());
    let query = parse_query(ev.raw_query_string.as_deref().unwrap_or(""));
    let mut headers = BTreeMap::new();
    for (name, value) in ev.headers.iter() {
        if let Ok(v) = value.to_str() {
            headers.insert(name.as_str().to_ascii_lowercase(), v.to_string());
        }
    }
    let body = match ev.body {
        None => Bytes::new(),
        Some(text) if ev.is_base64_encoded => Bytes::from(
            base64::engine::general_purpose::STANDARD
                .decode(text.as_bytes())
                .map_err(|e| ApiError::bad_request(format!("the body is not valid base64: {e}")))?,
        ),
        Some(text) => Bytes::from(text),
    };
    let actor = ctx
        .authorizer
        .as_ref()
        .and_then(|a| a.iam.as_ref())
        .and_then(|iam| iam.user_arn.clone().or_else(|| iam.caller_id.clone()));
    Ok(Request {
        method,
        path,
        query,
        headers,
        body,
        request_id: ctx
            .request_id
            .clone()
            .or_else(|| request_id.map(str::to_string)),
        actor,
    })
}

/// The proxy-integration response (the same shape for function URLs and HTTP APIs).
pub fn http_response(response: &Response) -> Value {
    json!({
        "statusCode": response.status,
        "headers": response.headers,
        "body": response.body.to_string(),
        "isBase64Encoded": false,
        // Function URL responses carry the cookie list; strict readers require the field.
        "cookies": [],
    })
}

async fn http(
    service: &Service,
    function: FunctionKind,
    event: Value,
    request_id: Option<&str>,
) -> Value {
    let response = match http_request(event, request_id) {
        Ok(req) => service.handle_as(function, req).await,
        Err(err) => {
            let id = request_id
                .map(str::to_string)
                .unwrap_or_else(crate::service::new_request_id);
            Response {
                status: err.code.http_status(),
                headers: BTreeMap::from([
                    ("content-type".to_string(), "application/json".to_string()),
                    ("x-request-id".to_string(), id),
                ]),
                body: err.to_json(),
            }
        }
    };
    http_response(&response)
}

/// Where an incoming object goes: `<prefix><graph>/<branch>/<file>`.
pub fn parse_incoming_key(prefix: &str, key: &str) -> Result<(GraphId, BranchName), ApiError> {
    let rest = key.strip_prefix(prefix).ok_or_else(|| {
        ApiError::bad_request(format!(
            "object key `{key}` is not under the incoming prefix `{prefix}`"
        ))
    })?;
    let mut parts = rest.splitn(3, '/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(g), Some(b), Some(file)) if !file.is_empty() => {
            Ok((GraphId::new(g)?, BranchName::new(b)?))
        }
        _ => Err(ApiError::bad_request(format!(
            "object key `{key}` is not `{prefix}<graph>/<branch>/<file>.jsonl`"
        ))),
    }
}

async fn s3(service: &Service, event: Value) -> Result<Value, ApiError> {
    let ev: S3Event = serde_json::from_value(event)
        .map_err(|e| ApiError::bad_request(format!("malformed S3 event: {e}")))?;
    let mut results = Vec::with_capacity(ev.records.len());
    for record in &ev.records {
        results.push(s3_record(service, record).await?);
    }
    Ok(json!({ "records": results }))
}

/// Loads one created object (merge mode) once per object version: a duplicate delivery is
/// answered from the record of the first and applies nothing (`idempotency.rs`).
async fn s3_record(service: &Service, record: &S3EventRecord) -> Result<Value, ApiError> {
    let bucket = record
        .s3
        .bucket
        .name
        .clone()
        .ok_or_else(|| ApiError::bad_request("S3 event record names no bucket"))?;
    let raw_key = record
        .s3
        .object
        .key
        .clone()
        .ok_or_else(|| ApiError::bad_request("S3 event record names no object key"))?;
    // Keys in S3 event notifications are URL-encoded (spaces as `+`).
    let key = percent_decode_with(&raw_key, true);
    let tag = record
        .s3
        .object
        .version_id
        .clone()
        .filter(|v| !v.is_empty() && v != "null")
        .or_else(|| record.s3.object.e_tag.clone())
        .or_else(|| record.s3.object.sequencer.clone())
        .unwrap_or_default();
    let actor = format!(
        "s3:{}",
        record
            .principal_id
            .principal_id
            .as_deref()
            .unwrap_or("unknown")
    );
    let record_key = format!("{bucket}/{key}/{tag}");
    let log = RequestLog::start(
        &service.engine,
        &record_key,
        Some(FunctionKind::Mutate),
        &actor,
    );
    let (graph, branch) = parse_incoming_key(&service.config.incoming_prefix, &key)?;
    let apply = async {
        let data = service.incoming.read_text(&bucket, &key).await?;
        let loaded = service
            .load_text(&graph, &branch, None, data, LoadMode::Merge, &actor)
            .await?;
        Ok(json!({
            "bucket": bucket, "key": key, "object_version": tag,
            "graph": graph, "branch": loaded.branch, "commit": loaded.commit,
            "version": loaded.version, "tables": loaded.tables,
        }))
    };
    let result = service
        .once(&graph, S3_EVENT_NAMESPACE, &record_key, apply)
        .await;
    tracing::info!(
        target: "omnigraph::s3_load",
        bucket = bucket.as_str(),
        key = key.as_str(),
        duplicate = result.as_ref().is_ok_and(|o| o.replayed),
        "s3 event"
    );
    log.finish(
        Some(RouteId::Load),
        Some(graph.as_str()),
        status_of(&result),
    );
    result.map(|once| once.answer)
}

async fn schedule(
    service: &Service,
    event: Value,
    request_id: Option<&str>,
) -> Result<Value, ApiError> {
    let ev: EventBridgeEvent<Value> = serde_json::from_value(event)
        .map_err(|e| ApiError::bad_request(format!("malformed EventBridge event: {e}")))?;
    if ev.source != "aws.events" || ev.detail_type != "Scheduled Event" {
        return Err(ApiError::new(
            ErrorCode::BadRequest,
            format!(
                "the recover function handles scheduled events, not `{}` from `{}`",
                ev.detail_type, ev.source
            ),
        ));
    }
    service
        .invoke(
            Some(FunctionKind::Recover),
            &json!({"op": "recover", "caller": "omnigraph:schedule"}),
            request_id,
        )
        .await
}
