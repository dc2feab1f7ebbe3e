//! One conformance suite for every `ManifestStore` backend: memory, object store on a local
//! directory, object store on S3 (moto) and DynamoDB (moto). Each test runs against each
//! backend through the `conformance!` macro at the bottom.

use std::collections::BTreeMap;
use std::sync::Arc;

use omnigraph_manifest::{
    BranchName, Commit, DynamoManifestStore, GraphId, Head, ManifestError, ManifestStore,
    MemoryManifestStore, ObjectManifestStore, PageRequest, Pin,
};
use omnigraph_tests::{dynamodb_client, moto_endpoint, unique_name};

use crate::fixtures::{moto_bucket, moto_object_store};

/// Two handles on one backend: separate instances (separate caches) where the backend allows.
pub(crate) struct Backend {
    pub a: Arc<dyn ManifestStore>,
    pub b: Arc<dyn ManifestStore>,
    _dir: Option<tempfile::TempDir>,
}

pub(crate) async fn memory() -> Backend {
    let store: Arc<dyn ManifestStore> = Arc::new(MemoryManifestStore::new());
    Backend {
        a: store.clone(),
        b: store,
        _dir: None,
    }
}

pub(crate) async fn object_local() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let make = || -> Arc<dyn ManifestStore> {
        let fs = object_store::local::LocalFileSystem::new_with_prefix(dir.path()).unwrap();
        Arc::new(ObjectManifestStore::new(
            Arc::new(fs),
            object_store::path::Path::from("graphs"),
        ))
    };
    Backend {
        a: make(),
        b: make(),
        _dir: Some(dir),
    }
}

pub(crate) async fn object_s3() -> Backend {
    let (endpoint, bucket) = moto_bucket("manifest").await;
    let make = || -> Arc<dyn ManifestStore> {
        let s3 = moto_object_store(&endpoint, &bucket);
        Arc::new(ObjectManifestStore::new(
            Arc::new(s3),
            object_store::path::Path::from("prefix"),
        ))
    };
    Backend {
        a: make(),
        b: make(),
        _dir: None,
    }
}

pub(crate) async fn dynamodb() -> Backend {
    let endpoint = moto_endpoint().expect("moto must be running (scripts/test.sh starts it)");
    let client = dynamodb_client(&endpoint);
    let table = unique_name("manifest");
    DynamoManifestStore::create_table(&client, &table)
        .await
        .unwrap();
    Backend {
        a: Arc::new(DynamoManifestStore::new(client.clone(), &table)),
        b: Arc::new(DynamoManifestStore::new(client, &table)),
        _dir: None,
    }
}

fn graph() -> GraphId {
    GraphId::new(unique_name("g").replace('_', "-")).unwrap()
}

fn branch(name: &str) -> BranchName {
    BranchName::new(name).unwrap()
}

pub(crate) fn head(commit: &str, table_version: u64) -> Head {
    Head {
        version: 0,
        commit_id: commit.to_string(),
        schema_hash: "abc".into(),
        tables: BTreeMap::from([(
            "node:Person".to_string(),
            Pin {
                version: table_version,
                rows: table_version * 10,
                manifest_size: Some(1234),
                e_tag: None,
            },
        )]),
    }
}

fn commit(graph: &GraphId, id: &str, actor: &str) -> Commit {
    Commit {
        id: id.to_string(),
        graph: graph.clone(),
        branch: BranchName::main(),
        version: 1,
        parents: vec![],
        actor: actor.to_string(),
        op_kind: "test".into(),
        op_id: id.to_string(),
        created_at: 0,
        schema_hash: "abc".into(),
        pins: BTreeMap::new(),
        summary: serde_json::json!({}),
    }
}

fn ulid_at(ms: u64) -> String {
    ulid::Ulid::from_parts(ms, 7).to_string()
}

pub(crate) async fn cas_winner_and_loser(b: Backend) {
    let (g, main) = (graph(), branch("main"));
    assert_eq!(b.a.head(&g, &main).await.unwrap(), None);
    let v1 = b.a.publish(&g, &main, None, head("c1", 1)).await.unwrap();
    assert_eq!(v1.version, 1);
    let v2 =
        b.a.publish(&g, &main, Some(1), head("c2", 2))
            .await
            .unwrap();
    assert_eq!(v2.version, 2);
    let err =
        b.b.publish(&g, &main, Some(1), head("c3", 3))
            .await
            .unwrap_err();
    match err {
        ManifestError::Conflict { expected, actual } => {
            assert_eq!(expected, Some(1));
            let actual = actual.expect("conflict carries the current head");
            assert_eq!(actual.version, 2);
            assert_eq!(actual.commit_id, "c2");
        }
        other => panic!("expected conflict, got {other:?}"),
    }
    // creating an existing branch is a conflict too
    let err =
        b.b.publish(&g, &main, None, head("c4", 4))
            .await
            .unwrap_err();
    assert!(
        matches!(err, ManifestError::Conflict { expected: None, .. }),
        "{err:?}"
    );
    let now = b.b.head(&g, &main).await.unwrap().unwrap();
    assert_eq!((now.version, now.commit_id.as_str()), (2, "c2"));
    assert_eq!(now.tables["node:Person"].manifest_size, Some(1234));
    assert!(b.a.counters().snapshot().conflict >= 1 || b.b.counters().snapshot().conflict >= 1);
}

pub(crate) async fn head_is_strongly_consistent_across_instances(b: Backend) {
    let (g, main) = (graph(), branch("main"));
    b.a.publish(&g, &main, None, head("c1", 1)).await.unwrap();
    assert_eq!(b.b.head(&g, &main).await.unwrap().unwrap().version, 1);
    // b has now cached version 1; a publishes three more; b must see the newest at once
    for v in 1..=3 {
        b.a.publish(&g, &main, Some(v), head(&format!("c{}", v + 1), v + 1))
            .await
            .unwrap();
    }
    let seen = b.b.head(&g, &main).await.unwrap().unwrap();
    assert_eq!((seen.version, seen.commit_id.as_str()), (4, "c4"));
    // and a publish through b on top of what it saw succeeds
    b.b.publish(&g, &main, Some(4), head("c5", 5))
        .await
        .unwrap();
    assert_eq!(b.a.head(&g, &main).await.unwrap().unwrap().version, 5);
}

/// Rounds of racing publishers: a race that picks two winners only sometimes (as conditional
/// UpdateItem did on moto) still fails this test.
const RACE_ROUNDS: u64 = 6;

pub(crate) async fn concurrent_publishers_have_one_winner(b: Backend) {
    let (g, main) = (graph(), branch("main"));
    b.a.publish(&g, &main, None, head("c0", 1)).await.unwrap();
    for round in 1..=RACE_ROUNDS {
        let mut tasks = Vec::new();
        for i in 0..16 {
            let store = if i % 2 == 0 { b.a.clone() } else { b.b.clone() };
            let (g, main) = (g.clone(), main.clone());
            tasks.push(tokio::spawn(async move {
                store
                    .publish(
                        &g,
                        &main,
                        Some(round),
                        head(&format!("r{round}w{i}"), round + 1),
                    )
                    .await
            }));
        }
        let mut winners = Vec::new();
        for (i, t) in tasks.into_iter().enumerate() {
            match t.await.unwrap() {
                Ok(h) => winners.push((i, h)),
                Err(ManifestError::Conflict { actual, .. }) => {
                    assert_eq!(actual.unwrap().version, round + 1)
                }
                Err(e) => panic!("unexpected error {e:?}"),
            }
        }
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one winner: {winners:?}"
        );
        let now = b.a.head(&g, &main).await.unwrap().unwrap();
        assert_eq!(now.commit_id, format!("r{round}w{}", winners[0].0));
        assert_eq!(now.version, round + 1);
    }
}

pub(crate) async fn concurrent_branch_creates_have_one_winner(b: Backend) {
    let g = graph();
    for round in 0..RACE_ROUNDS {
        let feature = branch(&format!("feature-{round}"));
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store = if i % 2 == 0 { b.a.clone() } else { b.b.clone() };
            let (g, feature) = (g.clone(), feature.clone());
            tasks.push(tokio::spawn(async move {
                store
                    .publish(&g, &feature, None, head(&format!("b{i}"), 1))
                    .await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(ManifestError::Conflict { .. }) => {}
                Err(e) => panic!("unexpected error {e:?}"),
            }
        }
        assert_eq!(ok, 1, "round {round}");
    }
}

pub(crate) async fn delete_and_recreate_keep_versions_monotonic(b: Backend) {
    let g = graph();
    let (main, dev) = (branch("main"), branch("dev"));
    b.a.publish(&g, &main, None, head("m", 1)).await.unwrap();
    b.a.publish(&g, &dev, None, head("d1", 1)).await.unwrap();
    b.a.publish(&g, &dev, Some(1), head("d2", 2)).await.unwrap();
    let err = b.b.delete_branch(&g, &dev, 1).await.unwrap_err();
    assert!(matches!(err, ManifestError::Conflict { .. }), "{err:?}");
    b.b.delete_branch(&g, &dev, 2).await.unwrap();
    assert_eq!(b.a.head(&g, &dev).await.unwrap(), None);
    let names: Vec<String> =
        b.a.list_branches(&g)
            .await
            .unwrap()
            .into_iter()
            .map(|(n, _)| n.to_string())
            .collect();
    assert_eq!(names, vec!["main"]);
    // a stale writer of the deleted incarnation cannot publish
    let err =
        b.a.publish(&g, &dev, Some(2), head("stale", 3))
            .await
            .unwrap_err();
    assert!(
        matches!(err, ManifestError::Conflict { actual: None, .. }),
        "{err:?}"
    );
    // re-create continues the version sequence
    let again = b.b.publish(&g, &dev, None, head("d3", 1)).await.unwrap();
    assert!(
        again.version > 2,
        "version {} must continue past the tombstone",
        again.version
    );
    assert_eq!(b.a.head(&g, &dev).await.unwrap().unwrap().commit_id, "d3");
    let names: Vec<String> =
        b.b.list_branches(&g)
            .await
            .unwrap()
            .into_iter()
            .map(|(n, _)| n.to_string())
            .collect();
    assert_eq!(names, vec!["dev", "main"]);
    // deleting a branch that does not exist is a conflict with no actual head
    let err = b.a.delete_branch(&g, &branch("nope"), 1).await.unwrap_err();
    assert!(
        matches!(err, ManifestError::Conflict { actual: None, .. }),
        "{err:?}"
    );
}

pub(crate) async fn commits_are_put_if_absent_and_paginated(b: Backend) {
    let g = graph();
    let ids: Vec<String> = (1..=25).map(|i| ulid_at(1_700_000_000_000 + i)).collect();
    for (i, id) in ids.iter().enumerate() {
        let actor = if i % 2 == 0 { "alice" } else { "bob" };
        b.a.put_commit(&commit(&g, id, actor)).await.unwrap();
    }
    let err =
        b.b.put_commit(&commit(&g, &ids[3], "mallory"))
            .await
            .unwrap_err();
    assert!(
        matches!(err, ManifestError::AlreadyExists { .. }),
        "{err:?}"
    );
    assert_eq!(
        b.b.get_commit(&g, &ids[3]).await.unwrap().unwrap().actor,
        "bob"
    );
    // re-putting the very same commit (a re-sent request) is a success
    b.b.put_commit(&commit(&g, &ids[3], "bob")).await.unwrap();
    assert_eq!(b.b.get_commit(&g, &ulid_at(1)).await.unwrap(), None);

    let mut seen = Vec::new();
    let mut page = PageRequest::first(10);
    let mut pages = 0;
    loop {
        let got = b.b.list_commits(&g, &page).await.unwrap();
        pages += 1;
        assert!(got.items.len() <= 10);
        seen.extend(got.items.iter().map(|c| c.id.clone()));
        match got.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    b.a.delete_commit(&g, &ids[0]).await.unwrap();
    b.a.delete_commit(&g, &ids[0]).await.unwrap();
    assert_eq!(b.b.get_commit(&g, &ids[0]).await.unwrap(), None);
    // commits of another graph are invisible
    assert!(b
        .a
        .list_commits(&graph(), &PageRequest::first(5))
        .await
        .unwrap()
        .items
        .is_empty());
}

pub(crate) async fn records_are_put_if_absent(b: Backend) {
    let g = graph();
    let key = "my-bucket/incoming/g/main/file.jsonl#etag-\"abc\"";
    let value = serde_json::json!({"commit": "c1"});
    b.a.put_record(&g, "s3-event", key, &value).await.unwrap();
    let err =
        b.b.put_record(&g, "s3-event", key, &serde_json::json!({}))
            .await
            .unwrap_err();
    assert!(
        matches!(err, ManifestError::AlreadyExists { .. }),
        "{err:?}"
    );
    assert_eq!(
        b.b.get_record(&g, "s3-event", key).await.unwrap(),
        Some(value)
    );
    assert_eq!(b.b.get_record(&g, "other", key).await.unwrap(), None);
}

macro_rules! conformance {
    ($($backend:ident),*) => {
        $(
            mod $backend {
                #[tokio::test]
                async fn cas_winner_and_loser() { super::cas_winner_and_loser(super::$backend().await).await }
                #[tokio::test]
                async fn head_is_strongly_consistent_across_instances() { super::head_is_strongly_consistent_across_instances(super::$backend().await).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn concurrent_publishers_have_one_winner() { super::concurrent_publishers_have_one_winner(super::$backend().await).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn concurrent_branch_creates_have_one_winner() { super::concurrent_branch_creates_have_one_winner(super::$backend().await).await }
                #[tokio::test]
                async fn delete_and_recreate_keep_versions_monotonic() { super::delete_and_recreate_keep_versions_monotonic(super::$backend().await).await }
                #[tokio::test]
                async fn commits_are_put_if_absent_and_paginated() { super::commits_are_put_if_absent_and_paginated(super::$backend().await).await }
                #[tokio::test]
                async fn records_are_put_if_absent() { super::records_are_put_if_absent(super::$backend().await).await }
            }
        )*
    };
}

conformance!(memory, object_local, object_s3, dynamodb);
