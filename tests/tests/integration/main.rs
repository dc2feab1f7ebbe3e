//! The single cross-crate integration-test binary. Each module is one area; tests needing
//! S3 or DynamoDB run against the moto server that `scripts/test.sh` starts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod ambiguous_cas;
mod api;
mod bench;
mod cli;
mod crash;
mod diagnostics;
mod engine_aws;
mod engine_core;
mod export;
mod fixtures;
mod gc;
mod lambda_e2e;
mod lance_guards;
mod load;
mod load_rules;
mod load_stream;
mod manifest_conformance;
mod mutate;
mod processes;
mod query_exec;
mod query_limits;
mod serve;
mod sim_store;
mod simulation;
mod stand_ins;
