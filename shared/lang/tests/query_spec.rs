//! Acceptance tests for the query language: every query of the worked examples (over the
//! schemas in `tests/fixtures`) parses, typechecks and lowers; every error case named there
//! yields its code at its place.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use omnigraph_lang::catalog::Catalog;
use omnigraph_lang::diagnostic::Diagnostic;
use omnigraph_lang::ir::{self, ExpandDirection, Plan};
use omnigraph_lang::params::bind_params;
use omnigraph_lang::span::SourceText;
use omnigraph_lang::value::Value;
use omnigraph_lang::{check_file, lower, TypedQuery};
use serde_json::json;

pub const SCHEMA_A: &str = include_str!("fixtures/schema_a.pg");

pub const SCHEMA_B: &str = include_str!("fixtures/schema_b.pg");

pub const SCHEMA_C: &str = include_str!("fixtures/schema_c.pg");

fn catalog(src: &str) -> Catalog {
    Catalog::compile(src).unwrap_or_else(|d| panic!("schema: {d:?}"))
}

fn errors(diags: &[Diagnostic]) -> Vec<&Diagnostic> {
    diags.iter().filter(|d| d.is_error()).collect()
}

/// Checks a one-query file that must be error-free; returns it.
fn ok(schema: &str, gq: &str) -> TypedQuery {
    let cat = catalog(schema);
    let (qs, diags) = check_file(&cat, gq);
    let errs = errors(&diags);
    assert!(errs.is_empty(), "unexpected errors for\n{gq}\n{errs:#?}");
    assert_eq!(qs.len(), 1, "{gq}");
    qs.into_iter().next().unwrap()
}

fn read(schema: &str, gq: &str) -> ir::ReadPlan {
    match lower(&ok(schema, gq)) {
        Plan::Read(r) => r,
        Plan::Mutation(_) => panic!("expected a read"),
    }
}

fn mutation(schema: &str, gq: &str) -> ir::MutationPlan {
    match lower(&ok(schema, gq)) {
        Plan::Mutation(m) => m,
        Plan::Read(_) => panic!("expected a mutation"),
    }
}

/// Asserts that checking `gq` reports `code` at `line:col`; returns the diagnostic.
fn err_at(schema: &str, gq: &str, code: &str, line: u32, col: u32) -> Diagnostic {
    let cat = catalog(schema);
    let (_, diags) = check_file(&cat, gq);
    let src = SourceText::new("q.gq", gq);
    let found: Vec<(String, String)> = diags
        .iter()
        .map(|d| (d.code.to_string(), src.line_col(d.span.start).to_string()))
        .collect();
    diags
        .into_iter()
        .find(|d| {
            let lc = src.line_col(d.span.start);
            d.code == code && lc.line == line && lc.col == col
        })
        .unwrap_or_else(|| panic!("expected {code} at {line}:{col} in\n{gq}\nfound {found:?}"))
}

fn columns(p: &ir::ReadPlan) -> Vec<&str> {
    p.projections.iter().map(|c| c.name.as_str()).collect()
}

// ---------------------------------------------------------------------------------------------
// Schema A

#[test]
fn a1_order_nulls_first_tie_break() {
    let gq = "query people_by_age() {\n    match { $p: Person }\n    return { $p.handle, $p.age }\n    order { $p.age asc }\n}\n";
    let p = read(SCHEMA_A, gq);
    assert_eq!(columns(&p), ["p.handle", "p.age"]);
    assert_eq!(p.order.len(), 1);
    assert!(!p.order[0].descending);
    assert!(matches!(&p.tie_break, ir::TieBreak::VarIds(v) if v == &[0]));
    assert_eq!(p.vars[0].table, "node:Person");
    let p = read(SCHEMA_A, &gq.replace("asc", "desc"));
    assert!(p.order[0].descending);
}

#[test]
fn a2_forward_traversal() {
    let gq = "query friends_of($h: String) {\n    match {\n        $p: Person { handle: $h }\n        $p knows $f\n    }\n    return { $f.handle, $f.name }\n}\n";
    let p = read(SCHEMA_A, gq);
    assert_eq!(columns(&p), ["f.handle", "f.name"]);
    let e = &p.pattern.expansions[0];
    assert_eq!(e.edge_table, "edge:Knows");
    assert_eq!(e.direction, ExpandDirection::Out);
    assert_eq!(e.from, ir::VarRef::Outer(0));
    assert_eq!(e.to, Some(ir::VarRef::Outer(1)));
    let scan = &p.pattern.scans[0];
    assert!(matches!(
        &scan.predicates[0],
        ir::ScanPredicate::Compare { prop, value: ir::Operand::Param(n), .. } if prop == "handle" && n == "h"
    ));
}

#[test]
fn a3_reverse_direction_inferred() {
    let gq = "query staff_of($slug: String) {\n    match {\n        $c: Company { slug: $slug }\n        $c worksAt $p\n    }\n    return { $p.handle }\n}\n";
    let p = read(SCHEMA_A, gq);
    let e = &p.pattern.expansions[0];
    assert_eq!(e.direction, ExpandDirection::In);
    assert_eq!(e.edge_type, "WorksAt");
    assert_eq!(p.vars[1].type_name, "Person");
}

#[test]
fn a4_edge_variable() {
    let gq = "query roles() {\n    match { $p $w:worksAt $c }\n    return { $p.handle, $c.slug, $w.role }\n    order { $w.role desc }\n}\n";
    let p = read(SCHEMA_A, gq);
    assert_eq!(columns(&p), ["p.handle", "c.slug", "w.role"]);
    let names: Vec<&str> = p.vars.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["p", "w", "c"]);
    assert_eq!(p.vars[1].kind, ir::EntityKind::Edge);
    assert_eq!(p.pattern.expansions[0].edge_var, Some(ir::VarRef::Outer(1)));
    assert_eq!(p.pattern.expansions[0].direction, ExpandDirection::Out);
    assert!(p.order[0].descending);
}

#[test]
fn a5_variable_length() {
    let gq = "query reach($h: String) {\n    match {\n        $p: Person { handle: $h }\n        $p knows{1,3} $q\n    }\n    return { $q.handle }\n}\n";
    let p = read(SCHEMA_A, gq);
    let e = &p.pattern.expansions[0];
    assert_eq!((e.min_hops, e.max_hops), (1, 3));
    let p = read(SCHEMA_A, &gq.replace("{1,3}", "{2,3}"));
    assert_eq!(p.pattern.expansions[0].min_hops, 2);
}

#[test]
fn a6_negation_anonymous_endpoint() {
    let gq = "query unemployed() {\n    match {\n        $p: Person\n        not { $p worksAt $_ }\n    }\n    return { $p.handle }\n}\n";
    let p = read(SCHEMA_A, gq);
    assert_eq!(p.pattern.anti_joins.len(), 1);
    let aj = &p.pattern.anti_joins[0];
    assert!(aj.vars.is_empty());
    let e = &aj.pattern.expansions[0];
    assert_eq!(e.from, ir::VarRef::Outer(0));
    assert_eq!(e.to, None);
    assert_eq!(e.direction, ExpandDirection::Out);
}

#[test]
fn a7_grouping() {
    let gq = "query headcount() {\n    match { $p worksAt $c }\n    return { $c.name, count($p) as staff, avg($p.age) as avg_age }\n    order { staff desc }\n}\n";
    let p = read(SCHEMA_A, gq);
    assert_eq!(columns(&p), ["c.name", "staff", "avg_age"]);
    let agg = p.aggregate.as_ref().unwrap();
    assert_eq!(agg.group_keys, [0]);
    assert_eq!(agg.aggregates, [1, 2]);
    assert!(matches!(p.order[0].expr, ir::Expr::Column { index: 1 }));
    assert!(matches!(&p.tie_break, ir::TieBreak::GroupKeys(k) if k == &[0]));
}

#[test]
fn a8_global_aggregate_and_strict_params() {
    let gq = "query older_than($min: I32) {\n    match {\n        $p: Person\n        $p.age > $min\n    }\n    return { count($p) as n, max($p.age) as oldest }\n}\n";
    let q = ok(SCHEMA_A, gq);
    let Plan::Read(p) = lower(&q) else { panic!() };
    assert_eq!(columns(&p), ["n", "oldest"]);
    assert!(p.aggregate.as_ref().unwrap().group_keys.is_empty());
    assert!(matches!(
        &p.pattern.scans[0].predicates[0],
        ir::ScanPredicate::Compare {
            op: omnigraph_lang::query::ast::CmpOp::Gt,
            ..
        }
    ));
    let bound = bind_params(&q.params, q.name_span, Some(&json!({"min": 100}))).unwrap();
    assert_eq!(bound["min"], Value::I32(100));
    let e = bind_params(&q.params, q.name_span, Some(&json!({"min": "30"}))).unwrap_err();
    assert_eq!(e[0].code, "E-V003");
    assert_eq!(
        e[0].message,
        "parameter `$min`: expected I32, got string \"30\""
    );
    let src = SourceText::new("q.gq", gq);
    assert_eq!(src.line_col(e[0].span.start).to_string(), "1:18");
}

#[test]
fn a9_list_membership() {
    let gq = "query tagged($t: String) {\n    match { $p: Person { tags: $t } }\n    return { $p.handle }\n}\n";
    let p = read(SCHEMA_A, gq);
    assert!(
        matches!(&p.pattern.scans[0].predicates[0], ir::ScanPredicate::ListContains { prop, .. } if prop == "tags")
    );
    let gq2 = "query tagged($t: String) {\n    match { $p: Person  $p.tags contains $t }\n    return { $p.handle }\n}\n";
    let p2 = read(SCHEMA_A, gq2);
    assert!(
        matches!(&p2.pattern.scans[0].predicates[0], ir::ScanPredicate::ListContains { prop, .. } if prop == "tags")
    );
}

#[test]
fn a10_mixed_mutation() {
    let gq = "query onboard($h: String, $n: String, $co: String) {\n    insert Person { handle: $h, name: $n }\n    insert WorksAt { from: $h, to: $co, role: \"intern\" }\n    update Person set { age: 22 } where handle = $h\n}\n";
    let m = mutation(SCHEMA_A, gq);
    assert_eq!(m.statements.len(), 3);
    assert!(
        matches!(&m.statements[0], ir::Statement::Insert { key: Some(k), .. } if k == "handle")
    );
    assert!(
        matches!(&m.statements[1], ir::Statement::Insert { from: Some(ir::Operand::Param(f)), to: Some(ir::Operand::Param(t)), entity: ir::EntityKind::Edge, .. } if f == "h" && t == "co")
    );
    match &m.statements[2] {
        ir::Statement::Update {
            assignments,
            conditions,
            ..
        } => {
            assert_eq!(
                assignments[0].value,
                Some(ir::Operand::Literal(Value::I32(22)))
            );
            assert_eq!(conditions.len(), 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a11_delete_and_insert() {
    let gq = "query move_job($h: String, $co: String) {\n    delete WorksAt where from = $h\n    insert WorksAt { from: $h, to: $co }\n}\n";
    let m = mutation(SCHEMA_A, gq);
    assert!(
        matches!(&m.statements[0], ir::Statement::Delete { table, .. } if table == "edge:WorksAt")
    );
    assert!(matches!(&m.statements[1], ir::Statement::Insert { .. }));
}

#[test]
fn a12_cascade_delete() {
    let gq = "query remove_person($h: String) {\n    delete Person where handle = $h\n}\n";
    let m = mutation(SCHEMA_A, gq);
    assert!(matches!(
        &m.statements[0],
        ir::Statement::Delete {
            entity: ir::EntityKind::Node,
            ..
        }
    ));
}

#[test]
fn a13_upsert() {
    let gq = "query put_person($h: String, $n: String, $age: I32?) {\n    insert Person { handle: $h, name: $n, age: $age }\n}\n";
    let q = ok(SCHEMA_A, gq);
    let p = bind_params(
        &q.params,
        q.name_span,
        Some(&json!({"h": "bob", "n": "Robert"})),
    )
    .unwrap();
    assert_eq!(p["age"], Value::Null);
}

#[test]
fn a14_keys_are_immutable() {
    let gq = "query rename_handle($old: String, $new: String) {\n    update Person set { handle: $new } where handle = $old\n}\n";
    let d = err_at(SCHEMA_A, gq, "E-T016", 2, 25);
    assert_eq!(
        d.message,
        "cannot assign `handle`: it is the @key of `Person`"
    );
    assert_eq!(
        d.help.as_deref(),
        Some("delete the node and insert it again")
    );
}

#[test]
fn a15_insert_company() {
    let gq = "query add_company($s: String, $n: String) {\n    insert Company { slug: $s, name: $n, sector: \"retail\" }\n}\n";
    let m = mutation(SCHEMA_A, gq);
    match &m.statements[0] {
        ir::Statement::Insert { assignments, .. } => {
            assert_eq!(
                assignments[2].value,
                Some(ir::Operand::Literal(Value::String("retail".into())))
            );
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Schema B

#[test]
fn b1_text_predicates() {
    for pred in [
        "search($d.body, $q)",
        "match_text($d.body, $q)",
        "fuzzy($d.body, $q, 1)",
        "fuzzy($d.body, $q, 0)",
    ] {
        let gq = format!("query text($q: String) {{\n    match {{ $d: Doc  {pred} }}\n    return {{ $d.slug }}\n}}\n");
        let p = read(SCHEMA_B, &gq);
        assert!(
            matches!(&p.pattern.scans[0].predicates[0], ir::ScanPredicate::Text(t) if t.prop == "body"),
            "{pred}"
        );
    }
}

#[test]
fn b2_bm25_ranking() {
    let gq = "query ranked($q: String) {\n    match { $d: Doc }\n    return { $d.slug, bm25($d.body, $q) as score }\n    order { score }\n}\n";
    let p = read(SCHEMA_B, gq);
    let r = p.ranking.as_ref().unwrap();
    assert!(matches!(r.expr, ir::Expr::Bm25 { .. }));
    assert_eq!(r.column, Some(1));
    assert!(p.order.is_empty());
}

#[test]
fn b3_nearest_requires_limit() {
    let gq = "query similar($v: Vector(3)) {\n    match { $d: Doc }\n    return { $d.slug, nearest($d.emb, $v) as dist }\n    order { dist }\n    limit 3\n}\n";
    let p = read(SCHEMA_B, gq);
    assert!(matches!(
        p.ranking.as_ref().unwrap().expr,
        ir::Expr::Nearest { dim: 3, .. }
    ));
    assert_eq!(p.limit, Some(3));
    let no_limit = gq.replace("    limit 3\n", "");
    err_at(SCHEMA_B, &no_limit, "E-T017", 4, 13);
}

#[test]
fn b4_rrf() {
    let gq = "query hybrid($v: Vector(3), $q: String) {\n    match { $d: Doc }\n    return { $d.slug, rrf(nearest($d.emb, $v), bm25($d.body, $q)) as score }\n    order { score }\n    limit 3\n}\n";
    let p = read(SCHEMA_B, gq);
    match &p.ranking.as_ref().unwrap().expr {
        ir::Expr::Rrf { r1, r2, k, .. } => {
            assert!(matches!(**r1, ir::Expr::Nearest { .. }));
            assert!(matches!(**r2, ir::Expr::Bm25 { .. }));
            assert_eq!(*k, ir::Operand::Literal(Value::I64(60)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn b5_search_on_destination() {
    let gq = "query authors_on($q: String) {\n    match {\n        $a: Author\n        $a wrote $d\n        search($d.body, $q)\n    }\n    return { $a.name, $d.slug }\n}\n";
    let p = read(SCHEMA_B, gq);
    assert!(matches!(
        &p.pattern.scans[1].predicates[0],
        ir::ScanPredicate::Text(_)
    ));
}

// ---------------------------------------------------------------------------------------------
// Schema C

#[test]
fn c1_now_and_dates() {
    let gq = "query timeline() {\n    match {\n        $t: Ticket\n        $t.created < now()\n    }\n    return { $t.ref, $t.status, $t.created, $t.due }\n    order { $t.created desc }\n}\n";
    let p = read(SCHEMA_C, gq);
    assert!(matches!(
        &p.pattern.scans[0].predicates[0],
        ir::ScanPredicate::Compare {
            value: ir::Operand::Now,
            ..
        }
    ));
}

#[test]
fn c2_negation_with_local_variable() {
    let gq = "query unblocked() {\n    match {\n        $t: Ticket { status: \"open\" }\n        not { $b blocks $t  $b.status = \"open\" }\n    }\n    return { $t.ref }\n}\n";
    let p = read(SCHEMA_C, gq);
    let aj = &p.pattern.anti_joins[0];
    assert_eq!(aj.vars.len(), 1);
    assert_eq!(aj.vars[0].name, "b");
    assert_eq!(aj.pattern.scans.len(), 1);
    assert_eq!(
        aj.pattern.scans[0].var,
        ir::VarRef::Local { depth: 1, index: 0 }
    );
    assert_eq!(
        aj.pattern.expansions[0].from,
        ir::VarRef::Local { depth: 1, index: 0 }
    );
    let bad = gq.replace("\"open\" }\n        not", "\"opne\" }\n        not");
    err_at(SCHEMA_C, &bad, "E-T007", 3, 30);
}

#[test]
fn c3_insert_edge() {
    let gq = "query block($a: String, $b: String) {\n    insert Blocks { from: $a, to: $b }\n}\n";
    mutation(SCHEMA_C, gq);
}

#[test]
fn c4_row_checks_and_strict_params() {
    let gq = "query open_ticket($ref: String, $title: String, $p: I32) {\n    insert Ticket { ref: $ref, title: $title, priority: $p, status: \"open\", created: now() }\n}\n";
    let q = ok(SCHEMA_C, gq);
    let e = bind_params(
        &q.params,
        q.name_span,
        Some(&json!({"ref":"T-9","title":"Printer jam","p":"2"})),
    )
    .unwrap_err();
    assert_eq!(e[0].code, "E-V003");
    assert_eq!(
        e[0].message,
        "parameter `$p`: expected I32, got string \"2\""
    );
    let e = bind_params(
        &q.params,
        q.name_span,
        Some(&json!({"ref":"T-9","title":"Printer jam"})),
    )
    .unwrap_err();
    assert_eq!(e[0].code, "E-V001");
    assert_eq!(e[0].message, "parameter `$p` is required");
    let no_created = gq.replace(", created: now()", "");
    let d = err_at(SCHEMA_C, &no_created, "E-T012", 2, 12);
    assert!(d.message.contains("`created`"), "{}", d.message);
}

#[test]
fn c5_update_and_delete() {
    let gq = "query close_ticket($ref: String) {\n    update Ticket set { status: \"closed\" } where ref = $ref\n    delete AssignedTo where from = $ref\n}\n";
    let m = mutation(SCHEMA_C, gq);
    assert_eq!(m.statements.len(), 2);
}

#[test]
fn whole_file_with_many_queries() {
    let gq = "query a() { match { $p: Person } return { $p } }\nquery b() { match { $c: Company } return { $c.slug } }\n";
    let cat = catalog(SCHEMA_A);
    let (qs, diags) = check_file(&cat, gq);
    assert!(errors(&diags).is_empty(), "{diags:?}");
    assert_eq!(qs.len(), 2);
    assert_eq!(qs[0].columns, ["p"]);
}

// ---------------------------------------------------------------------------------------------
// Parser recovery and diagnostics order

#[test]
fn recovery_continues_at_the_next_query_in_source_order() {
    let gq = "query a() { match { $p: Person } return { $p. } }\nquery b() { match { $p: Persn } return { $p } }\nquery c() { match { $p: Person } return { $p } }\nquery d() { match { $p Person } return { $p } }\n";
    let cat = catalog(SCHEMA_A);
    let (qs, diags) = check_file(&cat, gq);
    let src = SourceText::new("q.gq", gq);
    let codes: Vec<String> = diags
        .iter()
        .map(|d| format!("{} {}", d.code, src.line_col(d.span.start)))
        .collect();
    assert_eq!(codes, ["E-P002 1:47", "E-T001 2:25", "E-P002 4:24"]);
    assert_eq!(qs.len(), 1);
    assert_eq!(qs[0].name, "c");
}

#[test]
fn wrong_case_and_reserved_names() {
    let d = err_at(
        SCHEMA_A,
        "query q() { match { $p: person } return { $p } }",
        "E-P007",
        1,
        25,
    );
    assert_eq!(d.help.as_deref(), Some("write `Person`"));
    err_at(
        SCHEMA_A,
        "query not() { match { $p: Person } return { $p } }",
        "E-P008",
        1,
        7,
    );
    err_at(
        SCHEMA_A,
        "query q() { match { $p: Person } return { $p as asc } }",
        "E-P008",
        1,
        49,
    );
    err_at(
        SCHEMA_A,
        "query q() { match { $p: Person } return { $p } insert Person { handle: \"x\" } }",
        "E-P002",
        1,
        48,
    );
}

#[test]
fn json_plan_is_serializable() {
    let gq = "query hybrid($v: Vector(3), $q: String) {\n    match { $d: Doc }\n    return { $d.slug, rrf(nearest($d.emb, $v), bm25($d.body, $q)) as score }\n    order { score }\n    limit 3\n}\n";
    let plan = lower(&ok(SCHEMA_B, gq));
    let j = serde_json::to_value(&plan).unwrap();
    assert_eq!(j["kind"], "read");
    assert_eq!(j["limit"], 3);
}

// ---------------------------------------------------------------------------------------------
// JSONL (docs/reference/data.md, "Records" and the first step of "Validation order")

const DATA_A: &str = r#"{"type":"Person","data":{"handle":"ann","name":"Ann","age":34,"tags":["rust","go"]}}
{"type":"Person","data":{"handle":"bob","name":"Bob","age":27,"tags":["go"]}}
{"type":"Person","data":{"handle":"cat","name":"Cat"}}
{"type":"Person","data":{"handle":"dan","name":"Dan","age":41,"tags":["rust"]}}
{"type":"Person","data":{"handle":"eve","name":"Eve","age":27,"tags":[]}}
{"type":"Company","data":{"slug":"acme","name":"Acme","sector":"fintech"}}
{"type":"Company","data":{"slug":"globex","name":"Globex","sector":"health"}}
{"type":"Company","data":{"slug":"initech","name":"Initech","sector":"retail"}}
{"edge":"Knows","from":"ann","to":"bob","data":{"id":"k1","since":"2020-05-01"}}
{"edge":"Knows","from":"ann","to":"cat","data":{"id":"k2"}}
{"edge":"Knows","from":"bob","to":"dan","data":{"id":"k3","since":"2021-01-10"}}
{"edge":"Knows","from":"cat","to":"dan","data":{"id":"k4","since":"2019-03-15"}}
{"edge":"Knows","from":"dan","to":"ann","data":{"id":"k5"}}
{"edge":"WorksAt","from":"ann","to":"acme","data":{"id":"w1","role":"cto"}}
{"edge":"WorksAt","from":"bob","to":"acme","data":{"id":"w2"}}
{"edge":"WorksAt","from":"dan","to":"globex","data":{"id":"w3","role":"analyst"}}
"#;

const DATA_B: &str = r#"{"type":"Doc","data":{"slug":"d1","body":"Graph databases store nodes and edges","emb":[1.0,0.0,0.0]}}
{"type":"Doc","data":{"slug":"d2","body":"Vector search finds nearest neighbors","emb":[0.8,0.6,0.0]}}

{"type":"Author","data":{"name":"ada"}}
{"edge":"Wrote","from":"ada","to":"d1"}
"#;

const DATA_C: &str = r#"{"type":"Agent","data":{"email":"kim@corp.io","team":"support"}}
{"type":"Ticket","data":{"ref":"T-1","title":"Login down","priority":1,"status":"open","created":"2024-03-01T09:30:00Z","due":"2024-03-02"}}
{"type":"Ticket","data":{"ref":"T-3","title":"Typo on invoice","priority":5,"status":"closed","created":"2024-02-20T08:00:00+01:00","due":"2024-02-25"}}
{"edge":"AssignedTo","from":"T-1","to":"kim@corp.io","data":{"id":"a1"}}
{"edge":"Blocks","from":"T-1","to":"T-2","data":{"id":"b1"}}
"#;

fn load(schema: &str, data: &str) -> Vec<Result<Option<omnigraph_lang::data::Record>, Diagnostic>> {
    let v = omnigraph_lang::data::JsonlValidator::new(&catalog(schema));
    let mut offset = 0u32;
    let mut out = Vec::new();
    for (i, line) in data.split('\n').enumerate() {
        out.push(v.parse_line(i + 1, line, offset));
        offset += line.len() as u32 + 1;
    }
    out
}

#[test]
fn jsonl_datasets_validate() {
    for (schema, data) in [(SCHEMA_A, DATA_A), (SCHEMA_B, DATA_B), (SCHEMA_C, DATA_C)] {
        for r in load(schema, data) {
            assert!(r.is_ok(), "{r:?}");
        }
    }
    let recs = load(SCHEMA_C, DATA_C);
    let t3 = recs[2].as_ref().unwrap().as_ref().unwrap();
    assert_eq!(t3.id.as_deref(), Some("T-3"));
    assert_eq!(t3.table_key, "node:Ticket");
    assert_eq!(
        t3.values["created"].to_json(),
        json!("2024-02-20T07:00:00.000Z")
    );
    let a1 = recs[3].as_ref().unwrap().as_ref().unwrap();
    assert_eq!(
        (a1.from.as_deref(), a1.to.as_deref()),
        (Some("T-1"), Some("kim@corp.io"))
    );
    let cat = load(SCHEMA_A, DATA_A);
    let c = cat[2].as_ref().unwrap().as_ref().unwrap();
    assert_eq!(c.values["age"], Value::Null);
    assert!(load(SCHEMA_B, DATA_B)[2].as_ref().unwrap().is_none());
}

#[test]
fn c6_unknown_property_message() {
    let r = load(
        SCHEMA_C,
        r#"{"type":"Agent","data":{"email":"zoe@corp.io","teem":"billing"}}"#,
    );
    let d = r[0].as_ref().unwrap_err();
    assert_eq!(d.code, "E-D004");
    assert_eq!(
        d.message,
        "line 1, `data.teem`: unknown property of `Agent`"
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `team`?"));
}

#[test]
fn jsonl_line_checks() {
    let r = load(SCHEMA_C, "\n\n{\"type\":\"Ticket\",\"data\":{\"ref\":\"T-1\",\"title\":\"x\",\"priority\":9,\"status\":\"open\",\"created\":0}}");
    let d = r[2].as_ref().unwrap_err();
    assert_eq!(d.code, "E-D007");
    assert_eq!(
        d.message,
        "line 3, `data.priority`: @range(1..5) on Ticket violated by 9"
    );
    let r = load(
        SCHEMA_A,
        r#"{"type":"Person","data":{"handle":"x","name":"X","age":"30"}}"#,
    );
    let d = r[0].as_ref().unwrap_err();
    assert_eq!(d.code, "E-V003");
    assert_eq!(
        d.message,
        "line 1, `data.age`: expected I32, got string \"30\""
    );
    let r = load(
        SCHEMA_A,
        r#"{"type":"Company","data":{"slug":"x","name":"X","sector":"Retail"}}"#,
    );
    assert_eq!(r[0].as_ref().unwrap_err().code, "E-D006");
    let r = load(
        SCHEMA_A,
        r#"{"edge":"knows","from":"a","to":"b","extra":1}"#,
    );
    assert_eq!(r[0].as_ref().unwrap_err().code, "E-D002");
    let r = load(SCHEMA_A, r#"{"edge":"knows","from":"a","to":"b"}"#);
    assert_eq!(r[0].as_ref().unwrap().as_ref().unwrap().type_name, "Knows");
}
