//! Acceptance tests for the schema language: the worked example schemas (A, B and C, in
//! `tests/fixtures`) compile to the expected catalogs and Arrow schemas, and schema errors
//! carry the documented codes (docs/reference/diagnostics.md, "Codes") at the documented
//! positions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use arrow_schema::{DataType, Field, Schema, TimeUnit};
use omnigraph_lang::catalog::{compile_schema, Cardinality, Catalog, TypeKind};
use omnigraph_lang::span::SourceText;
use std::collections::HashMap;
use std::sync::Arc;

pub const SCHEMA_A: &str = include_str!("fixtures/schema_a.pg");

pub const SCHEMA_B: &str = include_str!("fixtures/schema_b.pg");

pub const SCHEMA_C: &str = include_str!("fixtures/schema_c.pg");

fn compile(src: &str) -> Catalog {
    let out = compile_schema(src, None);
    let text = SourceText::new("test.pg", src);
    assert!(
        out.diagnostics.is_empty(),
        "{}",
        out.diagnostics.render(&text)
    );
    out.catalog.expect("catalog")
}

fn f(name: &str, dt: DataType, nullable: bool) -> Field {
    Field::new(name, dt, nullable)
}

#[test]
fn schema_a_compiles() {
    let c = compile(SCHEMA_A);
    let person = c.node("Person").unwrap();
    assert_eq!(person.table_key(), "node:Person");
    assert_eq!(person.key.as_deref(), Some("handle"));
    assert_eq!(
        person.description.as_deref(),
        Some("A member of the network")
    );
    assert_eq!(
        person.arrow_schema(),
        Schema::new(vec![
            f("id", DataType::Utf8, false),
            f("age", DataType::Int32, true),
            f("handle", DataType::Utf8, false),
            f("name", DataType::Utf8, false),
            f(
                "tags",
                DataType::List(Arc::new(Field::new("item", DataType::Utf8, false))),
                true
            ),
        ])
    );
    let company = c.node("Company").unwrap();
    assert_eq!(company.constraints.unique, vec![vec!["name".to_string()]]);
    let mut md = HashMap::new();
    md.insert(
        "enum_values".to_string(),
        "fintech,health,retail".to_string(),
    );
    assert_eq!(
        company.arrow_schema().field_with_name("sector").unwrap(),
        &f("sector", DataType::Utf8, false).with_metadata(md)
    );
    let works = c.edge("worksAt").unwrap();
    assert_eq!(works.name, "WorksAt");
    assert_eq!(works.table_key(), "edge:WorksAt");
    assert_eq!(
        works.card,
        Some(Cardinality {
            min: 0,
            max: Some(1)
        })
    );
    assert_eq!(
        (works.from.as_deref(), works.to.as_deref()),
        (Some("Person"), Some("Company"))
    );
    assert_eq!(
        works.arrow_schema(),
        Schema::new(vec![
            f("id", DataType::Utf8, false),
            f("src", DataType::Utf8, false),
            f("dst", DataType::Utf8, false),
            f("role", DataType::Utf8, true),
        ])
    );
    let knows = c.edge("KNOWS").unwrap();
    assert_eq!(knows.cardinality(), Some(Cardinality { min: 0, max: None }));
    assert_eq!(
        knows
            .arrow_schema()
            .field_with_name("since")
            .unwrap()
            .data_type(),
        &DataType::Date32
    );
    let touching: Vec<&str> = c
        .edges_touching("Person")
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(touching, vec!["Knows", "WorksAt"]);
    assert_eq!(c.edges_touching("Company").len(), 1);
    assert!(c.node("person").is_none());
    assert_eq!(
        c.by_table_key("edge:Knows").map(|t| t.kind),
        Some(TypeKind::Edge)
    );
    assert_eq!(c.hash.len(), 64);
    assert_eq!(c.hash, c.schema_hash());
}

#[test]
fn schema_b_compiles() {
    let c = compile(SCHEMA_B);
    let doc = c.node("Doc").unwrap();
    assert_eq!(
        doc.constraints.index,
        vec![vec!["body".to_string()], vec!["emb".to_string()]]
    );
    assert_eq!(
        doc.arrow_schema(),
        Schema::new(vec![
            f("id", DataType::Utf8, false),
            f("body", DataType::Utf8, false),
            f(
                "emb",
                DataType::FixedSizeList(Arc::new(Field::new("item", DataType::Float32, false)), 3),
                false
            ),
            f("slug", DataType::Utf8, false),
        ])
    );
    let wrote = c.edge("wrote").unwrap();
    assert!(wrote.properties.is_empty());
    assert_eq!(wrote.arrow_schema().fields().len(), 3);
}

#[test]
fn schema_c_compiles() {
    let c = compile(SCHEMA_C);
    let t = c.node("Ticket").unwrap();
    assert_eq!(t.implements, vec!["Stamped".to_string()]);
    assert_eq!(
        t.instruction.as_deref(),
        Some("Use priority 1 only for outages")
    );
    assert_eq!(
        t.arrow_schema(),
        Schema::new(vec![
            f("id", DataType::Utf8, false),
            f(
                "created",
                DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
                false
            ),
            f("due", DataType::Date32, true),
            f("priority", DataType::Int32, false),
            f("ref", DataType::Utf8, false),
            f("status", DataType::Utf8, false).with_metadata(HashMap::from([(
                "enum_values".to_string(),
                "closed,open".to_string()
            )])),
            f("title", DataType::Utf8, false),
        ])
    );
    assert_eq!(t.constraints.range.len(), 1);
    assert_eq!(t.constraints.range[0].bounds_text(), "1..5");
    assert!(t.constraints.range[0].contains_int(5) && !t.constraints.range[0].contains_int(7));
    assert!(t.constraints.check[0].matches("T-12"));
    assert!(!t.constraints.check[0].matches("X-9"));
    let blocks = c.edge("blocks").unwrap();
    assert_eq!(
        blocks.constraints.unique,
        vec![vec!["src".to_string(), "dst".to_string()]]
    );
    assert!(c.interface("Stamped").is_some());
    // catalog JSON round trip
    let json = c.to_json().unwrap();
    let back = Catalog::from_json(&json).unwrap();
    assert_eq!(back, c);
    assert!(back.node("Agent").unwrap().constraints.check[0].matches("kim@corp.io"));
}

#[test]
fn canonical_form_ignores_order_format_and_comments() {
    let a = compile(SCHEMA_A);
    let reordered = r#"
// the same schema, reordered and reformatted
edge WorksAt: Person -> Company @card(0..1) { role: String? }
edge Knows: Person -> Person {
    since: Date?   /* optional */
}
node Company { sector: enum(retail, health, fintech) name: String slug: String
  @key(slug) @unique(name) }
node Person @description("A member of the network") {
    tags: [String]?
    age: I32?
    name: String
    handle: String @key
}
"#;
    let b = compile(reordered);
    assert_eq!(a.canonical_text(), b.canonical_text());
    assert_eq!(a.hash, b.hash);
    let changed = compile(&SCHEMA_A.replace("age: I32?", "age: I64?"));
    assert_ne!(changed.hash, a.hash);
}

#[test]
fn canonical_text_shape() {
    let c = compile(SCHEMA_C);
    let text = c.canonical_text();
    assert!(
        text.starts_with("interface Stamped {\n    created: DateTime\n}\n"),
        "{text}"
    );
    assert!(
        text.contains("edge AssignedTo: Ticket -> Agent @card(0..1) {\n}\n"),
        "{text}"
    );
    assert!(text.contains("    priority: I32\n"), "{text}");
    assert!(text.contains("    @range(priority, 1..5)\n"), "{text}");
    assert!(text.contains("    @key(ref)\n"), "{text}");
}

#[test]
fn type_ids_are_stable_and_survive_renames() {
    let a = compile(SCHEMA_A);
    let a2 = compile(SCHEMA_A);
    let pid = &a.node("Person").unwrap().type_id;
    assert_eq!(pid.len(), 12);
    assert!(pid
        .chars()
        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    assert_eq!(pid, &a2.node("Person").unwrap().type_id);
    assert_ne!(pid, &a.node("Company").unwrap().type_id);
    let renamed = SCHEMA_A
        .replace(
            "node Person @description",
            "node Member @rename_from(\"Person\") @description",
        )
        .replace("Person ->", "Member ->")
        .replace("-> Person", "-> Member");
    let evolved = Catalog::compile_evolved(&renamed, &a).unwrap();
    assert_eq!(&evolved.node("Member").unwrap().type_id, pid);
    // a new type that reuses the old name gets a fresh, different id
    let reuse = format!("{renamed}\nnode Person {{ x: I32 }}");
    let evolved2 = Catalog::compile_evolved(&reuse, &evolved).unwrap();
    assert_eq!(&evolved2.node("Member").unwrap().type_id, pid);
    assert_ne!(&evolved2.node("Person").unwrap().type_id, pid);
}

#[test]
fn warnings_do_not_block_compilation() {
    let out = compile_schema("node A @uniqe { x: String @key @unique }", None);
    assert!(out.catalog.is_some());
    let codes: Vec<_> = out.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, vec!["W-S001", "W-S002"]);
    let first = out.diagnostics.iter().next().unwrap();
    assert_eq!(first.help.as_deref(), Some("did you mean `@unique`?"));
}

#[test]
fn all_errors_are_reported_in_source_order() {
    let src = "node A { x: Strng }\nnode B { id: I32 }\nedge E: A -> Nope\nnode a { y: I32 }\n";
    let out = compile_schema(src, None);
    assert!(out.catalog.is_none());
    let text = SourceText::new("s.pg", src);
    let got: Vec<String> = out
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code, text.line_col(d.span.start)))
        .collect();
    assert_eq!(
        got,
        vec![
            "E-P002 1:13",
            "E-S005 2:10",
            "E-S003 3:14",
            "E-P007 4:6",
            "E-S001 4:6"
        ]
    );
}
