//! The `query` Lambda function: a thin adapter from Lambda events to `omnigraph-api`.
//!
//! Must not: contain engine logic; it builds configuration and clients once per execution
//! environment and forwards each event to the shared service layer
//! ([`omnigraph_api::lambda::dispatch`]), which recognises the event shape.

use std::sync::Arc;

use lambda_runtime::{service_fn, Diagnostic, Error, LambdaEvent};
use omnigraph_api::{lambda, ApiError, FunctionKind, Service};
use serde_json::Value;

const FUNCTION: FunctionKind = FunctionKind::Query;

/// A failed invocation: Lambda's `errorType` is the public error code, `errorMessage` the
/// error object as JSON.
fn diagnostic(err: ApiError) -> Diagnostic {
    Diagnostic {
        error_type: err.code.as_str().to_string(),
        error_message: err.to_json().to_string(),
    }
}

async fn handler(service: Arc<Service>, event: LambdaEvent<Value>) -> Result<Value, Diagnostic> {
    let (payload, ctx) = event.into_parts();
    lambda::dispatch(&service, FUNCTION, payload, Some(&ctx.request_id))
        .await
        .map_err(diagnostic)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_target(false)
        .without_time()
        .init();
    // Built once per execution environment; warm invocations reuse the engine's caches.
    let service = Arc::new(Service::from_env().await.map_err(|e| {
        tracing::error!(error = %e, "cannot start the query function");
        Box::new(e) as Error
    })?);
    lambda_runtime::run(service_fn(move |event| {
        let service = service.clone();
        async move { handler(service, event).await }
    }))
    .await
}
