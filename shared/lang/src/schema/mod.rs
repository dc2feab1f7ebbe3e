//! The schema language (`.pg`): scalar [`types`] and their [`value`]s, the syntax tree
//! ([`ast`]), the [`parser`], [`validate`], the validated and interface-expanded
//! [`catalog`], and the [`evolution`] planner that compares two catalogs.

pub mod ast;
pub mod catalog;
pub mod evolution;
pub mod parser;
pub mod types;
pub mod validate;
pub mod value;

pub use parser::parse_schema;
