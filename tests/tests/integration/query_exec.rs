//! Read query execution: the worked read examples on the three example schemas (`fixtures.rs`;
//! exact rows in exact order), error cases, reads at commits/versions and the warm-read request
//! budget.

use std::collections::BTreeMap;

use omnigraph_engine::{
    records_to_batch, AppendRows, Engine, EngineError, QueryLimits, QueryResult, ReadTarget,
};
use omnigraph_lang::data::{JsonlValidator, Record};
use omnigraph_manifest::{BranchName, GraphId};
use serde_json::{json, Value};

use crate::fixtures::{
    graph, local_engine, main_target, DATA_A, DATA_B, DATA_C, SCHEMA_A, SCHEMA_B, SCHEMA_C,
};

/// Creates graph `name` with `schema` and appends `jsonl` (one write per table).
pub(crate) async fn fixture(engine: &Engine, name: &str, schema: &str, jsonl: &str) -> GraphId {
    let g = graph(name);
    engine.init(&g, schema, "test").await.unwrap();
    let catalog = omnigraph_engine::compile_schema(schema, "s.pg").unwrap();
    let validator = JsonlValidator::new(&catalog);
    let mut by_table: BTreeMap<String, Vec<Record>> = BTreeMap::new();
    let mut offset = 0u32;
    for (i, line) in jsonl.lines().enumerate() {
        if let Some(rec) = validator.parse_line(i + 1, line, offset).unwrap() {
            by_table.entry(rec.table_key.clone()).or_default().push(rec);
        }
        offset += line.len() as u32 + 1;
    }
    for (key, records) in by_table {
        let ty = catalog.by_table_key(&key).unwrap();
        let batch = records_to_batch(ty, &records).unwrap();
        engine
            .execute_write(
                &g,
                &BranchName::main(),
                "test",
                &AppendRows {
                    table_key: key,
                    batch,
                },
            )
            .await
            .unwrap();
    }
    g
}

async fn run(engine: &Engine, g: &GraphId, src: &str, params: Value) -> QueryResult {
    engine
        .query(
            g,
            &main_target(),
            src,
            None,
            Some(&params),
            &QueryLimits::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("query failed: {e:?}"))
}

async fn rows(engine: &Engine, g: &GraphId, src: &str, params: Value) -> Vec<Value> {
    run(engine, g, src, params)
        .await
        .rows
        .into_iter()
        .map(Value::Object)
        .collect()
}

async fn query_err(engine: &Engine, g: &GraphId, src: &str, params: Value) -> EngineError {
    match engine
        .query(
            g,
            &main_target(),
            src,
            None,
            Some(&params),
            &QueryLimits::default(),
        )
        .await
    {
        Ok(r) => panic!("expected an error, got {:?}", r.rows),
        Err(e) => e,
    }
}

/// The (code, message) pairs of a bad_request.
fn diag_codes(err: &EngineError) -> Vec<(String, String)> {
    match err {
        EngineError::BadRequest { diagnostics, .. } => diagnostics
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap_or_default().to_string(),
                    d["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect(),
        other => panic!("expected bad_request, got {other:?}"),
    }
}

fn col(rows: &[Value], name: &str) -> Vec<Value> {
    rows.iter().map(|r| r[name].clone()).collect()
}

fn assert_close(rows: &[Value], name: &str, expected: &[f64]) {
    let got: Vec<f64> = rows.iter().map(|r| r[name].as_f64().unwrap()).collect();
    assert_eq!(got.len(), expected.len(), "{rows:?}");
    for (g, e) in got.iter().zip(expected) {
        assert!(
            (g - e).abs() < 1e-6,
            "{name}: got {got:?}, expected {expected:?}"
        );
    }
}

const A1: &str = "query people_by_age() {
    match { $p: Person }
    return { $p.handle, $p.age }
    order { $p.age asc }
}";

#[tokio::test]
async fn query_exec_a1_order_nulls_first_and_tie_break() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = fixture(&engine, "a", SCHEMA_A, DATA_A).await;
    let r = rows(&engine, &g, A1, json!({})).await;
    assert_eq!(
        r,
        vec![
            json!({"p.handle":"cat","p.age":null}),
            json!({"p.handle":"bob","p.age":27}),
            json!({"p.handle":"eve","p.age":27}),
            json!({"p.handle":"ann","p.age":34}),
            json!({"p.handle":"dan","p.age":41}),
        ]
    );
    let desc = A1.replace("$p.age asc", "$p.age desc");
    let r = rows(&engine, &g, &desc, json!({})).await;
    assert_eq!(
        col(&r, "p.handle"),
        vec![
            json!("dan"),
            json!("ann"),
            json!("bob"),
            json!("eve"),
            json!("cat")
        ]
    );
    let full = run(&engine, &g, A1, json!({})).await;
    assert_eq!(full.columns, vec!["p.handle", "p.age"]);
    assert_eq!(full.snapshot.branch, BranchName::main());
    let batch = full.to_record_batch().unwrap();
    assert_eq!(batch.num_rows(), 5);
    assert_eq!(
        batch.schema().field(1).data_type(),
        &arrow_schema::DataType::Int32
    );
}

#[tokio::test]
async fn query_exec_a2_a3_a4_traversals() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = fixture(&engine, "a", SCHEMA_A, DATA_A).await;
    let a2 = "query friends_of($h: String) {
        match {
            $p: Person { handle: $h }
            $p knows $f
        }
        return { $f.handle, $f.name }
    }";
    assert_eq!(
        rows(&engine, &g, a2, json!({"h": "ann"})).await,
        vec![
            json!({"f.handle":"bob","f.name":"Bob"}),
            json!({"f.handle":"cat","f.name":"Cat"}),
        ]
    );
    let a3 = "query staff_of($slug: String) {
        match {
            $c: Company { slug: $slug }
            $c worksAt $p
        }
        return { $p.handle }
    }";
    assert_eq!(
        rows(&engine, &g, a3, json!({"slug": "acme"})).await,
        vec![json!({"p.handle":"ann"}), json!({"p.handle":"bob"})]
    );
    let a4 = "query roles() {
        match { $p $w:worksAt $c }
        return { $p.handle, $c.slug, $w.role }
        order { $w.role desc }
    }";
    assert_eq!(
        rows(&engine, &g, a4, json!({})).await,
        vec![
            json!({"p.handle":"ann","c.slug":"acme","w.role":"cto"}),
            json!({"p.handle":"dan","c.slug":"globex","w.role":"analyst"}),
            json!({"p.handle":"bob","c.slug":"acme","w.role":null}),
        ]
    );
}

#[tokio::test]
async fn query_exec_a5_variable_length() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = fixture(&engine, "a", SCHEMA_A, DATA_A).await;
    let a5 = "query reach($h: String) {
        match {
            $p: Person { handle: $h }
            $p knows{1,3} $q
        }
        return { $q.handle }
    }";
    let r = rows(&engine, &g, a5, json!({"h": "ann"})).await;
    assert_eq!(
        col(&r, "q.handle"),
        vec![json!("bob"), json!("cat"), json!("dan")]
    );
    let r = rows(
        &engine,
        &g,
        &a5.replace("{1,3}", "{2,3}"),
        json!({"h": "ann"}),
    )
    .await;
    assert_eq!(col(&r, "q.handle"), vec![json!("dan")]);
    let r = rows(&engine, &g, a5, json!({"h": "eve"})).await;
    assert!(r.is_empty(), "{r:?}");
}

#[tokio::test]
async fn query_exec_a6_a7_a8_a9_negation_aggregates_lists() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = fixture(&engine, "a", SCHEMA_A, DATA_A).await;
    let a6 = "query unemployed() {
        match {
            $p: Person
            not { $p worksAt $_ }
        }
        return { $p.handle }
    }";
    assert_eq!(
        rows(&engine, &g, a6, json!({})).await,
        vec![json!({"p.handle":"cat"}), json!({"p.handle":"eve"})]
    );
    let a7 = "query headcount() {
        match { $p worksAt $c }
        return { $c.name, count($p) as staff, avg($p.age) as avg_age }
        order { staff desc }
    }";
    assert_eq!(
        rows(&engine, &g, a7, json!({})).await,
        vec![
            json!({"c.name":"Acme","staff":2,"avg_age":30.5}),
            json!({"c.name":"Globex","staff":1,"avg_age":41.0}),
        ]
    );
    let a8 = "query older_than($min: I32) {
        match {
            $p: Person
            $p.age > $min
        }
        return { count($p) as n, max($p.age) as oldest }
    }";
    assert_eq!(
        rows(&engine, &g, a8, json!({"min": 100})).await,
        vec![json!({"n":0,"oldest":null})]
    );
    assert_eq!(
        rows(&engine, &g, a8, json!({"min": 30})).await,
        vec![json!({"n":2,"oldest":41})]
    );
    let err = query_err(&engine, &g, a8, json!({"min": "30"})).await;
    assert_eq!(
        diag_codes(&err),
        vec![(
            "E-V003".to_string(),
            "parameter `$min`: expected I32, got string \"30\"".to_string()
        )]
    );
    let a9 = "query tagged($t: String) {
        match { $p: Person { tags: $t } }
        return { $p.handle }
    }";
    assert_eq!(
        rows(&engine, &g, a9, json!({"t": "rust"})).await,
        vec![json!({"p.handle":"ann"}), json!({"p.handle":"dan"})]
    );
    let a9b = "query tagged($t: String) {
        match { $p: Person  $p.tags contains $t }
        return { $p.handle }
    }";
    assert_eq!(
        rows(&engine, &g, a9b, json!({"t": "rust"})).await,
        vec![json!({"p.handle":"ann"}), json!({"p.handle":"dan"})]
    );
}

// the spec's expected scores are written as decimals (0.693147 is ln 2)
#[allow(clippy::approx_constant)]
#[tokio::test]
async fn query_exec_b_search_and_ranking() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = fixture(&engine, "b", SCHEMA_B, DATA_B).await;
    let b1 = |pred: &str| {
        format!(
            "query text($q: String) {{
                match {{ $d: Doc  {pred} }}
                return {{ $d.slug }}
            }}"
        )
    };
    let cases: [(&str, &str, &[&str]); 5] = [
        ("search($d.body, $q)", "graph", &["d1", "d3"]),
        ("search($d.body, $q)", "pasta GRAPH", &["d1", "d3", "d4"]),
        ("match_text($d.body, $q)", "vector search", &["d2"]),
        ("fuzzy($d.body, $q, 1)", "neighbours", &["d2"]),
        ("fuzzy($d.body, $q, 0)", "neighbours", &[]),
    ];
    for (pred, q, expected) in cases {
        let r = rows(&engine, &g, &b1(pred), json!({"q": q})).await;
        let expected: Vec<Value> = expected.iter().map(|s| json!(s)).collect();
        assert_eq!(col(&r, "d.slug"), expected, "{pred} {q}");
    }

    let b2 = "query ranked($q: String) {
        match { $d: Doc }
        return { $d.slug, bm25($d.body, $q) as score }
        order { score }
    }";
    let r = rows(&engine, &g, b2, json!({"q": "graph search"})).await;
    assert_eq!(
        col(&r, "d.slug"),
        vec![json!("d3"), json!("d2"), json!("d1")]
    );
    assert_close(&r, "score", &[1.386294, 0.693147, 0.640724]);

    let b3 = "query similar($v: Vector(3)) {
        match { $d: Doc }
        return { $d.slug, nearest($d.emb, $v) as dist }
        order { dist }
        limit 3
    }";
    let r = rows(&engine, &g, b3, json!({"v": [1, 0, 0]})).await;
    assert_eq!(
        col(&r, "d.slug"),
        vec![json!("d1"), json!("d2"), json!("d3")]
    );
    assert_close(&r, "dist", &[0.0, 0.2, 1.0]);
    let err = query_err(
        &engine,
        &g,
        &b3.replace("limit 3", ""),
        json!({"v": [1, 0, 0]}),
    )
    .await;
    assert_eq!(diag_codes(&err)[0].0, "E-T017");

    let b4 = "query hybrid($v: Vector(3), $q: String) {
        match { $d: Doc }
        return { $d.slug, rrf(nearest($d.emb, $v), bm25($d.body, $q)) as score }
        order { score }
        limit 3
    }";
    let r = rows(
        &engine,
        &g,
        b4,
        json!({"v": [1, 0, 0], "q": "graph search"}),
    )
    .await;
    assert_eq!(
        col(&r, "d.slug"),
        vec![json!("d1"), json!("d3"), json!("d2")]
    );
    assert_close(&r, "score", &[0.032266, 0.032266, 0.032258]);

    let b5 = "query authors_on($q: String) {
        match {
            $a: Author
            $a wrote $d
            search($d.body, $q)
        }
        return { $a.name, $d.slug }
    }";
    assert_eq!(
        rows(&engine, &g, b5, json!({"q": "graph"})).await,
        vec![
            json!({"a.name":"ada","d.slug":"d1"}),
            json!({"a.name":"lin","d.slug":"d3"}),
        ]
    );
}

#[tokio::test]
async fn query_exec_c1_c2_time_and_local_negation() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = fixture(&engine, "c", SCHEMA_C, DATA_C).await;
    let c1 = "query timeline() {
        match {
            $t: Ticket
            $t.created < now()
        }
        return { $t.ref, $t.status, $t.created, $t.due }
        order { $t.created desc }
    }";
    assert_eq!(
        rows(&engine, &g, c1, json!({})).await,
        vec![
            json!({"t.ref":"T-2","t.status":"open","t.created":"2024-03-02T14:00:00.250Z","t.due":null}),
            json!({"t.ref":"T-1","t.status":"open","t.created":"2024-03-01T09:30:00.000Z","t.due":"2024-03-02"}),
            json!({"t.ref":"T-3","t.status":"closed","t.created":"2024-02-20T07:00:00.000Z","t.due":"2024-02-25"}),
        ]
    );
    let c2 = r#"query unblocked() {
        match {
            $t: Ticket { status: "open" }
            not { $b blocks $t  $b.status = "open" }
        }
        return { $t.ref }
    }"#;
    assert_eq!(
        rows(&engine, &g, c2, json!({})).await,
        vec![json!({"t.ref":"T-1"})]
    );
    let err = query_err(
        &engine,
        &g,
        &c2.replace("\"open\" }", "\"opne\" }"),
        json!({}),
    )
    .await;
    assert_eq!(diag_codes(&err)[0].0, "E-T007");
}

#[tokio::test]
async fn query_exec_errors() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = fixture(&engine, "a", SCHEMA_A, DATA_A).await;
    // unknown type
    let err = query_err(
        &engine,
        &g,
        "query q() { match { $p: Persn } return { $p } }",
        json!({}),
    )
    .await;
    assert_eq!(diag_codes(&err)[0].0, "E-T001");
    assert_eq!(err.code(), "bad_request");
    // hop bounds
    for bounds in ["{0,2}", "{3,2}", "{1,}"] {
        let src =
            format!("query q() {{ match {{ $p: Person  $p knows{bounds} $q }} return {{ $q }} }}");
        let err = query_err(&engine, &g, &src, json!({})).await;
        assert_eq!(diag_codes(&err)[0].0, "E-T015", "{bounds}");
    }
    // an engine cap on hops
    let src = "query q() { match { $p: Person  $p knows{1,40} $q } return { $q } }";
    let err = query_err(&engine, &g, src, json!({})).await;
    assert_eq!(diag_codes(&err)[0].0, "E-T015");
    // named queries
    let two = "query a() { match { $p: Person } return { $p } }
               query b() { match { $c: Company } return { $c } }";
    let err = engine
        .query(
            &g,
            &main_target(),
            two,
            Some("nope"),
            None,
            &QueryLimits::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_found");
    let err = engine
        .query(&g, &main_target(), two, None, None, &QueryLimits::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "bad_request");
    let r = engine
        .query(
            &g,
            &main_target(),
            two,
            Some("b"),
            None,
            &QueryLimits::default(),
        )
        .await
        .unwrap();
    assert_eq!(r.rows.len(), 3);
    // a mutation through query
    let m = "query m($h: String) { delete Person where handle = $h }";
    let err = query_err(&engine, &g, m, json!({"h": "ann"})).await;
    assert!(err.to_string().contains("mutate"), "{err}");
    // quotes in parameters are data, never SQL
    let a2 = "query q($h: String) { match { $p: Person { handle: $h } } return { $p.handle } }";
    for evil in ["ann' OR '1'='1", "a'b", "\\'", "ann\" OR 1=1 --"] {
        assert!(rows(&engine, &g, a2, json!({"h": evil})).await.is_empty());
    }
}

#[tokio::test]
async fn query_exec_reads_at_commit_and_version() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = fixture(&engine, "a", SCHEMA_A, DATA_A).await;
    let before = engine.snapshot(&g, &main_target()).await.unwrap();
    let catalog = omnigraph_engine::compile_schema(SCHEMA_A, "s.pg").unwrap();
    let rec = JsonlValidator::new(&catalog)
        .parse_line(
            1,
            r#"{"type":"Person","data":{"handle":"fay","name":"Fay","age":22}}"#,
            0,
        )
        .unwrap()
        .unwrap();
    let batch = records_to_batch(catalog.node("Person").unwrap(), &[rec]).unwrap();
    engine
        .execute_write(
            &g,
            &BranchName::main(),
            "test",
            &AppendRows {
                table_key: "node:Person".into(),
                batch,
            },
        )
        .await
        .unwrap();
    let count = "query n() { match { $p: Person } return { count($p) as n } }";
    let limits = QueryLimits::default();
    let now = engine
        .query(&g, &main_target(), count, None, None, &limits)
        .await
        .unwrap();
    assert_eq!(now.rows[0]["n"], json!(6));
    let at_commit = engine
        .query(
            &g,
            &ReadTarget::Commit(before.commit.clone()),
            count,
            None,
            None,
            &limits,
        )
        .await
        .unwrap();
    assert_eq!(at_commit.rows[0]["n"], json!(5));
    assert_eq!(at_commit.snapshot.commit, before.commit);
    let at_version = engine
        .query(
            &g,
            &ReadTarget::Version {
                branch: BranchName::main(),
                version: before.version,
            },
            count,
            None,
            None,
            &limits,
        )
        .await
        .unwrap();
    assert_eq!(at_version.rows[0]["n"], json!(5));
    assert_eq!(at_version.snapshot.version, before.version);
}

#[tokio::test]
async fn query_exec_budget_warm_point_lookup() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = fixture(&engine, "a", SCHEMA_A, DATA_A).await;
    let src = "query friends_of($h: String) {
        match {
            $p: Person { handle: $h }
            $p knows $f
        }
        return { $f.handle, $f.name }
    }";
    let params = json!({"h": "ann"});
    rows(&engine, &g, src, params.clone()).await;
    let start = engine.stats_start();
    let r = rows(&engine, &g, src, params).await;
    let stats = engine.stats_since(&start);
    assert_eq!(r.len(), 2);
    assert_eq!(stats.object_store.requests(), 0, "{stats:?}");
    assert_eq!(stats.manifest.read, 1, "{stats:?}");
}

#[tokio::test]
async fn query_exec_semantics_edge_cases() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    // a self-loop and a parallel edge on top of schema A's data
    let extra = "{\"edge\":\"Knows\",\"from\":\"eve\",\"to\":\"eve\",\"data\":{\"id\":\"k6\"}}\n\
                 {\"edge\":\"Knows\",\"from\":\"ann\",\"to\":\"bob\",\"data\":{\"id\":\"k7\"}}\n";
    let data = format!("{DATA_A}{extra}");
    let g = fixture(&engine, "a", SCHEMA_A, &data).await;

    // parallel edges collapse without an edge variable, and give one row each with one
    let q = "query q($h: String) { match { $p: Person { handle: $h }  $p knows $f } return { $f.handle } }";
    let r = rows(&engine, &g, q, json!({"h": "ann"})).await;
    assert_eq!(col(&r, "f.handle"), vec![json!("bob"), json!("cat")]);
    let q = "query q($h: String) { match { $p: Person { handle: $h }  $p $k:knows $f } return { $f.handle, $k.id } }";
    let r = rows(&engine, &g, q, json!({"h": "ann"})).await;
    assert_eq!(col(&r, "k.id"), vec![json!("k1"), json!("k2"), json!("k7")]);

    // a self-loop reports the source itself for min = 1 only
    let q = "query q($h: String) { match { $p: Person { handle: $h }  $p knows{1,2} $q } return { $q.handle } }";
    let r = rows(&engine, &g, q, json!({"h": "eve"})).await;
    assert_eq!(col(&r, "q.handle"), vec![json!("eve")]);
    let q2 = q.replace("{1,2}", "{2,2}");
    assert!(rows(&engine, &g, &q2, json!({"h": "eve"})).await.is_empty());

    // negation over an outer property keeps nulls (docs/reference/queries.md, "Negation")
    let q = "query q() { match { $p: Person  not { $p.age > 30 } } return { $p.handle } }";
    let r = rows(&engine, &g, q, json!({})).await;
    assert_eq!(
        col(&r, "p.handle"),
        vec![json!("bob"), json!("cat"), json!("eve")]
    );

    // != never matches null; identity comparison of two variables
    let q = "query q() { match { $p: Person  $p.age != 27 } return { $p.handle } }";
    let r = rows(&engine, &g, q, json!({})).await;
    assert_eq!(col(&r, "p.handle"), vec![json!("ann"), json!("dan")]);
    let q = "query q() { match { $a: Person  $a knows $b  $b knows $c  $a != $c } return { $a.handle, $c.handle } order { $a.handle } limit 2 }";
    let r = rows(&engine, &g, q, json!({})).await;
    assert_eq!(
        r,
        vec![
            json!({"a.handle":"ann","c.handle":"dan"}),
            json!({"a.handle":"ann","c.handle":"dan"}),
        ]
    );

    // an optional parameter that is null matches nothing
    let q = "query q($a: I32?) { match { $p: Person { age: $a } } return { $p } }";
    assert!(rows(&engine, &g, q, json!({})).await.is_empty());

    // dates on edges and nodes (evaluated in memory), edge properties in filters
    let q =
        r#"query q() { match { $a $k:knows $b  $k.since > date("2020-01-01") } return { $k.id } }"#;
    let r = rows(&engine, &g, q, json!({})).await;
    assert_eq!(col(&r, "k.id"), vec![json!("k1"), json!("k3")]);

    // literal, parameter and now() columns; entity columns
    let q = r#"query q($h: String) { match { $p: Person { handle: $h } } return { $p, $h, "x" as lit, now() as t } }"#;
    let r = rows(&engine, &g, q, json!({"h": "dan"})).await;
    assert_eq!(r[0]["p"], json!("dan"));
    assert_eq!(r[0]["h"], json!("dan"));
    assert_eq!(r[0]["lit"], json!("x"));
    assert!(r[0]["t"].as_str().unwrap().ends_with('Z'));

    // sum / min over groups, group keys ordered as the tie-break
    let q = "query q() { match { $p: Person  $p worksAt $c } return { $c.slug, sum($p.age) as total, min($p.handle) as first } }";
    assert_eq!(
        rows(&engine, &g, q, json!({})).await,
        vec![
            json!({"c.slug":"acme","total":61,"first":"ann"}),
            json!({"c.slug":"globex","total":41,"first":"dan"}),
        ]
    );
}

#[tokio::test]
async fn query_exec_runtime_errors() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = fixture(&engine, "b", SCHEMA_B, DATA_B).await;
    let near = "query q($v: Vector(3)) { match { $d: Doc } return { $d.slug, nearest($d.emb, $v) as dist } order { dist } limit 2 }";
    let err = query_err(&engine, &g, near, json!({"v": [0, 0, 0]})).await;
    assert_eq!(diag_codes(&err)[0].0, "E-R004");
    let fuzzy = "query q($q: String, $e: I64) { match { $d: Doc  fuzzy($d.body, $q, $e) } return { $d.slug } }";
    let err = query_err(&engine, &g, fuzzy, json!({"q": "graph", "e": 3})).await;
    assert_eq!(diag_codes(&err)[0].0, "E-R005");
    let r = rows(&engine, &g, fuzzy, json!({"q": "grap", "e": 1})).await;
    assert_eq!(col(&r, "d.slug"), vec![json!("d1"), json!("d3")]);
    let rrf = "query q($v: Vector(3), $q: String, $k: I64) { match { $d: Doc } return { $d.slug } order { rrf(nearest($d.emb, $v), bm25($d.body, $q), $k) } limit 2 }";
    let err = query_err(
        &engine,
        &g,
        rrf,
        json!({"v": [1, 0, 0], "q": "graph", "k": 0}),
    )
    .await;
    assert_eq!(diag_codes(&err)[0].0, "E-R005");
    let r = rows(
        &engine,
        &g,
        rrf,
        json!({"v": [1, 0, 0], "q": "graph", "k": 1}),
    )
    .await;
    assert_eq!(col(&r, "d.slug"), vec![json!("d1"), json!("d3")]);
}
