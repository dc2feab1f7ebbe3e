//! The commit protocol: how a change becomes one commit on a branch, and how the store is
//! kept clean when a writer dies (docs/architecture.md, "The write protocol" and "Recovery").
//!
//! Owns: the write protocol and its one retry loop ([`write`]), crash sidecars ([`sidecar`])
//! and the protocol's timing constants ([`timing`]), recovery of dead writers ([`recover`]),
//! garbage collection ([`gc`]), the scheduled sweep of both ([`maintain`]), branches and
//! commit history ([`history`]) and the failpoints that prove crash safety ([`failpoints`]).
//!
//! Writers (mutations, loads, the test append) implement [`write::Operation`] and live in
//! their own folders; this layer calls down into [`crate::storage`] only.

pub mod failpoints;
pub(crate) mod gc;
pub(crate) mod history;
pub(crate) mod maintain;
pub(crate) mod recover;
pub(crate) mod sidecar;
pub(crate) mod timing;
pub(crate) mod write;
