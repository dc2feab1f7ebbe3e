//! `omnigraph-function-runtime`: the one Lambda entry point the three function binaries
//! share. It initialises JSON logging, builds the configuration and clients once per
//! execution environment ([`Service::from_env`]) and hands every invocation to
//! [`omnigraph_api::lambda::dispatch`], which recognises the event shape.
//!
//! Must not: contain engine or routing logic (that is `omnigraph-api`, which in turn must not
//! depend on the Lambda runtime).

// The service future (engine, Lance, AWS SDK) is deep; its layout needs more query depth.
#![recursion_limit = "256"]

use std::sync::Arc;

use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use omnigraph_api::{lambda, ApiError, Service};
use serde_json::Value;

pub use lambda_runtime::Error;

/// The functions allocate through mimalloc (glibc malloc dominated bulk-load profiles).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
pub use omnigraph_api::FunctionKind;

/// A failed invocation: Lambda's `errorType` is the public error code, `errorMessage` the
/// error object as JSON.
fn diagnostic(err: ApiError) -> Diagnostic {
    Diagnostic {
        error_type: err.code.as_str().to_string(),
        error_message: err.to_json().to_string(),
    }
}

fn init_logging() {
    // One JSON line per event, in the format the Terraform module's metric filters read
    // (`try_init` also forwards the `log` records of dependencies).
    use tracing_subscriber::util::SubscriberInitExt;
    let _ = omnigraph_api::json_log_subscriber(std::io::stdout).try_init();
}

/// Serves `function` until the runtime stops: the whole `main` of a function binary.
pub fn main(function: FunctionKind) -> Result<(), Error> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(function))
}

/// Builds the service once, then polls the Lambda Runtime API for invocations.
pub async fn run(function: FunctionKind) -> Result<(), Error> {
    init_logging();
    // Built once per execution environment; warm invocations reuse the engine's caches.
    let service = Arc::new(Service::from_env().await.map_err(|e| {
        tracing::error!(error = %e, function = function.as_str(), "cannot start the function");
        Box::new(e) as Error
    })?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let service = service.clone();
        async move {
            let (payload, ctx) = event.into_parts();
            lambda::dispatch(&service, function, payload, Some(&ctx.request_id))
                .await
                .map_err(diagnostic)
        }
    }))
    .await
}
