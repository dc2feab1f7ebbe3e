//! JSONL data records (spec §6): single-line parsing and validation (§6.1, §6.3 step 1) and
//! the message builders of every E-D code, so that all data messages live in one place.
//!
//! Use [`JsonlValidator::new`] once per load, then [`JsonlValidator::parse_line`] for each
//! physical line. It returns `Ok(None)` for blank lines, a typed [`Record`] for valid ones, and
//! the first error of the line (in §6.3 order) otherwise. Multi-row checks (duplicate ids
//! E-D015, `@key`/`@unique` E-D009, endpoints E-D010/E-D014, `@card` E-D011, merge id rules)
//! belong to the engine; it builds their messages with the `msg_*` functions below and wraps
//! them with [`line_message`] when they come from an input line.

use crate::diagnostics::diagnostic::{did_you_mean, Diagnostic};
use crate::diagnostics::span::{to_u32, Span};
use crate::query::ir::EntityKind;
use crate::query::params::{coerce, describe_json, field_message};
use crate::query::schema_view::{Bound, SchemaIndex, TypeInfo};
use crate::schema::catalog::Catalog;
use crate::schema::value::{quote_truncated, Value};
use serde::Serialize;
use std::collections::BTreeMap;

/// Maximum id length in bytes (§2.4).
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

// ---------------------------------------------------------------------------------------------
// message builders (shared with the engine / mutations)

/// E-D004 detail: ``unknown property of `Agent` ``.
pub fn msg_unknown_property(type_name: &str) -> String {
    format!("unknown property of `{type_name}`")
}

/// E-D005 detail.
pub fn msg_required_missing(type_name: &str, prop: &str, is_null: bool) -> String {
    if is_null {
        format!("required property `{prop}` of `{type_name}` is null")
    } else {
        format!("required property `{prop}` of `{type_name}` is missing")
    }
}

/// E-D006 detail: ``"Open" is not a value of enum(closed, open)``.
pub fn msg_enum(value: &str, values: &[String]) -> String {
    format!(
        "{} is not a value of enum({})",
        quote_truncated(value),
        values.join(", ")
    )
}

/// `lo..hi` text of range bounds.
pub fn bounds_text(lo: Option<Bound>, hi: Option<Bound>) -> String {
    format!(
        "{}..{}",
        lo.map(|b| b.text()).unwrap_or_default(),
        hi.map(|b| b.text()).unwrap_or_default()
    )
}

/// E-D007 for mutations: ``@range(1..5) on Ticket.priority violated by 7``.
pub fn msg_range(type_name: &str, prop: &str, bounds: &str, value: &Value) -> String {
    format!(
        "@range({bounds}) on {type_name}.{prop} violated by {}",
        value.message_text()
    )
}

/// E-D007 for JSONL lines (the field path names the property):
/// ``@range(1..5) on Ticket violated by 9``.
pub fn msg_range_line(type_name: &str, bounds: &str, value: &Value) -> String {
    format!(
        "@range({bounds}) on {type_name} violated by {}",
        value.message_text()
    )
}

/// E-D008: ``@check on Ticket.ref violated: "X-9" does not match ^T-[0-9]+$``.
pub fn msg_check(type_name: &str, prop: &str, value: &str, pattern: &str) -> String {
    format!(
        "@check on {type_name}.{prop} violated: {} does not match {pattern}",
        quote_truncated(value)
    )
}

/// E-D009: ``@unique(name) on Company violated: "Acme" is already used by `acme` `` /
/// ``@unique(src, dst) on Blocks violated: ("T-1", "T-2") is already used by `b1` ``.
pub fn msg_unique(
    type_name: &str,
    props: &[String],
    values: &[Value],
    existing_id: &str,
) -> String {
    let vals: Vec<String> = values.iter().map(|v| v.message_text()).collect();
    let tuple = if vals.len() == 1 {
        vals[0].clone()
    } else {
        format!("({})", vals.join(", "))
    };
    format!(
        "@unique({}) on {type_name} violated: {tuple} is already used by `{existing_id}`",
        props.join(", ")
    )
}

/// E-D010 detail: ``Ticket `T-7` does not exist``. Mutations prefix it with
/// [`msg_endpoint_prefix`] (``Blocks `to`: …``), loads with [`line_message`] (path `to`).
pub fn msg_endpoint_missing(node_type: &str, id: &str) -> String {
    format!(
        "{node_type} `{}` does not exist",
        crate::schema::value::truncate(id)
    )
}

/// ``Blocks `to`: detail``.
pub fn msg_endpoint_prefix(edge_type: &str, end: &str, detail: &str) -> String {
    format!("{edge_type} `{end}`: {detail}")
}

/// E-D011: ``@card(0..1) on WorksAt violated: Person `ann` would have 2 edges (max 1)``.
pub fn msg_card(
    edge_type: &str,
    min: u64,
    max: Option<u64>,
    source_type: &str,
    source_id: &str,
    count: u64,
) -> String {
    let card = format!(
        "{min}..{}",
        max.map(|m| m.to_string()).unwrap_or_else(|| "*".into())
    );
    let bound = if count < min {
        format!("min {min}")
    } else {
        format!(
            "max {}",
            max.map(|m| m.to_string()).unwrap_or_else(|| "*".into())
        )
    };
    let edges = if count == 1 { "edge" } else { "edges" };
    format!(
        "@card({card}) on {edge_type} violated: {source_type} `{source_id}` would have {count} {edges} ({bound})"
    )
}

/// E-D014: overwriting a node type would orphan edges of a type not in the input.
pub fn msg_orphan(node_type: &str, edge_type: &str, edge_id: &str) -> String {
    format!(
        "overwriting `{node_type}` would leave edge `{edge_id}` of `{edge_type}` without an endpoint; `{edge_type}` is not in the input"
    )
}

/// Help line for E-D014.
pub fn help_orphan(edge_type: &str) -> String {
    format!("include `{edge_type}` records in the input or use `merge`")
}

/// E-D015 (append, existing row): ``Agent `kim@corp.io` already exists``.
pub fn msg_exists(type_name: &str, id: &str) -> String {
    format!(
        "{type_name} `{}` already exists",
        crate::schema::value::truncate(id)
    )
}

/// E-D015 (duplicate within one input): ``Agent `x` duplicates line 2``.
pub fn msg_duplicate(type_name: &str, id: &str, first_line: usize) -> String {
    format!(
        "{type_name} `{}` duplicates line {first_line}",
        crate::schema::value::truncate(id)
    )
}

/// E-D012: `data.id` of a keyed node differs from its key's canonical text.
pub fn msg_id_key_mismatch(type_name: &str, id: &str, key: &str, key_text: &str) -> String {
    format!(
        "id {} of `{type_name}` must equal the canonical text of its @key `{key}`, {}",
        quote_truncated(id),
        quote_truncated(key_text)
    )
}

/// E-D012: empty or too long id.
pub fn msg_id_invalid(id: &str) -> String {
    if id.is_empty() {
        "ids must not be empty".into()
    } else {
        format!(
            "id {} is longer than {MAX_ID_BYTES} bytes",
            quote_truncated(id)
        )
    }
}

/// E-D012: an upsert by id would change an edge's endpoints.
pub fn msg_endpoints_changed(edge_type: &str, id: &str) -> String {
    format!("{edge_type} `{id}` exists with other endpoints; `from`/`to` cannot change")
}

/// E-D012: a merge edge record without id matches several committed edges.
pub fn msg_ambiguous_merge(edge_type: &str, from: &str, to: &str, count: usize) -> String {
    format!(
        "ambiguous merge: {count} committed `{edge_type}` edges go from `{from}` to `{to}`; give `data.id`"
    )
}

// ---------------------------------------------------------------------------------------------
// validator

/// Validates JSONL lines against a catalog.
#[derive(Debug, Clone)]
pub struct JsonlValidator {
    schema: SchemaIndex,
}

struct LineCtx {
    line: usize,
    span: Span,
}

impl LineCtx {
    fn err(&self, code: &'static str, path: &str, detail: &str) -> Diagnostic {
        Diagnostic::error(code, self.span, line_message(self.line, path, detail))
    }

    fn err_line(&self, code: &'static str, detail: &str) -> Diagnostic {
        Diagnostic::error(code, self.span, line_only_message(self.line, detail))
    }
}

/// Checks an id: non-empty and at most 1,024 bytes.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_BYTES
}

impl JsonlValidator {
    pub fn new(catalog: &Catalog) -> Self {
        JsonlValidator {
            schema: SchemaIndex::from_catalog(catalog),
        }
    }

    /// Parses and validates one physical line. `line` is 1-based; `line_offset` is the byte
    /// offset of the line in the input (diagnostic spans are absolute). Blank lines give
    /// `Ok(None)`.
    pub fn parse_line(
        &self,
        line: usize,
        text: &str,
        line_offset: u32,
    ) -> Result<Option<Record>, Diagnostic> {
        let trimmed = text.trim_end_matches(['\n', '\r']);
        if trimmed.trim().is_empty() {
            return Ok(None);
        }
        let span = Span::new(
            line_offset,
            line_offset.saturating_add(to_u32(trimmed.len())),
        );
        let cx = LineCtx { line, span };
        let json: serde_json::Value = match serde_json::from_str(trimmed) {
            Ok(v) => v,
            Err(e) => {
                // column of the error within the line (serde_json counts bytes, 1-based)
                let col = e.column().saturating_sub(1).min(trimmed.len());
                let at = line_offset.saturating_add(to_u32(col));
                return Err(Diagnostic::error(
                    "E-D001",
                    Span::new(at, at.saturating_add(1).min(span.end.max(at))),
                    line_only_message(line, &format!("invalid JSON: {e}")),
                ));
            }
        };
        let serde_json::Value::Object(obj) = &json else {
            return Err(cx.err_line(
                "E-D002",
                &format!(
                    "a record must be a JSON object, got {}",
                    describe_json(&json)
                ),
            ));
        };
        let has_type = obj.contains_key("type");
        let has_edge = obj.contains_key("edge");
        if has_type == has_edge {
            return Err(cx.err_line(
                "E-D002",
                "a record must have exactly one of `type` (node) or `edge`",
            ));
        }
        let allowed: &[&str] = if has_type {
            &["type", "data"]
        } else {
            &["edge", "from", "to", "data"]
        };
        for k in obj.keys() {
            if !allowed.contains(&k.as_str()) {
                let list: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
                return Err(cx.err(
                    "E-D002",
                    k,
                    &format!(
                        "unknown top-level field of a {} record (allowed: {})",
                        if has_type { "node" } else { "edge" },
                        list.join(", ")
                    ),
                ));
            }
        }
        let empty = serde_json::Map::new();
        let data = match obj.get("data") {
            None => &empty,
            Some(serde_json::Value::Object(m)) => m,
            Some(other) => {
                return Err(cx.err(
                    "E-D002",
                    "data",
                    &format!("`data` must be an object, got {}", describe_json(other)),
                ))
            }
        };
        let name_field = if has_type { "type" } else { "edge" };
        let Some(type_name) = obj.get(name_field).and_then(|v| v.as_str()) else {
            return Err(cx.err(
                "E-D002",
                name_field,
                &format!(
                    "`{name_field}` must be a string, got {}",
                    describe_json(&obj[name_field])
                ),
            ));
        };
        if !has_type && (!obj.contains_key("from") || !obj.contains_key("to")) {
            let missing: Vec<&str> = ["from", "to"]
                .into_iter()
                .filter(|k| !obj.contains_key(*k))
                .collect();
            return Err(cx.err_line(
                "E-D013",
                &format!("edge record is missing `{}`", missing.join("` and `")),
            ));
        }
        // type name
        let ti: &TypeInfo = if has_type {
            match self.schema.node(type_name) {
                Some(t) => t,
                None => {
                    let help = if self.schema.edge_ci(type_name).is_some() {
                        Some(format!("`{type_name}` is an edge type; write {{\"edge\": \"{type_name}\", \"from\": …, \"to\": …}}"))
                    } else {
                        let names: Vec<&String> = self.schema.nodes.keys().collect();
                        did_you_mean(type_name, names).map(|c| format!("did you mean `{c}`?"))
                    };
                    return Err(cx
                        .err(
                            "E-D003",
                            "type",
                            &format!("unknown node type {}", quote_truncated(type_name)),
                        )
                        .with_help_opt(help));
                }
            }
        } else {
            match self.schema.edge_ci(type_name) {
                Some(t) => t,
                None => {
                    let names: Vec<&String> = self.schema.edges.values().map(|e| &e.name).collect();
                    let help =
                        did_you_mean(type_name, names).map(|c| format!("did you mean `{c}`?"));
                    return Err(cx
                        .err(
                            "E-D003",
                            "edge",
                            &format!("unknown edge type {}", quote_truncated(type_name)),
                        )
                        .with_help_opt(help));
                }
            }
        };
        // property names
        for k in data.keys() {
            if k != "id" && ti.prop(k).is_none() {
                let names = ti.prop_names();
                let help = did_you_mean(k, names).map(|c| format!("did you mean `{c}`?"));
                return Err(cx
                    .err(
                        "E-D004",
                        &format!("data.{k}"),
                        &msg_unknown_property(&ti.name),
                    )
                    .with_help_opt(help));
            }
        }
        // endpoints
        let (mut from, mut to) = (None, None);
        if ti.is_edge {
            for (end, node) in [("from", &ti.from), ("to", &ti.to)] {
                let v = &obj[end];
                let id = self
                    .endpoint_id(v, node)
                    .map_err(|(code, d)| cx.err(code, end, &d))?;
                if end == "from" {
                    from = Some(id);
                } else {
                    to = Some(id);
                }
            }
        }
        // values
        let mut values = BTreeMap::new();
        for p in &ti.props {
            let path = format!("data.{}", p.name);
            match data.get(&p.name) {
                None | Some(serde_json::Value::Null) => {}
                Some(v) => {
                    let x = coerce(v, &p.ty.core).map_err(|e| cx.err(e.code, &path, &e.detail))?;
                    values.insert(p.name.clone(), x);
                }
            }
        }
        // required values
        let mut embed_pending = Vec::new();
        for p in &ti.props {
            if values.contains_key(&p.name) {
                continue;
            }
            let embed_filled = p
                .embed_source
                .as_ref()
                .is_some_and(|src| values.get(src).is_some_and(|v| !v.is_null()));
            if embed_filled {
                embed_pending.push(p.name.clone());
                continue;
            }
            if !p.ty.nullable {
                let is_null = data.get(&p.name).is_some();
                return Err(cx.err(
                    "E-D005",
                    &format!("data.{}", p.name),
                    &msg_required_missing(&ti.name, &p.name, is_null),
                ));
            }
            values.insert(p.name.clone(), Value::Null);
        }
        // @range
        for r in &ti.ranges {
            if let Some(v) = values.get(&r.prop) {
                if !in_range(v, r.lo, r.hi) {
                    return Err(cx.err(
                        "E-D007",
                        &format!("data.{}", r.prop),
                        &msg_range_line(&ti.name, &bounds_text(r.lo, r.hi), v),
                    ));
                }
            }
        }
        // @check
        for c in &ti.checks {
            if let Some(Value::String(s)) = values.get(&c.prop) {
                let ok = c.regex.as_ref().is_none_or(|re| re.is_match(s));
                if !ok {
                    return Err(cx.err(
                        "E-D008",
                        &format!("data.{}", c.prop),
                        &msg_check(&ti.name, &c.prop, s, &c.pattern),
                    ));
                }
            }
        }
        // id rules
        let given_id = match data.get("id") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(other) => {
                return Err(cx.err(
                    "E-V003",
                    "data.id",
                    &format!("expected String, got {}", describe_json(other)),
                ))
            }
        };
        if let Some(id) = &given_id {
            if !valid_id(id) {
                return Err(cx.err("E-D012", "data.id", &msg_id_invalid(id)));
            }
        }
        let id = match (&ti.key, ti.is_edge) {
            (Some(k), false) => {
                let key_text = values
                    .get(k)
                    .and_then(|v| v.canonical_key_text())
                    .unwrap_or_default();
                if !valid_id(&key_text) {
                    return Err(cx.err("E-D012", &format!("data.{k}"), &msg_id_invalid(&key_text)));
                }
                if let Some(id) = &given_id {
                    if *id != key_text {
                        return Err(cx.err(
                            "E-D012",
                            "data.id",
                            &msg_id_key_mismatch(&ti.name, id, k, &key_text),
                        ));
                    }
                }
                Some(key_text)
            }
            _ => given_id,
        };
        Ok(Some(Record {
            line,
            table_key: ti.table_key(),
            type_name: ti.name.clone(),
            kind: if ti.is_edge {
                EntityKind::Edge
            } else {
                EntityKind::Node
            },
            id,
            from,
            to,
            values,
            embed_pending,
        }))
    }

    /// A node id for an edge endpoint: a string, or a value of the endpoint's key type
    /// converted to canonical text.
    fn endpoint_id(
        &self,
        v: &serde_json::Value,
        node: &str,
    ) -> Result<String, (&'static str, String)> {
        let id = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => {
                return Err((
                    "E-D013",
                    format!("the endpoint must be a `{node}` id, got null"),
                ))
            }
            other => {
                let key = self.schema.key_type(node);
                let converted = key
                    .as_ref()
                    .and_then(|k| coerce(other, &k.core).ok())
                    .and_then(|x| x.canonical_key_text());
                match converted {
                    Some(t) => t,
                    None => {
                        return Err((
                            "E-V003",
                            format!(
                                "expected a `{node}` id (String), got {}",
                                describe_json(other)
                            ),
                        ))
                    }
                }
            }
        };
        if !valid_id(&id) {
            return Err(("E-D012", msg_id_invalid(&id)));
        }
        Ok(id)
    }
}

/// Does a numeric value lie within inclusive bounds (integers compared exactly)?
pub fn in_range(v: &Value, lo: Option<Bound>, hi: Option<Bound>) -> bool {
    let exact: Option<i128> = match v {
        Value::I32(x) => Some(i128::from(*x)),
        Value::I64(x) => Some(i128::from(*x)),
        Value::U32(x) => Some(i128::from(*x)),
        Value::U64(x) => Some(i128::from(*x)),
        _ => None,
    };
    let f = match v {
        Value::F32(x) => f64::from(*x),
        Value::F64(x) => *x,
        _ => exact.map(|i| i as f64).unwrap_or(0.0),
    };
    let above = |b: Bound| match (exact, b) {
        (Some(i), Bound::Int(bi)) => i >= bi,
        _ => f >= b.as_f64(),
    };
    let below = |b: Bound| match (exact, b) {
        (Some(i), Bound::Int(bi)) => i <= bi,
        _ => f <= b.as_f64(),
    };
    if exact.is_none() && !matches!(v, Value::F32(_) | Value::F64(_)) {
        return true;
    }
    lo.is_none_or(above) && hi.is_none_or(below)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders() {
        assert_eq!(
            msg_card("WorksAt", 0, Some(1), "Person", "ann", 2),
            "@card(0..1) on WorksAt violated: Person `ann` would have 2 edges (max 1)"
        );
        assert_eq!(
            msg_unique(
                "Company",
                &["name".into()],
                &[Value::String("Acme".into())],
                "acme"
            ),
            "@unique(name) on Company violated: \"Acme\" is already used by `acme`"
        );
        assert_eq!(
            msg_unique(
                "Blocks",
                &["src".into(), "dst".into()],
                &[Value::String("T-1".into()), Value::String("T-2".into())],
                "b1"
            ),
            "@unique(src, dst) on Blocks violated: (\"T-1\", \"T-2\") is already used by `b1`"
        );
        assert_eq!(
            msg_endpoint_prefix("Blocks", "to", &msg_endpoint_missing("Ticket", "T-7")),
            "Blocks `to`: Ticket `T-7` does not exist"
        );
        assert_eq!(
            line_message(1, "to", &msg_endpoint_missing("Agent", "zed@corp.io")),
            "line 1, `to`: Agent `zed@corp.io` does not exist"
        );
        assert_eq!(
            line_only_message(2, &msg_exists("Agent", "kim@corp.io")),
            "line 2: Agent `kim@corp.io` already exists"
        );
        assert_eq!(
            msg_range("Ticket", "priority", "1..5", &Value::I32(7)),
            "@range(1..5) on Ticket.priority violated by 7"
        );
        assert_eq!(
            msg_check("Ticket", "ref", "X-9", "^T-[0-9]+$"),
            "@check on Ticket.ref violated: \"X-9\" does not match ^T-[0-9]+$"
        );
        assert!(in_range(
            &Value::I32(3),
            Some(Bound::Int(1)),
            Some(Bound::Int(5))
        ));
        assert!(!in_range(
            &Value::I32(9),
            Some(Bound::Int(1)),
            Some(Bound::Int(5))
        ));
        assert!(in_range(&Value::F64(0.5), None, Some(Bound::Float(1.0))));
    }
}
