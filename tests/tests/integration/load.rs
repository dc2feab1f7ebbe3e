//! JSONL bulk load: modes, id rules, endpoint checks, and that a rejected load writes nothing.

use omnigraph_engine::{Engine, EngineError, LoadMode, ReadTarget};
use omnigraph_manifest::{BranchName, GraphId};

use crate::fixtures::{local_engine, SOCIAL_DATA as DATA, SOCIAL_SCHEMA as SCHEMA};

async fn loaded(dir: &std::path::Path) -> (Engine, GraphId) {
    let engine = local_engine(dir).await;
    let g = GraphId::new("social").unwrap();
    engine.init(&g, SCHEMA, "a").await.unwrap();
    let out = engine
        .load(
            &g,
            &BranchName::main(),
            None,
            DATA.into(),
            LoadMode::Overwrite,
            "a",
        )
        .await
        .unwrap();
    let tables: Vec<(String, u64)> = out
        .tables
        .iter()
        .map(|t| (t.table_key.clone(), t.rows))
        .collect();
    assert_eq!(
        tables,
        vec![
            ("edge:Knows".into(), 5),
            ("edge:WorksAt".into(), 3),
            ("node:Company".into(), 3),
            ("node:Person".into(), 5)
        ]
    );
    (engine, g)
}

fn rows(snap: &omnigraph_engine::Snapshot, table: &str) -> u64 {
    snap.tables[table].rows
}

async fn main_snapshot(engine: &Engine, g: &GraphId) -> omnigraph_engine::Snapshot {
    engine
        .snapshot(g, &ReadTarget::Branch(BranchName::main()))
        .await
        .unwrap()
}

/// Loads `data` expecting a rejection; asserts nothing was written and returns the error.
async fn rejected(engine: &Engine, g: &GraphId, data: &str, mode: LoadMode) -> EngineError {
    let before = main_snapshot(engine, g).await;
    let start = engine.stats_start();
    let err = engine
        .load(g, &BranchName::main(), None, data.into(), mode, "a")
        .await
        .unwrap_err();
    let stats = engine.stats_since(&start);
    assert_eq!(
        stats.object_store.put, 0,
        "a rejected load writes nothing: {stats:?}"
    );
    assert_eq!(stats.manifest.write, 0, "{stats:?}");
    let after = main_snapshot(engine, g).await;
    assert_eq!(
        (after.version, &after.commit),
        (before.version, &before.commit)
    );
    err
}

fn first_diagnostic(err: &EngineError) -> serde_json::Value {
    match err {
        EngineError::BadRequest { diagnostics, .. } => diagnostics[0].clone(),
        other => panic!("expected bad_request, got {other:?}"),
    }
}

#[tokio::test]
async fn overwrite_then_append_and_merge() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = loaded(dir.path()).await;
    let snap = main_snapshot(&engine, &g).await;
    assert_eq!(rows(&snap, "node:Person"), 5);

    // append a new person and an edge to an existing one
    let more = r#"{"type":"Person","data":{"handle":"fay","name":"Fay"}}
{"edge":"Knows","from":"fay","to":"ann"}"#;
    engine
        .load(
            &g,
            &BranchName::main(),
            None,
            more.into(),
            LoadMode::Append,
            "a",
        )
        .await
        .unwrap();
    let snap = main_snapshot(&engine, &g).await;
    assert_eq!(
        (rows(&snap, "node:Person"), rows(&snap, "edge:Knows")),
        (6, 6)
    );

    // merge: an edge without id is matched by its endpoints, so re-loading changes nothing
    let edge = r#"{"edge":"Knows","from":"ann","to":"dan"}"#;
    for _ in 0..2 {
        engine
            .load(
                &g,
                &BranchName::main(),
                None,
                edge.into(),
                LoadMode::Merge,
                "a",
            )
            .await
            .unwrap();
    }
    let snap = main_snapshot(&engine, &g).await;
    assert_eq!(rows(&snap, "edge:Knows"), 7);

    // merge replaces a keyed node whole
    let bob = r#"{"type":"Person","data":{"handle":"bob","name":"Robert"}}"#;
    engine
        .load(
            &g,
            &BranchName::main(),
            None,
            bob.into(),
            LoadMode::Merge,
            "a",
        )
        .await
        .unwrap();
    assert_eq!(rows(&main_snapshot(&engine, &g).await, "node:Person"), 6);

    // overwrite replaces only the types in the input (every company an edge points at
    // stays, so no WorksAt edge is orphaned)
    let only = r#"{"type":"Company","data":{"slug":"acme","name":"Acme Inc","sector":"fintech"}}
{"type":"Company","data":{"slug":"globex","name":"Globex Inc","sector":"health"}}"#;
    engine
        .load(
            &g,
            &BranchName::main(),
            None,
            only.into(),
            LoadMode::Overwrite,
            "a",
        )
        .await
        .unwrap();
    let snap = main_snapshot(&engine, &g).await;
    assert_eq!(
        (rows(&snap, "node:Company"), rows(&snap, "node:Person")),
        (2, 6)
    );
}

#[tokio::test]
async fn rejections_name_the_line_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = loaded(dir.path()).await;

    let existing = "{\"type\":\"Person\",\"data\":{\"handle\":\"zed\",\"name\":\"Zed\"}}\n{\"type\":\"Person\",\"data\":{\"handle\":\"ann\",\"name\":\"Ann\"}}";
    let err = rejected(&engine, &g, existing, LoadMode::Append).await;
    let d = first_diagnostic(&err);
    assert_eq!(
        (d["code"].as_str(), d["line"].as_u64()),
        (Some("E-D015"), Some(2))
    );
    assert_eq!(d["message"], "line 2: Person `ann` already exists");

    let dup = "{\"type\":\"Person\",\"data\":{\"handle\":\"x\",\"name\":\"X\"}}\n\n{\"type\":\"Person\",\"data\":{\"handle\":\"x\",\"name\":\"X2\"}}";
    let d = first_diagnostic(&rejected(&engine, &g, dup, LoadMode::Overwrite).await);
    assert_eq!(
        (d["code"].as_str(), d["line"].as_u64()),
        (Some("E-D015"), Some(3))
    );

    let typo = r#"{"type":"Person","data":{"handle":"q","name":"Q","agee":3}}"#;
    let d = first_diagnostic(&rejected(&engine, &g, typo, LoadMode::Merge).await);
    assert_eq!(d["code"], "E-D004");
    assert!(d["help"].as_str().unwrap_or("").contains("age"), "{d}");

    let dangling = r#"{"edge":"WorksAt","from":"ann","to":"zed"}"#;
    let d = first_diagnostic(&rejected(&engine, &g, dangling, LoadMode::Append).await);
    assert_eq!(d["code"], "E-D010");
    assert_eq!(d["message"], "line 1, `to`: Company `zed` does not exist");

    let bad_json = "{\"type\":\"Person\",\"data\":{\"handle\":\"q\",\"name\":\"Q\"}}\n{not json";
    let d = first_diagnostic(&rejected(&engine, &g, bad_json, LoadMode::Append).await);
    assert_eq!(
        (d["code"].as_str(), d["line"].as_u64()),
        (Some("E-D001"), Some(2))
    );
}

#[tokio::test]
async fn load_from_creates_the_branch_first() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = loaded(dir.path()).await;
    let dev = BranchName::new("dev").unwrap();
    let more = r#"{"type":"Person","data":{"handle":"gus","name":"Gus"}}"#;
    let out = engine
        .load(
            &g,
            &dev,
            Some(&BranchName::main()),
            more.into(),
            LoadMode::Append,
            "agent",
        )
        .await
        .unwrap();
    assert_eq!(out.version, 2);
    let dev_snap = engine.snapshot(&g, &ReadTarget::Branch(dev)).await.unwrap();
    assert_eq!(rows(&dev_snap, "node:Person"), 6);
    assert_eq!(rows(&main_snapshot(&engine, &g).await, "node:Person"), 5);
}
