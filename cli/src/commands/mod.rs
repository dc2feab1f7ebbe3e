//! The commands that run on an embedded store only (`recover`, `cleanup`, `bench`), the offline
//! ones (`lint`, `schema plan`), and how a query's rows are printed. The commands both modes
//! serve are in `client.rs`.

pub(crate) mod bench;
pub(crate) mod cleanup;
pub(crate) mod offline;
pub(crate) mod query;
pub(crate) mod recover;
