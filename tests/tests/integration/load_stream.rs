//! Streaming load: batches of a configured size give the same graph as one batch, the loader
//! holds at most a batch of records per table, and a load that fails after staging batches
//! removes what it staged (no sidecar, no new file, head unchanged).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use omnigraph_engine::{Engine, EngineError, LoadMode, LoadOptions, LoadOutcome, ReadTarget};
use omnigraph_manifest::{BranchName, GraphId};

use crate::fixtures::{graph, local_engine, SOCIAL_DATA as DATA, SOCIAL_SCHEMA as SCHEMA};

/// Merge input: updates, a duplicate id (the last record wins), id-less edges matched by
/// endpoints (one of them twice in the input).
const MERGE: &str = r#"{"type":"Person","data":{"handle":"ann","name":"Ann A","age":35}}
{"type":"Person","data":{"handle":"gus","name":"Gus"}}
{"edge":"Knows","from":"ann","to":"bob"}
{"type":"Person","data":{"handle":"ann","name":"Ann B"}}
{"edge":"Knows","from":"gus","to":"ann"}
{"type":"Person","data":{"handle":"hal","name":"Hal"}}
{"edge":"Knows","from":"gus","to":"ann","data":{"since":"2024-01-01"}}
{"edge":"WorksAt","from":"gus","to":"initech","data":{"id":"w7"}}"#;

const APPEND: &str = r#"{"type":"Person","data":{"handle":"ivy","name":"Ivy"}}
{"type":"Person","data":{"handle":"jon","name":"Jon"}}
{"type":"Person","data":{"handle":"kai","name":"Kai"}}
{"edge":"Knows","from":"ivy","to":"jon","data":{"id":"k20"}}
{"edge":"Knows","from":"jon","to":"kai","data":{"id":"k21"}}"#;

async fn fresh(dir: &Path) -> (Engine, GraphId) {
    let engine = local_engine(dir).await;
    let g = graph("stream");
    engine.init(&g, SCHEMA, "test").await.unwrap();
    (engine, g)
}

async fn load(
    engine: &Engine,
    g: &GraphId,
    data: &str,
    mode: LoadMode,
    batch_rows: usize,
) -> Result<LoadOutcome, EngineError> {
    let options = LoadOptions {
        batch_rows,
        ..Default::default()
    };
    engine
        .load_with(g, &BranchName::main(), None, data, mode, "test", &options)
        .await
}

async fn export(engine: &Engine, g: &GraphId) -> String {
    let mut out = Vec::new();
    let target = ReadTarget::Branch(BranchName::main());
    engine.export(g, &target, &[], &mut out).await.unwrap();
    String::from_utf8(out).unwrap()
}

/// The export with every 26-character ULID id replaced by `<ULID>`.
fn without_generated_ids(export: &str) -> String {
    let mut out = export.to_string();
    while let Some(start) = out.find("\"id\":\"01") {
        let from = start + "\"id\":\"".len();
        let is_ulid = out.get(from..from + 27).is_some_and(|t| {
            t.ends_with('"') && t[..26].bytes().all(|b| b.is_ascii_alphanumeric())
        });
        if !is_ulid {
            break;
        }
        out.replace_range(from..from + 26, "<ULID>");
    }
    out
}

async fn version(engine: &Engine, g: &GraphId) -> u64 {
    engine
        .snapshot(g, &ReadTarget::Branch(BranchName::main()))
        .await
        .unwrap()
        .version
}

fn files_under(dir: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p);
            }
        }
    }
    out
}

#[tokio::test]
async fn small_batches_give_the_same_graph_as_one_batch() {
    let one_dir = tempfile::tempdir().unwrap();
    let (one, g) = fresh(one_dir.path()).await;
    let many_dir = tempfile::tempdir().unwrap();
    let (many, _) = fresh(many_dir.path()).await;

    let steps = [
        (DATA, LoadMode::Overwrite),
        (MERGE, LoadMode::Merge),
        (APPEND, LoadMode::Append),
    ];
    for (step, (data, mode)) in steps.into_iter().enumerate() {
        let big = load(&one, &g, data, mode, 10_000).await.unwrap();
        let small = load(&many, &g, data, mode, 2).await.unwrap();
        assert_eq!(small.tables, big.tables, "step {step}");
        // One commit per load, however many batches.
        assert_eq!(version(&many, &g).await, step as u64 + 2);
        assert_eq!(big.stats.batches, big.tables.len(), "step {step}");
        assert!(
            small.stats.batches > small.tables.len(),
            "step {step}: {:?}",
            small.stats
        );
        assert!(small.stats.max_buffered_rows <= 2, "{:?}", small.stats);
        // Edge ids the input leaves out are generated (ULIDs): equal up to those.
        assert_eq!(
            without_generated_ids(&export(&one, &g).await),
            without_generated_ids(&export(&many, &g).await),
            "step {step}"
        );
    }
    // The merge's last record for `ann` won, and the repeated id-less edge was one edge.
    let text = export(&many, &g).await;
    assert!(text.contains(r#"{"type":"Person","data":{"id":"ann","age":null,"handle":"ann","name":"Ann B","tags":null}}"#));
    let gus_knows_ann = text
        .lines()
        .filter(|l| l.starts_with(r#"{"edge":"Knows","from":"gus","to":"ann""#))
        .collect::<Vec<_>>();
    assert_eq!(gus_knows_ann.len(), 1, "{text}");
    assert!(gus_knows_ann[0].contains(r#""since":"2024-01-01""#));
}

#[tokio::test]
async fn the_loader_holds_at_most_a_batch_per_table() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = fresh(dir.path()).await;
    let mut data = String::new();
    for i in 0..2_000 {
        data.push_str(&format!(
            "{{\"type\":\"Person\",\"data\":{{\"handle\":\"p{i:05}\",\"name\":\"P {i}\",\"age\":{}}}}}\n",
            i % 90
        ));
    }
    let out = load(&engine, &g, &data, LoadMode::Append, 128)
        .await
        .unwrap();
    assert_eq!(out.stats.max_buffered_rows, 128);
    assert_eq!(out.stats.batches, 2_000_usize.div_ceil(128));
    assert_eq!(out.stats.lines, 2_000);
    assert_eq!(out.stats.bytes, data.len() as u64);
    let snap = engine
        .snapshot(&g, &ReadTarget::Branch(BranchName::main()))
        .await
        .unwrap();
    assert_eq!(snap.tables["node:Person"].rows, 2_000);

    // The reader entry point streams from any async reader.
    let more = "{\"type\":\"Person\",\"data\":{\"handle\":\"zz\",\"name\":\"Z\"}}\n";
    let reader = tokio::io::BufReader::new(more.as_bytes());
    let out = engine
        .load_reader(
            &g,
            &BranchName::main(),
            None,
            reader,
            LoadMode::Append,
            "test",
            &LoadOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(out.version, 3);
}

#[tokio::test]
async fn a_failure_after_staging_removes_the_staged_batches() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = fresh(dir.path()).await;
    load(&engine, &g, DATA, LoadMode::Overwrite, 10_000)
        .await
        .unwrap();
    let before_export = export(&engine, &g).await;
    let tables_dir = dir.path().join("stream").join("tables");
    let recovery_dir = dir.path().join("stream").join("__recovery");
    let before_files = files_under(&tables_dir);
    let before_version = version(&engine, &g).await;

    // Three batches of people are staged before the last line's endpoint fails (found only
    // once the whole input is read), and a bad line after staged batches.
    let dangling =
        format!("{APPEND}\n{{\"edge\":\"WorksAt\",\"from\":\"ivy\",\"to\":\"nowhere\"}}");
    let bad_line = format!("{APPEND}\n{{\"type\":\"Person\",\"data\":{{\"handle\":\"x\"}}}}");
    for (data, code, mode) in [
        (dangling.as_str(), "E-D010", LoadMode::Append),
        (bad_line.as_str(), "E-D005", LoadMode::Merge),
    ] {
        let start = engine.stats_start();
        let err = load(&engine, &g, data, mode, 1).await.unwrap_err();
        let stats = engine.stats_since(&start);
        let EngineError::BadRequest { diagnostics, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(diagnostics[0]["code"], code, "{err:?}");
        // Batches were written, then removed again: no table file and no sidecar remain.
        assert!(stats.object_store.put > 0, "{stats:?}");
        assert!(stats.object_store.delete > 0, "{stats:?}");
        assert_eq!(stats.manifest.write, 0, "{stats:?}");
        assert_eq!(files_under(&tables_dir), before_files, "{code}");
        assert!(files_under(&recovery_dir).is_empty(), "{code}");
        assert_eq!(version(&engine, &g).await, before_version);
        assert_eq!(export(&engine, &g).await, before_export);
    }
    // The same input without the bad line loads.
    load(&engine, &g, APPEND, LoadMode::Append, 1)
        .await
        .unwrap();
    assert_eq!(version(&engine, &g).await, before_version + 1);
}
