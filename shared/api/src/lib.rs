//! `omnigraph-api`: the wire contract and service layer.
//!
//! Owns: request/response types (the one set the service, the embedded CLI and the CLI's remote
//! mode all use) and how engine results become them, the public error code set, the one mapping
//! from engine errors to it and its exhaustive HTTP mapping,
//! the single route table, the service that turns a request into engine calls, and the
//! adapters from Lambda event payloads (HTTP API v2 / function URL, direct invoke, S3, EventBridge)
//! onto that service, so the function binaries stay thin and the adapters are unit-testable,
//! and the OpenAPI document generated from the route table and the wire types.
//!
//! Must not: depend on the Lambda runtime (event shapes come from `aws_lambda_events` as plain
//! serde types), or contain engine logic.

mod answers;
mod config;
mod error;
mod handlers;
mod idempotency;
mod incoming;
pub mod lambda;
mod maintenance;
pub mod openapi;
mod request_log;
mod routes;
mod service;
mod wire;

pub use answers::answer_query;
pub use config::{
    ApiConfig, DEFAULT_INCOMING_PREFIX, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_INLINE_EXPORT_BYTES,
    DEFAULT_MAX_ROWS, DEFAULT_RECOVERY_DEADLINE_SECS,
};
pub use error::{ApiError, ErrorCode};
pub use handlers::{read_target, DEFAULT_COMMIT_PAGE, MAX_COMMIT_PAGE};
pub use idempotency::{IDEMPOTENCY_NAMESPACE, S3_EVENT_NAMESPACE};
pub use incoming::MAX_INCOMING_BYTES;
pub use request_log::json_log_subscriber;
pub use routes::{
    api_gateway_routes, api_gateway_routes_json, match_route, parse_query, percent_decode,
    percent_decode_with, FunctionKind, Method, PathParams, Route, RouteId, RouteMiss,
    API_GATEWAY_ROUTES_FILE, ROUTES,
};
pub use service::{new_request_id, respond, Request, Response, Service, ANONYMOUS_ACTOR};
pub use wire::*;
