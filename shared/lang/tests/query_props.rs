//! Property tests: the query front end and the value coercions never panic, whatever the input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use omnigraph_lang::catalog::{compile_schema, Catalog};
use omnigraph_lang::data::JsonlValidator;
use omnigraph_lang::params::{bind_params, coerce};
use omnigraph_lang::span::Span;
use omnigraph_lang::types::{Core, ScalarType};
use omnigraph_lang::{check_file, lower};
use proptest::prelude::*;
use std::sync::OnceLock;

const SCHEMA: &str = r#"
node Person { handle: String @key  name: String  age: I32?  tags: [String]?  emb: Vector(3)?  born: Date? }
node Company { slug: String @key  name: String @unique  sector: enum(fintech, health) }
node Ticket { ref: String @key @check("^T-[0-9]+$")  priority: I32 @range(1..5) }
edge Knows: Person -> Person { since: Date? }
edge WorksAt: Person -> Company { role: String? }
"#;

fn catalog() -> &'static Catalog {
    static CAT: OnceLock<Catalog> = OnceLock::new();
    CAT.get_or_init(|| compile_schema(SCHEMA, None).catalog.expect("valid schema"))
}

/// Query-like token soup, so that generated inputs get past the lexer into the parser and
/// typechecker.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("query".to_string()),
        Just("q".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("match".to_string()),
        Just("return".to_string()),
        Just("order".to_string()),
        Just("limit".to_string()),
        Just("not".to_string()),
        Just("insert".to_string()),
        Just("update".to_string()),
        Just("delete".to_string()),
        Just("set".to_string()),
        Just("where".to_string()),
        Just("and".to_string()),
        Just("as".to_string()),
        Just("is".to_string()),
        Just("null".to_string()),
        Just("$p".to_string()),
        Just("$f".to_string()),
        Just("$_".to_string()),
        Just("$h".to_string()),
        Just(":".to_string()),
        Just(",".to_string()),
        Just(".".to_string()),
        Just("Person".to_string()),
        Just("Company".to_string()),
        Just("knows".to_string()),
        Just("worksAt".to_string()),
        Just("handle".to_string()),
        Just("age".to_string()),
        Just("tags".to_string()),
        Just("emb".to_string()),
        Just("String".to_string()),
        Just("I32".to_string()),
        Just("Vector(3)".to_string()),
        Just("=".to_string()),
        Just(">".to_string()),
        Just("contains".to_string()),
        Just("count".to_string()),
        Just("nearest".to_string()),
        Just("rrf".to_string()),
        Just("bm25".to_string()),
        Just("search".to_string()),
        Just("fuzzy".to_string()),
        Just("now()".to_string()),
        Just("date(\"2024-01-05\")".to_string()),
        Just("\"x\"".to_string()),
        Just("[1, 2, 3]".to_string()),
        Just("{1,3}".to_string()),
        (-5i64..5).prop_map(|i| i.to_string()),
        "[a-z$_]{1,6}".prop_map(|s| s),
    ]
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|i| serde_json::json!(i)),
        any::<u64>().prop_map(|i| serde_json::json!(i)),
        (-1e40f64..1e40).prop_map(|f| serde_json::json!(f)),
        ".{0,12}".prop_map(serde_json::Value::String),
        Just(serde_json::json!("2024-02-29T23:59:59.999+05:30")),
        Just(serde_json::json!("base64:aGk=")),
        Just(serde_json::json!("9999-12-31")),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-z]{1,3}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn core() -> impl Strategy<Value = Core> {
    prop_oneof![
        prop::sample::select(ScalarType::ALL.to_vec()).prop_map(Core::Scalar),
        prop::sample::select(ScalarType::ALL.to_vec()).prop_map(Core::List),
        (1u32..5).prop_map(Core::Vector),
        Just(Core::Enum(vec!["a".into(), "b".into()])),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn check_file_never_panics_on_arbitrary_text(src in "\\PC{0,200}") {
        let (qs, _) = check_file(catalog(), &src);
        for q in &qs {
            let _ = lower(q);
        }
    }

    #[test]
    fn check_file_never_panics_on_token_soup(toks in prop::collection::vec(token(), 0..60)) {
        let src = toks.join(" ");
        let (qs, _) = check_file(catalog(), &src);
        for q in &qs {
            let plan = lower(q);
            let _ = serde_json::to_string(&plan).unwrap();
        }
    }

    #[test]
    fn coerce_never_panics(v in json_value(), c in core()) {
        if let Ok(x) = coerce(&v, &c) {
            let _ = x.to_json();
            let _ = x.to_loadable_json();
            let _ = x.canonical_key_text();
        }
    }

    #[test]
    fn bind_params_never_panics(v in json_value()) {
        let (qs, _) = check_file(
            catalog(),
            "query q($a: I32, $b: [String]?, $v: Vector(3), $d: DateTime?) { match { $p: Person { age: $a } } return { $b, $v, $d } }",
        );
        let q = &qs[0];
        let _ = bind_params(&q.params, Span::new(0, 1), Some(&v));
    }

    #[test]
    fn jsonl_never_panics(line in "\\PC{0,120}", v in json_value()) {
        let val = JsonlValidator::new(catalog());
        let _ = val.parse_line(1, &line, 0);
        let _ = val.parse_line(2, &v.to_string(), 10);
        let rec = serde_json::json!({"type": "Person", "data": v});
        let _ = val.parse_line(3, &rec.to_string(), 20);
        let rec = serde_json::json!({"edge": "Knows", "from": "a", "to": v});
        let _ = val.parse_line(4, &rec.to_string(), 30);
    }
}
