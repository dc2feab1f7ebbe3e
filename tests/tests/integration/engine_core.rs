//! Storage core: graph init, snapshots, detached table versions through the write protocol,
//! branches, commits, time travel, request budgets and concurrent writers.

use std::sync::Arc;

use arrow_array::{Int32Array, RecordBatch, StringArray};
use omnigraph_engine::{AppendRows, BranchSource, Engine, EngineError, ReadTarget};
use omnigraph_manifest::{BranchName, GraphId, PageRequest};

use crate::fixtures::main_target;
pub(crate) use crate::fixtures::{graph, local_engine};

pub(crate) const SOCIAL: &str = r#"
node Person {
    name: String @key
    age: I32?
}
edge Knows: Person -> Person
"#;

pub(crate) fn people(names: &[&str], age: i32) -> RecordBatch {
    let schema = omnigraph_engine::compile_schema(SOCIAL, "s.pg")
        .unwrap()
        .node("Person")
        .unwrap()
        .arrow_schema();
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(StringArray::from(names.to_vec())),
            Arc::new(Int32Array::from(vec![Some(age); names.len()])),
            Arc::new(StringArray::from(names.to_vec())),
        ],
    )
    .unwrap()
}

fn append(names: &[&str]) -> AppendRows {
    AppendRows {
        table_key: "node:Person".into(),
        batch: people(names, 30),
    }
}

async fn count_rows(engine: &Engine, g: &GraphId, target: &ReadTarget) -> usize {
    let snap = engine.snapshot(g, target).await.unwrap();
    let (_, ds) = engine.open_table(&snap, "node:Person").await.unwrap();
    ds.count_rows(None).await.unwrap()
}

#[tokio::test]
async fn init_creates_empty_tables_and_a_main_head() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = graph("social");
    let head = engine.init(&g, SOCIAL, "alice").await.unwrap();
    assert_eq!(head.version, 1);
    assert_eq!(
        head.tables.keys().cloned().collect::<Vec<_>>(),
        vec!["edge:Knows".to_string(), "node:Person".to_string()]
    );
    assert!(head.tables.values().all(|p| p.version == 1 && p.rows == 0));

    let snap = engine.snapshot(&g, &main_target()).await.unwrap();
    assert_eq!(snap.commit, head.commit_id);
    assert_eq!(snap.schema_hash, snap.catalog.hash);
    let commit = engine.require_commit(&g, &head.commit_id).await.unwrap();
    assert_eq!(
        (commit.op_kind.as_str(), commit.actor.as_str()),
        ("init", "alice")
    );
    assert!(commit.parents.is_empty());

    // the graph root holds the schema documents and one dataset per type
    let root = dir.path().join("social");
    assert!(root
        .join("schemas")
        .join(format!("{}.pg", snap.schema_hash))
        .exists());
    assert!(root
        .join("schemas")
        .join(format!("{}.ir.json", snap.schema_hash))
        .exists());
    let person = snap.catalog.node("Person").unwrap();
    assert!(root
        .join("tables")
        .join(format!("node-{}", person.type_id))
        .is_dir());

    // a second init of the same graph is a conflict and changes nothing
    let err = engine.init(&g, SOCIAL, "bob").await.unwrap_err();
    assert_eq!(err.code(), "conflict", "{err}");
    assert_eq!(
        engine.snapshot(&g, &main_target()).await.unwrap().commit,
        head.commit_id
    );
}

#[tokio::test]
async fn init_rejects_a_bad_schema_with_diagnostics_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = graph("bad");
    let err = engine
        .init(
            &g,
            "node Person { name: Strng }\nedge E: Person -> Nope",
            "a",
        )
        .await
        .unwrap_err();
    match &err {
        EngineError::BadRequest { diagnostics, .. } => {
            assert!(!diagnostics.is_empty());
            let codes: Vec<&str> = diagnostics
                .iter()
                .filter_map(|d| d["code"].as_str())
                .collect();
            assert!(codes.contains(&"E-S003"), "{codes:?}");
            assert!(diagnostics.iter().all(|d| d["line"].as_u64().is_some()));
        }
        other => panic!("expected bad_request, got {other:?}"),
    }
    assert!(!dir.path().join("bad").exists(), "nothing may be written");
    let missing = engine.snapshot(&g, &main_target()).await.unwrap_err();
    assert_eq!(missing.code(), "not_found");
}

#[test]
fn graph_ids_and_branch_names_reject_injection() {
    for bad in ["../x", "a/b", "", "ctl\u{7}", &"g".repeat(129)] {
        let err: EngineError = GraphId::new(bad).unwrap_err().into();
        assert_eq!(err.code(), "bad_request", "{bad:?}");
        let err: EngineError = BranchName::new(bad).unwrap_err().into();
        assert_eq!(err.code(), "bad_request", "{bad:?}");
    }
}

#[tokio::test]
async fn writes_are_detached_versions_and_time_travel_works() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = graph("tt");
    let genesis = engine.init(&g, SOCIAL, "a").await.unwrap();
    let w1 = engine
        .execute_write(&g, &BranchName::main(), "a", &append(&["ann", "bob"]))
        .await
        .unwrap();
    let w2 = engine
        .execute_write(&g, &BranchName::main(), "b", &append(&["cat"]))
        .await
        .unwrap();
    assert_eq!((w1.version, w2.version), (2, 3));

    let snap = engine.snapshot(&g, &main_target()).await.unwrap();
    let pin = &snap.tables["node:Person"];
    assert!(
        pin.version & (1 << 63) != 0,
        "detached version expected, got {}",
        pin.version
    );
    assert_eq!(pin.rows, 3);
    assert!(pin.manifest_size.is_some());
    // untouched table keeps its pin
    assert_eq!(snap.tables["edge:Knows"], genesis.tables["edge:Knows"]);

    assert_eq!(count_rows(&engine, &g, &main_target()).await, 3);
    let v2 = ReadTarget::Version {
        branch: BranchName::main(),
        version: 2,
    };
    assert_eq!(count_rows(&engine, &g, &v2).await, 2);
    let at_genesis = ReadTarget::Commit(genesis.commit_id.clone());
    assert_eq!(count_rows(&engine, &g, &at_genesis).await, 0);
    let v9 = ReadTarget::Version {
        branch: BranchName::main(),
        version: 9,
    };
    assert_eq!(
        engine.snapshot(&g, &v9).await.unwrap_err().code(),
        "not_found"
    );

    // a fresh process (new engine) reads the same thing
    let cold = local_engine(dir.path()).await;
    assert_eq!(count_rows(&cold, &g, &main_target()).await, 3);
    assert_eq!(count_rows(&cold, &g, &v2).await, 2);

    // commits: newest first, actor filter, pagination
    let page = engine
        .list_commits(&g, &BranchName::main(), None, &PageRequest::first(10))
        .await
        .unwrap();
    let kinds: Vec<&str> = page.commits.iter().map(|c| c.op_kind.as_str()).collect();
    assert_eq!(kinds, vec!["append", "append", "init"]);
    assert_eq!(page.commits[0].parents, vec![page.commits[1].id.clone()]);
    let by_b = engine
        .list_commits(&g, &BranchName::main(), Some("b"), &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(by_b.commits.len(), 1);
    let first = engine
        .list_commits(&g, &BranchName::main(), None, &PageRequest::first(2))
        .await
        .unwrap();
    assert_eq!(first.commits.len(), 2);
    let rest = engine
        .list_commits(
            &g,
            &BranchName::main(),
            None,
            &PageRequest {
                cursor: first.next_cursor.clone(),
                limit: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(rest.commits.len(), 1);
    assert_eq!(rest.commits[0].op_kind, "init");
    assert_eq!(rest.next_cursor, None);
}

#[tokio::test]
async fn a_rejected_write_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = graph("rej");
    engine.init(&g, SOCIAL, "a").await.unwrap();
    let before = engine.snapshot(&g, &main_target()).await.unwrap();
    let start = engine.stats_start();
    let bad = AppendRows {
        table_key: "node:Nope".into(),
        batch: people(&["x"], 1),
    };
    let err = engine
        .execute_write(&g, &BranchName::main(), "a", &bad)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "bad_request");
    let stats = engine.stats_since(&start);
    assert_eq!(stats.object_store.put, 0, "{stats:?}");
    assert_eq!(stats.manifest.write, 0, "{stats:?}");
    let after = engine.snapshot(&g, &main_target()).await.unwrap();
    assert_eq!(
        (after.version, after.commit),
        (before.version, before.commit)
    );
}

#[tokio::test]
async fn branches_pin_versions_and_are_isolated() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = graph("br");
    let genesis = engine.init(&g, SOCIAL, "a").await.unwrap();
    engine
        .execute_write(&g, &BranchName::main(), "a", &append(&["ann"]))
        .await
        .unwrap();
    let dev = BranchName::new("dev").unwrap();
    let created = engine
        .create_branch(&g, &dev, &BranchSource::Branch(BranchName::main()))
        .await
        .unwrap();
    assert_eq!(created.version, 1);
    engine
        .execute_write(&g, &dev, "agent", &append(&["bob", "cat"]))
        .await
        .unwrap();
    assert_eq!(
        count_rows(&engine, &g, &ReadTarget::Branch(dev.clone())).await,
        3
    );
    assert_eq!(count_rows(&engine, &g, &main_target()).await, 1);

    // from a commit
    let old = BranchName::new("old").unwrap();
    engine
        .create_branch(&g, &old, &BranchSource::Commit(genesis.commit_id.clone()))
        .await
        .unwrap();
    assert_eq!(
        count_rows(&engine, &g, &ReadTarget::Branch(old.clone())).await,
        0
    );

    let names: Vec<String> = engine
        .list_branches(&g)
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.name.to_string())
        .collect();
    assert_eq!(names, vec!["dev", "main", "old"]);

    let exists = engine
        .create_branch(&g, &dev, &BranchSource::Branch(BranchName::main()))
        .await
        .unwrap_err();
    assert_eq!(exists.code(), "conflict");
    let unknown = BranchName::new("nope").unwrap();
    assert_eq!(
        engine
            .create_branch(
                &g,
                &unknown,
                &BranchSource::Commit("01ARZ3NDEKTSV4RRFFQ69G5FAV".into())
            )
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(
        engine
            .delete_branch(&g, &BranchName::main())
            .await
            .unwrap_err()
            .code(),
        "bad_request"
    );
    assert_eq!(
        engine.delete_branch(&g, &unknown).await.unwrap_err().code(),
        "not_found"
    );

    // deleting dev leaves main's data and old's pins readable
    engine.delete_branch(&g, &dev).await.unwrap();
    assert_eq!(
        engine
            .snapshot(&g, &ReadTarget::Branch(dev))
            .await
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert_eq!(count_rows(&engine, &g, &main_target()).await, 1);
    assert_eq!(count_rows(&engine, &g, &ReadTarget::Branch(old)).await, 0);
}

#[tokio::test]
async fn budget_warm_snapshot_is_one_manifest_read_and_no_object_requests() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = graph("warm");
    engine.init(&g, SOCIAL, "a").await.unwrap();
    engine.snapshot(&g, &main_target()).await.unwrap();
    let start = engine.stats_start();
    engine.snapshot(&g, &main_target()).await.unwrap();
    let stats = engine.stats_since(&start);
    assert_eq!(stats.manifest.read, 1, "{stats:?}");
    assert_eq!(stats.manifest.write, 0, "{stats:?}");
    assert_eq!(stats.object_store.requests(), 0, "{stats:?}");
}

fn many_types(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!("node T{i} {{ k: String @key }}\n"));
    }
    s
}

#[tokio::test]
async fn budget_branch_create_is_one_write_and_no_object_requests_at_any_width() {
    let mut counts = Vec::new();
    for types in [2, 200] {
        let dir = tempfile::tempdir().unwrap();
        let engine = local_engine(dir.path()).await;
        let g = graph("wide");
        engine.init(&g, &many_types(types), "a").await.unwrap();
        let start = engine.stats_start();
        let b = BranchName::new("b").unwrap();
        engine
            .create_branch(&g, &b, &BranchSource::Branch(BranchName::main()))
            .await
            .unwrap();
        let stats = engine.stats_since(&start);
        assert_eq!(stats.object_store.requests(), 0, "{types} types: {stats:?}");
        counts.push((stats.manifest.read, stats.manifest.write));
    }
    assert_eq!(
        counts[0], counts[1],
        "branch create must not grow with table count"
    );
}

#[tokio::test]
async fn budget_single_table_write_is_flat_in_history_depth_and_never_lists() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = graph("deep");
    engine.init(&g, SOCIAL, "a").await.unwrap();
    let main = BranchName::main();
    let mut measured = Vec::new();
    let mut done = 0;
    for depth in [10usize, 500] {
        while done < depth {
            let name = format!("p{done}");
            engine
                .execute_write(&g, &main, "a", &append(&[name.as_str()]))
                .await
                .unwrap();
            done += 1;
        }
        let name = format!("probe{depth}");
        let start = engine.stats_start();
        engine
            .execute_write(&g, &main, "a", &append(&[name.as_str()]))
            .await
            .unwrap();
        done += 1;
        let stats = engine.stats_since(&start);
        assert_eq!(stats.object_store.list, 0, "depth {depth}: {stats:?}");
        measured.push((
            stats.object_store.get,
            stats.object_store.put,
            stats.object_store.head,
            stats.object_store.delete,
            stats.manifest,
        ));
    }
    assert_eq!(
        measured[0], measured[1],
        "request count must not grow with history"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_one_branch_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(local_engine(dir.path()).await);
    let g = graph("race");
    engine.init(&g, SOCIAL, "a").await.unwrap();
    race(engine, g, 16).await;
}

/// 16 writers append one row each to the same table; every acknowledged write is visible
/// and each head version has exactly one writer.
pub(crate) async fn race(engine: Arc<Engine>, g: GraphId, writers: usize) {
    let mut tasks = Vec::new();
    for i in 0..writers {
        let (engine, g) = (engine.clone(), g.clone());
        tasks.push(tokio::spawn(async move {
            let name = format!("w{i}");
            let op = AppendRows {
                table_key: "node:Person".into(),
                batch: people(&[name.as_str()], 1),
            };
            engine
                .execute_write(&g, &BranchName::main(), "racer", &op)
                .await
        }));
    }
    let mut versions = Vec::new();
    let mut conflicts = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(outcome) => versions.push(outcome.version),
            Err(e) if e.code() == "conflict" => conflicts += 1,
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    versions.sort_unstable();
    let unique: std::collections::BTreeSet<_> = versions.iter().collect();
    assert_eq!(
        unique.len(),
        versions.len(),
        "one winner per version: {versions:?}"
    );
    let snap = engine
        .snapshot(&g, &ReadTarget::Branch(BranchName::main()))
        .await
        .unwrap();
    assert_eq!(snap.version, 1 + versions.len() as u64);
    assert_eq!(snap.tables["node:Person"].rows as usize, versions.len());
    assert_eq!(versions.len() + conflicts, writers);
    assert!(!versions.is_empty());
}

#[tokio::test]
async fn a_second_engine_writes_on_top_of_the_first_engines_write() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = graph("disjoint");
    engine.init(&g, SOCIAL, "a").await.unwrap();
    // a second engine (another process) on the same store
    let other = local_engine(dir.path()).await;
    let snap = engine.snapshot(&g, &main_target()).await.unwrap();
    // The other engine writes a different table first; ours still has the old head cached,
    // so its write must probe forward to the new head and keep the other write's pins.
    // (This does not exercise the CAS-lost rebase path: step A re-reads the head.)
    other
        .execute_write(&g, &BranchName::main(), "o", &append(&["x"]))
        .await
        .unwrap();
    let knows_schema = snap.catalog.edge("Knows").unwrap().arrow_schema();
    let edge = RecordBatch::try_new(
        Arc::new(knows_schema),
        vec![
            Arc::new(StringArray::from(vec!["e1"])),
            Arc::new(StringArray::from(vec!["x"])),
            Arc::new(StringArray::from(vec!["x"])),
        ],
    )
    .unwrap();
    let out = engine
        .execute_write(
            &g,
            &BranchName::main(),
            "e",
            &AppendRows {
                table_key: "edge:Knows".into(),
                batch: edge,
            },
        )
        .await
        .unwrap();
    assert_eq!(out.version, 3);
    let now = engine.snapshot(&g, &main_target()).await.unwrap();
    assert_eq!(now.tables["node:Person"].rows, 1);
    assert_eq!(now.tables["edge:Knows"].rows, 1);
}
