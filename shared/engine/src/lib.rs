//! `omnigraph-engine`: the embedded graph engine over Lance datasets.
//!
//! Owns: graph init/open, table versions as detached Lance commits, snapshots, query
//! execution, mutations, load/export, branches and commits, recovery and garbage collection,
//! and request accounting at the object-store boundary.
//!
//! Must not: know about HTTP, Lambda events or the CLI; it is driven by `omnigraph-api`.

mod counting_store;
mod error;
mod location;

pub use counting_store::{CountingStore, ObjectCounters, ObjectStats};
pub use error::{EngineError, ManifestConflict};
pub use location::StoreLocation;
