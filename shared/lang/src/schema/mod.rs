//! The schema language (`.pg`, §2): syntax tree, parser and validation. The validated result
//! is turned into a [`crate::catalog::Catalog`].

pub mod ast;
pub mod parser;
pub mod validate;

pub use parser::parse_schema;
