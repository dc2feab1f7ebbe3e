//! `omnigraph-manifest`: the authority on what a graph is.
//!
//! Owns: the [`ManifestStore`] trait (branch heads, commits, idempotency records) and its
//! backends — [`MemoryManifestStore`], [`ObjectManifestStore`] (put-if-absent heads on a local
//! directory or S3) and [`DynamoManifestStore`] (single-item conditional writes) — plus request
//! accounting at the manifest boundary ([`ManifestCounters`]), and the workspace's one
//! [`clock`] (time and ULIDs).
//!
//! Must not: read or write Lance data, or build correctness on DynamoDB transactions.

pub mod clock;
mod dynamo;
mod error;
mod memory;
mod model;
mod names;
mod object;
mod stats;
mod store;

pub use dynamo::DynamoManifestStore;
pub use error::ManifestError;
pub use memory::MemoryManifestStore;
pub use model::{Commit, Head, Page, PageRequest, Pin};
pub use names::{BranchName, GraphId, MAX_NAME_BYTES};
pub use object::ObjectManifestStore;
pub use stats::{ManifestCounters, ManifestStats};
pub use store::{ManifestStore, Result};
