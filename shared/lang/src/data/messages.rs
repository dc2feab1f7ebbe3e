//! The message builders of every E-D code, shared with the engine's multi-row checks and
//! mutations.

use super::MAX_ID_BYTES;
use crate::query::schema_view::Bound;
use crate::schema::value::{quote_truncated, Value};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{in_range, line_message, line_only_message};

    #[test]
    pub(super) fn builders() {
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
