//! Diagnostic codes the engine raises (committed state, whole-input checks, run time): each
//! code of `omnigraph_lang::codes::ENGINE_RAISED` is triggered here through the engine, with
//! the position it is reported at (line:col in the query, or the line of the data). The
//! language crate's own suite covers every other code; together they cover the table of
//! docs/reference/diagnostics.md, "Codes".
//! Also: the embedding provider (`@embed` on mutate and load, `nearest` with a text query).

use std::collections::BTreeSet;
use std::sync::Arc;

use omnigraph_engine::embedding::HttpEmbeddingProvider;
use omnigraph_engine::{Engine, EngineError, LoadMode, QueryLimits, ReadTarget};
use omnigraph_manifest::{BranchName, GraphId};
use omnigraph_tests::embedding_server::{bag_of_words, EmbeddingBehaviour, EmbeddingServer};
use serde_json::{json, Value};

use crate::engine_core::{graph, local_engine};

const SCHEMA: &str = r#"
node Note {
    slug: String @key
    body: String
    emb: Vector(8) @embed(body)
    score: I64?
    tag: String? @unique
}
node User { name: String @key }
edge Owns: User -> Note @card(0..1)
"#;

const DATA: &str = r#"{"type":"User","data":{"name":"ann"}}
{"type":"User","data":{"name":"bob"}}
{"type":"Note","data":{"slug":"n1","body":"red apples","emb":[1,0,0,0,0,0,0,0],"score":9223372036854775807,"tag":"t1"}}
{"type":"Note","data":{"slug":"n2","body":"green pears","emb":[0,1,0,0,0,0,0,0],"score":1}}
{"edge":"Owns","from":"ann","to":"n1"}
"#;

/// Codes with an engine case in this module.
const ENGINE_CASES: &[&str] = &[
    "E-D009", "E-D010", "E-D011", "E-D014", "E-D015", "E-R001", "E-R002", "E-R003", "E-R004",
    "E-R005",
];

/// Codes raised by the engine whose case is not written yet (must shrink to empty).
const ENGINE_PENDING: &[&str] = &[];

#[test]
fn every_engine_raised_code_has_an_engine_case() {
    let raised: BTreeSet<&str> = omnigraph_lang::codes::ENGINE_RAISED
        .iter()
        .copied()
        .collect();
    let cases: BTreeSet<&str> = ENGINE_CASES.iter().chain(ENGINE_PENDING).copied().collect();
    assert_eq!(raised, cases, "ENGINE_RAISED and the engine cases differ");
    for c in ENGINE_PENDING {
        assert!(!ENGINE_CASES.contains(c), "{c} is both pending and covered");
    }
}

/// `(code, line, col)` of the first diagnostic of a `bad_request`.
fn located(err: &EngineError) -> (String, u64, u64) {
    let EngineError::BadRequest { diagnostics, .. } = err else {
        panic!("expected bad_request, got {err:?}");
    };
    let d = &diagnostics[0];
    (
        d["code"].as_str().unwrap().to_string(),
        d["line"].as_u64().unwrap(),
        d["col"].as_u64().unwrap(),
    )
}

fn at(code: &str, line: u64, col: u64) -> (String, u64, u64) {
    (code.to_string(), line, col)
}

async fn setup(engine: &Engine) -> GraphId {
    let g = graph("diag");
    engine.init(&g, SCHEMA, "t").await.unwrap();
    load(engine, &g, DATA, LoadMode::Overwrite).await.unwrap();
    g
}

async fn load(
    engine: &Engine,
    g: &GraphId,
    data: &str,
    mode: LoadMode,
) -> Result<u64, EngineError> {
    engine
        .load(g, &BranchName::main(), None, data.to_string(), mode, "t")
        .await
        .map(|o| o.version)
}

async fn mutate(
    engine: &Engine,
    g: &GraphId,
    src: &str,
    params: Value,
) -> Result<u64, EngineError> {
    engine
        .mutate(g, &BranchName::main(), src, None, Some(&params), "t")
        .await
        .map(|o| o.version)
}

async fn query(
    engine: &Engine,
    g: &GraphId,
    src: &str,
    params: Value,
) -> Result<Value, EngineError> {
    engine
        .query(
            g,
            &ReadTarget::Branch(BranchName::main()),
            src,
            None,
            Some(&params),
            &QueryLimits::default(),
        )
        .await
        .map(|r| r.to_json())
}

async fn head_version(engine: &Engine, g: &GraphId) -> u64 {
    engine
        .snapshot(g, &ReadTarget::Branch(BranchName::main()))
        .await
        .unwrap()
        .version
}

fn with_provider(engine: Engine, server: &EmbeddingServer) -> Engine {
    let p = HttpEmbeddingProvider::new(server.url.clone(), "stand-in", Some("k".into())).unwrap();
    engine.with_embedding(Arc::new(p))
}

#[tokio::test]
async fn data_codes_are_reported_where_the_input_breaks_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = setup(&engine).await;
    let before = head_version(&engine, &g).await;

    // E-D009: `tag` is @unique and n1 already has "t1" (statement on line 2, col 5)
    let e = mutate(
        &engine,
        &g,
        "query q() {\n    insert Note { slug: \"n3\", body: \"b\", emb: [0,0,1,0,0,0,0,0], tag: \"t1\" }\n}",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(located(&e), at("E-D009", 2, 5), "{e}");
    assert!(e.to_string().contains("t1"), "{e}");

    // E-D011: Owns is @card(0..1) per user and ann already owns n1
    let e = mutate(
        &engine,
        &g,
        "query q() {\n  insert Owns { from: \"ann\", to: \"n2\" }\n}",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(located(&e), at("E-D011", 2, 3), "{e}");
    assert!(e.to_string().contains("ann"), "{e}");

    // E-D010: the edge on line 2 names a user that does not exist
    let e = load(
        &engine,
        &g,
        "{\"type\":\"User\",\"data\":{\"name\":\"cid\"}}\n{\"edge\":\"Owns\",\"from\":\"zed\",\"to\":\"n2\"}",
        LoadMode::Append,
    )
    .await
    .unwrap_err();
    assert_eq!(located(&e), at("E-D010", 2, 1), "{e}");

    // E-D015: append of an id that is committed already (line 2)
    let e = load(
        &engine,
        &g,
        "{\"type\":\"User\",\"data\":{\"name\":\"cid\"}}\n{\"type\":\"User\",\"data\":{\"name\":\"bob\"}}",
        LoadMode::Append,
    )
    .await
    .unwrap_err();
    assert_eq!(located(&e), at("E-D015", 2, 1), "{e}");

    // E-D014: overwriting User with bob alone orphans ann's Owns edge (the User records
    // start on line 2, after a blank line)
    let e = load(
        &engine,
        &g,
        "\n{\"type\":\"User\",\"data\":{\"name\":\"bob\"}}",
        LoadMode::Overwrite,
    )
    .await
    .unwrap_err();
    assert_eq!(located(&e), at("E-D014", 2, 1), "{e}");

    assert_eq!(
        head_version(&engine, &g).await,
        before,
        "a rejection moved the head"
    );
}

#[tokio::test]
async fn run_time_codes_point_at_the_offending_argument() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = setup(&engine).await;

    // E-R003: i64::MAX + 1 overflows `sum` (the call on line 3, col 12)
    let e = query(
        &engine,
        &g,
        "query total() {\n  match { $n: Note }\n  return { sum($n.score) as s }\n}",
        json!({}),
    )
    .await
    .unwrap_err();
    assert_eq!(located(&e), at("E-R003", 3, 12), "{e}");

    // E-R004: a zero query vector (the parameter on line 4, col 27)
    let src = "query near($q: Vector(8)) {\n  match { $n: Note }\n  return { $n.slug }\n  order { nearest($n.emb, $q) }\n  limit 1\n}";
    let e = query(&engine, &g, src, json!({"q": [0, 0, 0, 0, 0, 0, 0, 0]}))
        .await
        .unwrap_err();
    assert_eq!(located(&e), at("E-R004", 4, 27), "{e}");

    // E-R005: fuzzy edits 3 (the parameter on line 2, col 45)
    let src = "query f($e: I64) {\n  match { $n: Note  fuzzy($n.body, \"aples\", $e) }\n  return { $n.slug }\n}";
    let e = query(&engine, &g, src, json!({"e": 3})).await.unwrap_err();
    assert_eq!(located(&e), at("E-R005", 2, 45), "{e}");
    let ok = query(&engine, &g, src, json!({"e": 1})).await.unwrap();
    assert_eq!(ok["rows"], json!([{"n.slug": "n1"}]));

    // E-R005: rrf k = 0 (the parameter on line 4, col 58)
    let src = "query r($q: Vector(8), $k: I64) {\n  match { $n: Note }\n  return { $n.slug }\n  order { rrf(nearest($n.emb, $q), bm25($n.body, \"red\"), $k) }\n  limit 2\n}";
    let e = query(
        &engine,
        &g,
        src,
        json!({"q": [1, 0, 0, 0, 0, 0, 0, 0], "k": 0}),
    )
    .await
    .unwrap_err();
    assert_eq!(located(&e), at("E-R005", 4, 58), "{e}");
}

#[tokio::test]
async fn embedding_codes_without_a_provider_with_a_failing_one_and_a_wrong_dimension() {
    let insert = "query add($s: String, $b: String) {\n   insert Note { slug: $s, body: $b }\n}";
    let near = "query near($t: String) {\n  match { $n: Note }\n  return { $n.slug }\n  order { nearest($n.emb, $t) }\n  limit 1\n}";
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = setup(&engine).await;
    let before = head_version(&engine, &g).await;

    // no provider: E-R001 at the statement, at the query argument, at the data line
    let e = mutate(&engine, &g, insert, json!({"s": "n9", "b": "x"}))
        .await
        .unwrap_err();
    assert_eq!(located(&e), at("E-R001", 2, 4), "{e}");
    let e = query(&engine, &g, near, json!({"t": "apples"}))
        .await
        .unwrap_err();
    assert_eq!(located(&e), at("E-R001", 4, 27), "{e}");
    let e = load(
        &engine,
        &g,
        "{\"type\":\"User\",\"data\":{\"name\":\"cid\"}}\n{\"type\":\"Note\",\"data\":{\"slug\":\"n9\",\"body\":\"x\"}}",
        LoadMode::Append,
    )
    .await
    .unwrap_err();
    assert_eq!(located(&e), at("E-R001", 2, 1), "{e}");

    // a failing provider: E-R001 naming the provider's answer
    let failing = EmbeddingServer::start(EmbeddingBehaviour::Fail)
        .await
        .unwrap();
    let engine = with_provider(local_engine(dir.path()).await, &failing);
    let e = mutate(&engine, &g, insert, json!({"s": "n9", "b": "x"}))
        .await
        .unwrap_err();
    assert_eq!(located(&e), at("E-R001", 2, 4), "{e}");
    assert!(e.to_string().contains("500"), "{e}");
    assert_eq!(failing.requests(), 1);

    // a provider of the wrong dimension: E-R002 on every path
    let wrong = EmbeddingServer::start(EmbeddingBehaviour::Dimension(5))
        .await
        .unwrap();
    let engine = with_provider(local_engine(dir.path()).await, &wrong);
    let e = mutate(&engine, &g, insert, json!({"s": "n9", "b": "x"}))
        .await
        .unwrap_err();
    assert_eq!(located(&e), at("E-R002", 2, 4), "{e}");
    assert!(e.to_string().contains("5 dimensions"), "{e}");
    let e = query(&engine, &g, near, json!({"t": "apples"}))
        .await
        .unwrap_err();
    assert_eq!(located(&e), at("E-R002", 4, 27), "{e}");
    let e = load(
        &engine,
        &g,
        "{\"type\":\"Note\",\"data\":{\"slug\":\"n9\",\"body\":\"x\"}}",
        LoadMode::Append,
    )
    .await
    .unwrap_err();
    assert_eq!(located(&e), at("E-R002", 1, 1), "{e}");

    assert_eq!(
        head_version(&engine, &g).await,
        before,
        "a rejection moved the head"
    );
}

#[tokio::test]
async fn a_provider_embeds_inserts_updates_loads_and_text_queries() {
    let server = EmbeddingServer::start(EmbeddingBehaviour::Dimension(8))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = with_provider(local_engine(dir.path()).await, &server);
    let g = graph("emb");
    engine.init(&g, SCHEMA, "t").await.unwrap();

    // one provider request for the whole load (three records, one batch)
    let data = r#"{"type":"Note","data":{"slug":"fruit","body":"red apples and ripe pears"}}
{"type":"Note","data":{"slug":"cars","body":"fast cars on wet roads"}}
{"type":"Note","data":{"slug":"given","body":"anything","emb":[0,0,0,0,0,0,0,1]}}"#;
    load(&engine, &g, data, LoadMode::Overwrite).await.unwrap();
    assert_eq!(server.requests(), 1);

    let stored = query(
        &engine,
        &g,
        "query all() { match { $n: Note } return { $n.slug, $n.emb } order { $n.slug } }",
        json!({}),
    )
    .await
    .unwrap();
    let emb_of = |slug: &str| {
        stored["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["n.slug"] == slug)
            .unwrap()["n.emb"]
            .clone()
    };
    assert_eq!(
        emb_of("fruit"),
        json!(bag_of_words("red apples and ripe pears", 8))
    );
    assert_eq!(
        emb_of("given"),
        json!([0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]),
        "a supplied vector is stored as given"
    );

    // a text query is embedded once per execution and ranks by meaning of the stand-in
    let near = "query near($t: String) {\n  match { $n: Note }\n  return { $n.slug }\n  order { nearest($n.emb, $t) }\n  limit 1\n}";
    let r = query(&engine, &g, near, json!({"t": "wet roads"}))
        .await
        .unwrap();
    assert_eq!(r["rows"], json!([{"n.slug": "cars"}]));
    assert_eq!(server.requests(), 2);

    // an update of the source recomputes the vector; an insert computes it
    mutate(
        &engine,
        &g,
        "query u() { update Note set { body: \"wet roads at night\" } where slug = \"fruit\" }",
        json!({}),
    )
    .await
    .unwrap();
    mutate(
        &engine,
        &g,
        "query i() { insert Note { slug: \"more\", body: \"red apples\" } }",
        json!({}),
    )
    .await
    .unwrap();
    let stored = query(
        &engine,
        &g,
        "query all() { match { $n: Note } return { $n.slug, $n.emb } order { $n.slug } }",
        json!({}),
    )
    .await
    .unwrap();
    let emb_of = |slug: &str| {
        stored["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["n.slug"] == slug)
            .unwrap()["n.emb"]
            .clone()
    };
    assert_eq!(
        emb_of("fruit"),
        json!(bag_of_words("wet roads at night", 8))
    );
    assert_eq!(emb_of("more"), json!(bag_of_words("red apples", 8)));
}
