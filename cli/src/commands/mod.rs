//! One module per command family; each returns the JSON it prints.

pub mod bench;
pub mod cleanup;
pub mod data;
pub mod graph;
pub mod mutate;
pub mod offline;
pub mod query;
pub mod recover;
