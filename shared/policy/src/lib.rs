//! `omnigraph-policy`: authorization with Cedar.
//!
//! Owns: turning YAML rules into Cedar policies and answering allow/deny decisions with the
//! matched rule.
//!
//! Must not: perform I/O against graph storage; it only decides.

pub use cedar_policy;
