//! Storage access: everything between the engine and the bytes in the object store.
//!
//! Owns: the counted object store ([`counting_store`]), where a store lives ([`location`]) and
//! where a graph's objects sit in it ([`layout`]), the Lance tables with their pinned-version
//! opens and detached commits ([`tables`], [`pinned_handler`]), the objects one table version
//! consists of ([`files`]), typed values ⇄ Arrow ([`rows`]) and per-operation request counts
//! ([`stats`]).
//!
//! Must not: decide what a write means. The write protocol ([`crate::protocol`]) and the
//! readers above it call down into this layer, never the other way round (the one exception
//! is the failpoint after each detached commit, a test hook of the protocol).

pub(crate) mod counting_store;
pub(crate) mod files;
pub(crate) mod layout;
pub(crate) mod location;
pub(crate) mod pinned_handler;
pub(crate) mod rows;
pub(crate) mod stats;
pub(crate) mod tables;
