//! JSONL data records (docs/reference/data.md, "Records"): single-line parsing and validation
//! (the first step of "Validation order") and the message builders of every E-D code, so that
//! all data messages live in one place.
//!
//! Use [`JsonlValidator::new`] once per load, then [`JsonlValidator::parse_line`] for each
//! physical line. It returns `Ok(None)` for blank lines, a typed [`Record`] for valid ones, and
//! the first error of the line (in that order) otherwise. Multi-row checks (duplicate ids
//! E-D015, `@key`/`@unique` E-D009, endpoints E-D010/E-D014, `@card` E-D011, merge id rules)
//! belong to the engine; it builds their messages with the `msg_*` functions and wraps them
//! with [`line_message`] when they come from an input line.

mod jsonl;
mod messages;

pub use self::jsonl::{in_range, valid_id, JsonlValidator};
pub use self::messages::{
    bounds_text, help_orphan, msg_ambiguous_merge, msg_card, msg_check, msg_duplicate,
    msg_endpoint_missing, msg_endpoint_prefix, msg_endpoints_changed, msg_enum, msg_exists,
    msg_id_invalid, msg_id_key_mismatch, msg_orphan, msg_range, msg_range_line,
    msg_required_missing, msg_unique, msg_unknown_property,
};
use crate::query::ir::EntityKind;
use crate::query::params::field_message;
use crate::schema::value::Value;
use serde::Serialize;
use std::collections::BTreeMap;

/// Maximum id length in bytes (docs/reference/schema.md, "Ids and keys").
pub const MAX_ID_BYTES: usize = 1024;

/// A validated JSONL record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// 1-based physical line number.
    pub line: usize,
    /// `node:Person` / `edge:Knows`.
    pub table_key: String,
    /// The type's declared name (edge names are matched ignoring case).
    pub type_name: String,
    pub kind: EntityKind,
    /// The id: the key's canonical text for keyed nodes, else `data.id`; `None` means
    /// "generate a ULID" (or, for merge of an edge, "identify by endpoints").
    pub id: Option<String>,
    /// Edge source / target node ids (canonical text).
    pub from: Option<String>,
    pub to: Option<String>,
    /// Every declared property: given values, and `Value::Null` for omitted nullable ones.
    /// `@embed` targets to be computed are listed in `embed_pending` instead.
    pub values: BTreeMap<String, Value>,
    /// Vector properties the engine must compute with the embedding provider.
    pub embed_pending: Vec<String>,
}

/// ``line N, `path`: detail``.
pub fn line_message(line: usize, path: &str, detail: &str) -> String {
    field_message(line, path, detail)
}

/// ``line N: detail`` (errors about a whole record).
pub fn line_only_message(line: usize, detail: &str) -> String {
    format!("line {line}: {detail}")
}
