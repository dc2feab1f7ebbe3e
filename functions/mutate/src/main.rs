//! The `mutate` Lambda function (every write: graph creation, mutations, loads, branch create/delete, and S3-triggered loads): the shared entry point of
//! `omnigraph-function-runtime` serving the routes of [`FunctionKind::Mutate`].

use omnigraph_function_runtime::{main as serve, Error, FunctionKind};

fn main() -> Result<(), Error> {
    serve(FunctionKind::Mutate)
}
