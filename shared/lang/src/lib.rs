//! `omnigraph-lang`: the language front end for `.pg` schemas and `.gq` queries.
//!
//! Owns: lexing, parsing, the AST with spans, the catalog (expanded types and their Arrow
//! schema descriptions), typechecking, the lowered storage-independent IR, parameters, lint,
//! diagnostics, the schema-evolution planner and JSONL record validation.
//!
//! Must not: depend on Lance, DataFusion, tokio, object stores or any AWS crate. It is pure,
//! synchronous and deterministic so that the CLI can lint offline and every other crate can
//! rely on it without pulling in storage.
//!
//! The folders are the pipeline, bottom-up; a folder uses only the ones above it in this list:
//!
//! * [`diagnostics`] — source positions, the code catalog and the diagnostic value;
//! * [`syntax`] — the lexer and token cursor shared by both languages;
//! * [`schema`] — `.pg` parsing and validation, types and values, the catalog, evolution;
//! * [`query`] — `.gq` parsing, typechecking, lowering to the IR, parameters, lint;
//! * [`data`] — JSONL data records checked against the catalog.
//!
//! The flat paths other crates use (`omnigraph_lang::diagnostic`, `::catalog`, `::ir`, …) are
//! re-exported below.

pub mod data;
pub mod diagnostics;
pub mod query;
pub mod schema;
pub mod syntax;

pub use diagnostics::{codes, diagnostic, span};
pub use query::{check_file, ir, lint, lower, params, TypedQuery};
pub use schema::{catalog, evolution, types, value};
pub use syntax::{cursor, lexer};
