//! The `recover` Lambda function (the sweep of crash sidecars, on an EventBridge schedule or by
//! direct invoke): the shared entry point of `omnigraph-function-runtime` for [`FunctionKind::Recover`].

use omnigraph_function_runtime::{main as serve, Error, FunctionKind};

fn main() -> Result<(), Error> {
    serve(FunctionKind::Recover)
}
