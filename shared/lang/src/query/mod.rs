//! The `.gq` query language: syntax tree, parser and typechecker (spec §4).

pub mod ast;
pub mod parser;

pub use parser::parse_query_file;
