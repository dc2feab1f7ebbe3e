//! The `query` Lambda function (every read: queries, snapshots, schema, branches, commits): the shared entry point of
//! `omnigraph-function-runtime` serving the routes of [`FunctionKind::Query`].

use omnigraph_function_runtime::{main as serve, Error, FunctionKind};

fn main() -> Result<(), Error> {
    serve(FunctionKind::Query)
}
