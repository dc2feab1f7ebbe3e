//! `omnigraph-lang`: the language front end for `.pg` schemas and `.gq` queries.
//!
//! Owns: lexing, parsing, the AST with spans, the catalog (expanded types and their Arrow
//! schema descriptions), typechecking, the lowered storage-independent IR, parameters, lint,
//! diagnostics and the schema-evolution planner.
//!
//! Must not: depend on Lance, DataFusion, tokio, object stores or any AWS crate. It is pure,
//! synchronous and deterministic so that the CLI can lint offline and every other crate can
//! rely on it without pulling in storage.

pub mod catalog;
pub mod codes;
pub mod cursor;
pub mod data;
pub mod diagnostic;
pub mod evolution;
pub mod ir;
pub mod lexer;
pub mod lint;
pub mod params;
pub mod query;
pub mod schema;
pub mod span;
pub mod types;
pub mod value;

pub use query::{check_file, lower, TypedQuery};
