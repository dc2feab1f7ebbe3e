//! Load validation on the resulting state (docs/reference/data.md, "Validation order", step 3)
//! and the C6 acceptance loads: each rule with a failing input asserting the code, the message
//! (type, property, value, line), an unchanged head and zero object-store PUTs; and inputs whose final state is valid only
//! because of the mode (overwrite replaces, merge upserts).

use omnigraph_engine::{Engine, EngineError, LoadMode, ReadTarget};
use omnigraph_manifest::{BranchName, GraphId};

use crate::fixtures::{loaded_graph, DATA_C, SCHEMA_A, SCHEMA_C, SOCIAL_DATA as DATA_A};

/// A schema whose edge needs at least one edge per source node.
const SCHEMA_TEAMS: &str = r#"
node Team { name: String @key }
node Player { handle: String @key  number: I32? }
edge PlaysFor: Player -> Team @card(1..2)
"#;
const DATA_TEAMS: &str = r#"{"type":"Team","data":{"name":"reds"}}
{"type":"Team","data":{"name":"blues"}}
{"type":"Player","data":{"handle":"p1"}}
{"edge":"PlaysFor","from":"p1","to":"reds","data":{"id":"f1"}}
"#;

async fn setup(dir: &std::path::Path, schema: &str, data: &str) -> (Engine, GraphId) {
    loaded_graph(dir, "rules", schema, data).await
}

async fn load(
    engine: &Engine,
    g: &GraphId,
    data: &str,
    mode: LoadMode,
) -> Result<omnigraph_engine::LoadOutcome, EngineError> {
    engine
        .load(g, &BranchName::main(), None, data.into(), mode, "test")
        .await
}

async fn head(engine: &Engine, g: &GraphId) -> (u64, String) {
    let s = engine
        .snapshot(g, &ReadTarget::Branch(BranchName::main()))
        .await
        .unwrap();
    (s.version, s.commit)
}

async fn rows(engine: &Engine, g: &GraphId, table: &str) -> u64 {
    engine
        .snapshot(g, &ReadTarget::Branch(BranchName::main()))
        .await
        .unwrap()
        .tables[table]
        .rows
}

/// Loads `data` expecting a rejection: asserts the head did not move and that no
/// object-store PUT and no manifest write happened; returns (code, message, help).
async fn rejected(
    engine: &Engine,
    g: &GraphId,
    data: &str,
    mode: LoadMode,
) -> (String, String, Option<String>) {
    let before = head(engine, g).await;
    let start = engine.stats_start();
    let err = load(engine, g, data, mode).await.unwrap_err();
    let stats = engine.stats_since(&start);
    assert_eq!(
        stats.object_store.put, 0,
        "a rejected load writes nothing: {stats:?}"
    );
    assert_eq!(stats.object_store.delete, 0, "{stats:?}");
    assert_eq!(stats.manifest.write, 0, "{stats:?}");
    assert_eq!(head(engine, g).await, before, "the head moved");
    let EngineError::BadRequest { diagnostics, .. } = &err else {
        panic!("expected bad_request, got {err:?}");
    };
    let d = &diagnostics[0];
    (
        d["code"].as_str().unwrap().to_string(),
        d["message"].as_str().unwrap().to_string(),
        d["help"].as_str().map(str::to_string),
    )
}

#[tokio::test]
async fn unique_against_committed_rows_and_within_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = setup(dir.path(), SCHEMA_A, DATA_A).await;
    let taken = r#"{"type":"Company","data":{"slug":"acme2","name":"Acme","sector":"retail"}}"#;
    for mode in [LoadMode::Append, LoadMode::Merge] {
        let (code, message, _) = rejected(&engine, &g, taken, mode).await;
        assert_eq!(code, "E-D009");
        assert_eq!(
            message,
            "line 1, `data.name`: @unique(name) on Company violated: \"Acme\" is already used by `acme`"
        );
    }
    let twice = r#"{"type":"Company","data":{"slug":"x1","name":"Umbrella","sector":"retail"}}
{"type":"Person","data":{"handle":"zed","name":"Zed"}}
{"type":"Company","data":{"slug":"x2","name":"Umbrella","sector":"health"}}"#;
    let (code, message, _) = rejected(&engine, &g, twice, LoadMode::Overwrite).await;
    assert_eq!(code, "E-D009");
    assert_eq!(
        message,
        "line 3, `data.name`: @unique(name) on Company violated: \"Umbrella\" is already used by `x1`"
    );
}

#[tokio::test]
async fn unique_respects_the_mode() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = setup(dir.path(), SCHEMA_A, DATA_A).await;
    // Merge: acme and globex swap names; each old name is released by the upsert.
    let swap = r#"{"type":"Company","data":{"slug":"acme","name":"Globex","sector":"fintech"}}
{"type":"Company","data":{"slug":"globex","name":"Acme","sector":"health"}}"#;
    load(&engine, &g, swap, LoadMode::Merge).await.unwrap();
    // Overwrite: the committed names do not count, only the input's.
    let replace = r#"{"type":"Company","data":{"slug":"acme","name":"Initech","sector":"fintech"}}
{"type":"Company","data":{"slug":"globex","name":"Acme","sector":"health"}}
{"type":"Company","data":{"slug":"initech","name":"Globex","sector":"retail"}}"#;
    load(&engine, &g, replace, LoadMode::Overwrite)
        .await
        .unwrap();
    assert_eq!(rows(&engine, &g, "node:Company").await, 3);
    // Append: the committed names do count.
    let (code, message, _) = rejected(
        &engine,
        &g,
        r#"{"type":"Company","data":{"slug":"hooli","name":"Initech","sector":"retail"}}"#,
        LoadMode::Append,
    )
    .await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "E-D009",
            "line 1, `data.name`: @unique(name) on Company violated: \"Initech\" is already used by `acme`"
        )
    );
}

#[tokio::test]
async fn composite_unique_on_edge_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = setup(dir.path(), SCHEMA_C, DATA_C).await;
    let again = r#"{"edge":"Blocks","from":"T-1","to":"T-2","data":{"id":"b2"}}"#;
    let (code, message, _) = rejected(&engine, &g, again, LoadMode::Append).await;
    assert_eq!(code, "E-D009");
    assert_eq!(
        message,
        "line 1: @unique(src, dst) on Blocks violated: (\"T-1\", \"T-2\") is already used by `b1`"
    );
    // Within one input, the second record is the offending one.
    let pair = r#"{"edge":"Blocks","from":"T-2","to":"T-3","data":{"id":"b7"}}
{"edge":"Blocks","from":"T-2","to":"T-3","data":{"id":"b8"}}"#;
    let (_, message, _) = rejected(&engine, &g, pair, LoadMode::Append).await;
    assert_eq!(
        message,
        "line 2: @unique(src, dst) on Blocks violated: (\"T-2\", \"T-3\") is already used by `b7`"
    );
    // Another pair, or the reverse direction, is fine.
    load(
        &engine,
        &g,
        r#"{"edge":"Blocks","from":"T-2","to":"T-1","data":{"id":"b3"}}"#,
        LoadMode::Append,
    )
    .await
    .unwrap();
    assert_eq!(rows(&engine, &g, "edge:Blocks").await, 2);
}

#[tokio::test]
async fn card_max_on_committed_and_loaded_edges() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = setup(dir.path(), SCHEMA_A, DATA_A).await;
    let second = r#"{"edge":"WorksAt","from":"ann","to":"globex"}"#;
    let (code, message, _) = rejected(&engine, &g, second, LoadMode::Append).await;
    assert_eq!(code, "E-D011");
    assert_eq!(
        message,
        "line 1, `from`: @card(0..1) on WorksAt violated: Person `ann` would have 2 edges (max 1)"
    );
    // Within the input: the edge that goes past the bound is named.
    let two = r#"{"type":"Person","data":{"handle":"fay","name":"Fay"}}
{"edge":"WorksAt","from":"fay","to":"acme"}
{"edge":"WorksAt","from":"fay","to":"globex"}"#;
    let (_, message, _) = rejected(&engine, &g, two, LoadMode::Append).await;
    assert_eq!(
        message,
        "line 3, `from`: @card(0..1) on WorksAt violated: Person `fay` would have 2 edges (max 1)"
    );
    // Merge replacing ann's edge by endpoints-free id keeps the count; overwrite replaces all.
    load(
        &engine,
        &g,
        r#"{"edge":"WorksAt","from":"ann","to":"acme","data":{"id":"w1","role":"ceo"}}"#,
        LoadMode::Merge,
    )
    .await
    .unwrap();
    load(
        &engine,
        &g,
        r#"{"edge":"WorksAt","from":"ann","to":"globex","data":{"id":"w9"}}"#,
        LoadMode::Overwrite,
    )
    .await
    .unwrap();
    assert_eq!(rows(&engine, &g, "edge:WorksAt").await, 1);
}

#[tokio::test]
async fn card_min_needs_edges_for_every_source_node() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = setup(dir.path(), SCHEMA_TEAMS, DATA_TEAMS).await;
    let lonely = r#"{"type":"Player","data":{"handle":"p2"}}
{"type":"Player","data":{"handle":"p3"}}
{"edge":"PlaysFor","from":"p3","to":"blues"}"#;
    let (code, message, _) = rejected(&engine, &g, lonely, LoadMode::Append).await;
    assert_eq!(code, "E-D011");
    assert_eq!(
        message,
        "line 1: @card(1..2) on PlaysFor violated: Player `p2` would have 0 edges (min 1)"
    );
    // A player with its edge in the same input is fine.
    load(
        &engine,
        &g,
        r#"{"type":"Player","data":{"handle":"p2"}}
{"edge":"PlaysFor","from":"p2","to":"blues","data":{"id":"f2"}}"#,
        LoadMode::Append,
    )
    .await
    .unwrap();
    // Overwriting the edges without p2's leaves the committed p2 with none: the message
    // names the first line of the replaced edge type.
    let (code, message, _) = rejected(
        &engine,
        &g,
        r#"{"edge":"PlaysFor","from":"p1","to":"blues","data":{"id":"f3"}}"#,
        LoadMode::Overwrite,
    )
    .await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "E-D011",
            "line 1: @card(1..2) on PlaysFor violated: Player `p2` would have 0 edges (min 1)"
        )
    );
}

#[tokio::test]
async fn overwrite_that_orphans_edges_of_an_untouched_type() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = setup(dir.path(), SCHEMA_A, DATA_A).await;
    let only_acme = r#"{"type":"Person","data":{"handle":"ann","name":"Ann"}}
{"type":"Company","data":{"slug":"acme","name":"Acme","sector":"fintech"}}
{"edge":"Knows","from":"ann","to":"ann","data":{"id":"k9"}}"#;
    let (code, message, help) = rejected(&engine, &g, only_acme, LoadMode::Overwrite).await;
    assert_eq!(code, "E-D014");
    // Person is replaced too, so WorksAt loses bob's and dan's sources as well; the
    // message names the first line of the node type and the smallest orphaned edge id.
    assert_eq!(
        message,
        "line 1: overwriting `Person` would leave edge `w2` of `WorksAt` without an endpoint; `WorksAt` is not in the input"
    );
    assert_eq!(
        help.as_deref(),
        Some("include `WorksAt` records in the input or use `merge`")
    );
    // The same records merged orphan nothing.
    load(&engine, &g, only_acme, LoadMode::Merge).await.unwrap();
    assert_eq!(rows(&engine, &g, "node:Person").await, 5);
}

#[tokio::test]
async fn endpoints_of_an_overwritten_node_type_come_from_the_input_only() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = setup(dir.path(), SCHEMA_A, DATA_A).await;
    // `cat` is committed, but Person is replaced by the input, which lacks her.
    let data = r#"{"edge":"Knows","from":"ann","to":"bob","data":{"id":"k1"}}
{"edge":"Knows","from":"ann","to":"cat","data":{"id":"k2"}}
{"type":"Person","data":{"handle":"ann","name":"Ann"}}
{"type":"Person","data":{"handle":"bob","name":"Bob"}}
{"edge":"WorksAt","from":"ann","to":"acme","data":{"id":"w1"}}"#;
    let (code, message, _) = rejected(&engine, &g, data, LoadMode::Overwrite).await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("E-D010", "line 2, `to`: Person `cat` does not exist")
    );
}

#[tokio::test]
async fn merge_cannot_move_an_edge() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = setup(dir.path(), SCHEMA_A, DATA_A).await;
    let moved = r#"{"edge":"WorksAt","from":"bob","to":"globex","data":{"id":"w1"}}"#;
    let (code, message, _) = rejected(&engine, &g, moved, LoadMode::Merge).await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        (
            "E-D012",
            "line 1, `from`: WorksAt `w1` exists with other endpoints; `from`/`to` cannot change"
        )
    );
}

/// C6 of the language reference, each file loaded on top of the base state.
#[tokio::test]
async fn c6_loads() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = setup(dir.path(), SCHEMA_C, DATA_C).await;
    let agents = r#"{"type":"Agent","data":{"email":"max@corp.io","team":"billing"}}
{"type":"Agent","data":{"email":"kim@corp.io","team":"support"}}"#;
    let (code, message, _) = rejected(&engine, &g, agents, LoadMode::Append).await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("E-D015", "line 2: Agent `kim@corp.io` already exists")
    );
    let out = load(&engine, &g, agents, LoadMode::Merge).await.unwrap();
    assert_eq!(
        serde_json::to_value(&out.tables).unwrap(),
        serde_json::json!([{"table_key": "node:Agent", "rows": 2}])
    );
    assert_eq!(rows(&engine, &g, "node:Agent").await, 3);

    let typo = r#"{"type":"Agent","data":{"email":"zoe@corp.io","teem":"billing"}}"#;
    for mode in [LoadMode::Append, LoadMode::Merge, LoadMode::Overwrite] {
        let (code, message, help) = rejected(&engine, &g, typo, mode).await;
        assert_eq!(
            (code.as_str(), message.as_str(), help.as_deref()),
            (
                "E-D004",
                "line 1, `data.teem`: unknown property of `Agent`",
                Some("did you mean `team`?")
            )
        );
    }

    let blocks = r#"{"edge":"Blocks","from":"T-1","to":"T-2"}
{"edge":"Blocks","from":"T-2","to":"T-3"}"#;
    for _ in 0..2 {
        load(&engine, &g, blocks, LoadMode::Merge).await.unwrap();
        assert_eq!(rows(&engine, &g, "edge:Blocks").await, 2);
    }

    let dangling = r#"{"edge":"AssignedTo","from":"T-3","to":"zed@corp.io"}"#;
    let (code, message, _) = rejected(&engine, &g, dangling, LoadMode::Append).await;
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("E-D010", "line 1, `to`: Agent `zed@corp.io` does not exist")
    );
}
