//! `omnigraph-api`: the wire contract and service layer.
//!
//! Owns: request/response types, the public error code set and its exhaustive HTTP mapping,
//! the single route table, and the service that turns a request into engine calls. Used by
//! the three Lambda functions, `omnigraph serve` and the CLI's remote mode.
//!
//! Must not: depend on Lambda runtime types; adapters live in the function binaries.
