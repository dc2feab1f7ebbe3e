//! The single-line JSONL validator: a line's JSON shape, its type, id, endpoints and
//! property values, first error wins.

use super::messages::{
    bounds_text, msg_check, msg_id_invalid, msg_id_key_mismatch, msg_range_line,
    msg_required_missing, msg_unknown_property,
};
use super::{line_message, line_only_message, Record, MAX_ID_BYTES};
use crate::diagnostics::diagnostic::{did_you_mean, Diagnostic};
use crate::diagnostics::span::{to_u32, Span};
use crate::query::ir::EntityKind;
use crate::query::params::{coerce, describe_json};
use crate::query::schema_view::{Bound, SchemaIndex, TypeInfo};
use crate::schema::catalog::Catalog;
use crate::schema::value::{quote_truncated, Value};
use std::collections::BTreeMap;

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
