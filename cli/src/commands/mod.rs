//! The commands that run on an embedded store only (`recover`, `cleanup`, `bench`), the offline
//! ones (`lint`, `schema plan`), and how a query's rows are printed. The commands both modes
//! serve are in `client.rs`.

pub mod bench;
pub mod cleanup;
pub mod offline;
pub mod query;
pub mod recover;
