//! The `recover` Lambda function: a thin adapter from Lambda events to `omnigraph-api`.
//!
//! Must not: contain engine logic; it builds configuration and clients once per execution
//! environment and forwards each event to the shared service layer.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (payload, _ctx) = event.into_parts();
    Ok(json!({ "function": "recover", "received": payload }))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_target(false)
        .without_time()
        .init();
    lambda_runtime::run(service_fn(handler)).await
}
