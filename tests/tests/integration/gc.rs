//! Garbage collection (`Engine::gc`, `omnigraph cleanup`): exactly the unreferenced objects
//! older than the guard go, everything pinned stays and reads the same rows, retention by
//! count and by age, the guard floor, dry runs, idempotence, the bytes-reclaimed figure and
//! request counts — on a local directory and on S3 (moto).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use omnigraph_engine::failpoints::{self, armed};
use omnigraph_engine::now_ms;
use omnigraph_engine::{
    AppendRows, BranchSource, Engine, GcOptions, ManifestChoice, ReadTarget, StoreLocation,
};
use omnigraph_manifest::{BranchName, GraphId};

use crate::engine_core::{graph, local_engine, people, SOCIAL};
use crate::fixtures::all_commits;

const DAY_MS: u64 = 86_400_000;

fn append(names: &[&str]) -> AppendRows {
    AppendRows {
        table_key: "node:Person".into(),
        batch: people(names, 30),
    }
}

/// Rows of every table a target pins, read from the data (a scan of every column).
async fn read_rows(engine: &Engine, g: &GraphId, target: &ReadTarget) -> BTreeMap<String, usize> {
    let snap = engine.snapshot(g, target).await.unwrap();
    let mut out = BTreeMap::new();
    for key in snap.tables.keys() {
        let (_, ds) = engine
            .open_table(&snap, key)
            .await
            .unwrap_or_else(|e| panic!("{target:?} {key}: {e}"));
        let batch = ds.scan().try_into_batch().await.unwrap();
        out.insert(key.clone(), batch.num_rows());
    }
    out
}

/// What every head and every commit reads, by target.
async fn everything(engine: &Engine, g: &GraphId) -> BTreeMap<String, BTreeMap<String, usize>> {
    let mut out = BTreeMap::new();
    for b in engine.list_branches(g).await.unwrap() {
        let t = ReadTarget::Branch(b.name.clone());
        out.insert(format!("branch {}", b.name), read_rows(engine, g, &t).await);
    }
    for c in all_commits(engine, g).await {
        let t = ReadTarget::Commit(c.id.clone());
        out.insert(format!("commit {}", c.id), read_rows(engine, g, &t).await);
    }
    out
}

fn files_under(dir: &Path, out: &mut BTreeMap<PathBuf, u64>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.insert(path.clone(), entry.metadata().unwrap().len());
        }
    }
}

/// Every object under the graph's `tables/`, store-relative, with its size.
fn table_files(store: &Path, g: &GraphId) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    files_under(&store.join(g.as_str()).join("tables"), &mut out);
    out.into_iter()
        .map(|(p, n)| (p.strip_prefix(store).unwrap().display().to_string(), n))
        .collect()
}

fn remove_sidecars(store: &Path, g: &GraphId) {
    let _ = std::fs::remove_dir_all(store.join(g.as_str()).join("__recovery"));
}

/// A write that stages its version and dies before publishing, its sidecar then lost: an
/// unpinned version nothing names (only GC removes it).
async fn stray_version(engine: &Engine, g: &GraphId, store: &Path) {
    let err = armed(
        vec![failpoints::WRITE_AFTER_STAGE],
        engine.execute_write(g, &BranchName::main(), "a", &append(&["stray"])),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("failpoint"), "{err}");
    remove_sidecars(store, g);
}

fn opts(now_ms: u64) -> GcOptions {
    GcOptions::new(now_ms)
}

/// History: main = genesis, +ann, +bob, +cat; branch feat (+dan) deleted; one stray version.
struct Fixture {
    _dir: tempfile::TempDir,
    engine: Engine,
    g: GraphId,
    /// Objects before the stray version was written.
    before_stray: BTreeMap<String, u64>,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = graph("gc");
    let main = BranchName::main();
    engine.init(&g, SOCIAL, "a").await.unwrap();
    for name in ["ann", "bob", "cat"] {
        engine
            .execute_write(&g, &main, "a", &append(&[name]))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let feat = BranchName::new("feat").unwrap();
    engine
        .create_branch(&g, &feat, &BranchSource::Branch(main.clone()))
        .await
        .unwrap();
    engine
        .execute_write(&g, &feat, "a", &append(&["dan"]))
        .await
        .unwrap();
    engine.delete_branch(&g, &feat).await.unwrap();
    let before_stray = table_files(dir.path(), &g);
    stray_version(&engine, &g, dir.path()).await;
    Fixture {
        _dir: dir,
        engine,
        g,
        before_stray,
    }
}

#[tokio::test]
async fn gc_deletes_exactly_the_unreferenced_objects_older_than_the_guard() {
    let f = fixture().await;
    let store = f._dir.path();
    let stray: BTreeMap<String, u64> = table_files(store, &f.g)
        .into_iter()
        .filter(|(p, _)| !f.before_stray.contains_key(p))
        .collect();
    // The stray version: its manifest, its data file and its transaction file.
    assert_eq!(stray.len(), 3, "{stray:?}");
    let reads = everything(&local_engine(store).await, &f.g).await;

    // Now: everything is younger than the guard, nothing goes.
    let young = f.engine.gc(&f.g, &opts(now_ms())).await.unwrap();
    assert!(young.files_deleted.is_empty(), "{young:?}");
    // Its manifest is young, so it is a root: its files are live and only the manifest counts.
    assert_eq!(young.young_kept, 1, "{young:?}");

    // A day later, keeping every commit: exactly the stray version goes.
    let later = now_ms() + DAY_MS;
    let dry = f
        .engine
        .gc(
            &f.g,
            &GcOptions {
                dry_run: true,
                ..opts(later)
            },
        )
        .await
        .unwrap();
    assert_eq!(table_files(store, &f.g).len(), f.before_stray.len() + 3);
    let start = f.engine.stats_start();
    let report = f.engine.gc(&f.g, &opts(later)).await.unwrap();
    let stats = f.engine.stats_since(&start);
    assert!(report.commits_expired.is_empty(), "{report:?}");
    let deleted: BTreeMap<String, u64> = report
        .files_deleted
        .iter()
        .map(|d| (d.path.clone(), d.bytes))
        .collect();
    assert_eq!(deleted, stray, "{report:?}");
    assert_eq!(report.bytes_reclaimed, stray.values().sum::<u64>());
    assert_eq!(report.versions_deleted.len(), 1);
    assert_eq!(report.versions_deleted[0].table, "node:Person");
    assert_eq!(table_files(store, &f.g), f.before_stray);
    // The dry run reported exactly what the real run did.
    assert_eq!(dry.files_deleted, report.files_deleted);
    // Requests: one LIST of `__recovery/`, one of `tables/`; one DELETE per object.
    assert_eq!(stats.object_store.list, 2, "{stats:?}");
    assert_eq!(stats.object_store.delete, 3, "{stats:?}");
    assert_eq!(stats.object_store.put, 0, "{stats:?}");

    // Every head and commit reads what it read before (a fresh engine: no cache).
    assert_eq!(everything(&local_engine(store).await, &f.g).await, reads);

    // Idempotent.
    let again = f.engine.gc(&f.g, &opts(later)).await.unwrap();
    assert!(again.files_deleted.is_empty(), "{again:?}");
}

#[tokio::test]
async fn retention_keep_n_expires_commits_and_their_versions() {
    let f = fixture().await;
    let store = f._dir.path();
    let e = local_engine(store).await;
    let main = BranchName::main();
    let commits = all_commits(&e, &f.g).await;
    assert_eq!(commits.len(), 5, "genesis, 3 on main, 1 on feat");
    let head = e.require_head(&f.g, &main).await.unwrap();
    let cat = e.require_commit(&f.g, &head.commit_id).await.unwrap();
    let bob = cat.parents[0].clone();
    let head_reads = read_rows(&e, &f.g, &ReadTarget::Branch(main.clone())).await;

    let later = now_ms() + DAY_MS;
    let report = f
        .engine
        .gc(
            &f.g,
            &GcOptions {
                keep_commits: Some(2),
                ..opts(later)
            },
        )
        .await
        .unwrap();
    // Kept: cat (head) and bob; expired: ann, genesis, and the deleted branch's commit.
    assert_eq!(report.commits_expired.len(), 3, "{report:?}");
    assert_eq!(report.commits_retained, 2, "{report:?}");
    let left: BTreeSet<String> = all_commits(&e, &f.g)
        .await
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(left, BTreeSet::from([cat.id.clone(), bob.clone()]));
    // Genesis pins the mainline version 1 (never deleted); ann's and dan's Person versions
    // and the stray one go; bob's and cat's stay.
    let person_deleted = report
        .versions_deleted
        .iter()
        .filter(|v| v.table == "node:Person")
        .count();
    assert_eq!(person_deleted, 3, "{report:?}");

    // What is retained reads the same; what expired is a clean not_found.
    let fresh = local_engine(store).await;
    assert_eq!(
        read_rows(&fresh, &f.g, &ReadTarget::Branch(main.clone())).await,
        head_reads
    );
    for id in &left {
        read_rows(&fresh, &f.g, &ReadTarget::Commit(id.clone())).await;
    }
    let expired = &report.commits_expired[0];
    let err = fresh
        .snapshot(&f.g, &ReadTarget::Commit(expired.clone()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_found", "{err}");
    assert!(err.to_string().contains("expired"), "{err}");
    let err = fresh
        .snapshot(
            &f.g,
            &ReadTarget::Version {
                branch: main.clone(),
                version: 2,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_found", "{err}");
    let err = fresh
        .create_branch(
            &f.g,
            &BranchName::new("old").unwrap(),
            &BranchSource::Commit(expired.clone()),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_found", "{err}");

    // No object left that no live version references (only young or live remain).
    let again = f
        .engine
        .gc(
            &f.g,
            &GcOptions {
                keep_commits: Some(2),
                ..opts(later)
            },
        )
        .await
        .unwrap();
    assert!(again.files_deleted.is_empty() && again.commits_expired.is_empty());
    // And the write path still works on top.
    fresh
        .execute_write(&f.g, &main, "a", &append(&["eve"]))
        .await
        .unwrap();
}

#[tokio::test]
async fn retention_by_age_keeps_commits_younger_than_older_than() {
    let f = fixture().await;
    let e = &f.engine;
    let main = BranchName::main();
    let head = e.require_head(&f.g, &main).await.unwrap();
    let cat = e.require_commit(&f.g, &head.commit_id).await.unwrap();
    let bob = e.require_commit(&f.g, &cat.parents[0]).await.unwrap();
    // Keep commits made at or after bob's; the clock a day later.
    let now = bob.created_at + DAY_MS;
    let report = e
        .gc(
            &f.g,
            &GcOptions {
                keep_for: Some(Duration::from_millis(DAY_MS)),
                ..opts(now)
            },
        )
        .await
        .unwrap();
    let left: BTreeSet<String> = all_commits(e, &f.g)
        .await
        .into_iter()
        .map(|c| c.id)
        .collect();
    // feat's commit (made after bob) is unreachable from every head: expired regardless.
    assert_eq!(
        left,
        BTreeSet::from([cat.id.clone(), bob.id.clone()]),
        "{report:?}"
    );
    assert_eq!(report.commits_expired.len(), 3, "{report:?}");
}

#[tokio::test]
async fn a_guard_below_twice_the_function_timeout_is_refused_and_changes_nothing() {
    let f = fixture().await;
    let store = f._dir.path();
    let files = table_files(store, &f.g);
    let commits = all_commits(&f.engine, &f.g).await.len();
    let err = f
        .engine
        .gc(
            &f.g,
            &GcOptions {
                guard: Some(Duration::from_secs(29 * 60)),
                keep_commits: Some(1),
                ..opts(now_ms() + DAY_MS)
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "bad_request");
    assert!(
        err.to_string()
            .contains("twice the longest function timeout"),
        "{err}"
    );
    assert_eq!(table_files(store, &f.g), files);
    assert_eq!(all_commits(&f.engine, &f.g).await.len(), commits);
    // A shorter function timeout allows a shorter guard.
    let ok = f
        .engine
        .gc(
            &f.g,
            &GcOptions {
                guard: Some(Duration::from_secs(120)),
                function_timeout: Duration::from_secs(60),
                ..opts(now_ms() + 10 * 60 * 1000)
            },
        )
        .await
        .unwrap();
    assert_eq!(ok.files_deleted.len(), 3, "{ok:?}");
}

/// A staged version whose writer has not published yet is younger than the guard: kept, and
/// its sidecar's pins are live even after the guard (until recovery resolves it).
#[tokio::test]
async fn staged_versions_of_a_live_sidecar_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = graph("staged");
    engine.init(&g, SOCIAL, "a").await.unwrap();
    let err = armed(
        vec![failpoints::WRITE_AFTER_SIDECAR_REWRITE],
        engine.execute_write(&g, &BranchName::main(), "a", &append(&["x"])),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "unavailable");
    let files = table_files(dir.path(), &g);
    let report = engine.gc(&g, &opts(now_ms() + DAY_MS)).await.unwrap();
    assert!(report.files_deleted.is_empty(), "{report:?}");
    assert_eq!(table_files(dir.path(), &g), files);
    // Recovery removes it; then nothing is left for GC.
    let rec = engine.recover(&g, now_ms() + DAY_MS, false).await.unwrap();
    assert_eq!(rec.rolled_back.len(), 1);
    let report = engine.gc(&g, &opts(now_ms() + DAY_MS)).await.unwrap();
    assert!(report.files_deleted.is_empty(), "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gc_on_s3_with_retention() {
    let (endpoint, bucket) = crate::fixtures::moto_bucket("gc").await;
    let s3 = omnigraph_tests::s3_client(&endpoint);
    let engine = Engine::open(
        StoreLocation::parse(&format!("s3://{bucket}/graphs")).unwrap(),
        ManifestChoice::ObjectStore,
    )
    .await
    .unwrap();
    let g = graph("gcs3");
    let main = BranchName::main();
    engine.init(&g, SOCIAL, "a").await.unwrap();
    for name in ["ann", "bob", "cat"] {
        engine
            .execute_write(&g, &main, "a", &append(&[name]))
            .await
            .unwrap();
    }
    let list = |prefix: String| {
        let s3 = s3.clone();
        let bucket = bucket.clone();
        async move {
            let mut out = BTreeMap::new();
            let mut token = None;
            loop {
                let got = s3
                    .list_objects_v2()
                    .bucket(&bucket)
                    .prefix(&prefix)
                    .set_continuation_token(token)
                    .send()
                    .await
                    .unwrap();
                for o in got.contents() {
                    out.insert(o.key().unwrap().to_string(), o.size().unwrap() as u64);
                }
                token = got.next_continuation_token().map(str::to_string);
                if token.is_none() {
                    return out;
                }
            }
        }
    };
    let prefix = "graphs/gcs3/tables/".to_string();
    let before = list(prefix.clone()).await;
    let head_reads = read_rows(&engine, &g, &ReadTarget::Branch(main.clone())).await;
    let report = engine
        .gc(
            &g,
            &GcOptions {
                keep_commits: Some(1),
                ..opts(now_ms() + DAY_MS)
            },
        )
        .await
        .unwrap();
    // Genesis, ann and bob expire; ann's and bob's Person versions go: manifest and
    // transaction file each (their data files are appended fragments cat's version still
    // references).
    assert_eq!(report.commits_expired.len(), 3, "{report:?}");
    assert_eq!(report.versions_deleted.len(), 2, "{report:?}");
    assert_eq!(report.files_deleted.len(), 4, "{report:?}");
    let after = list(prefix).await;
    let gone: BTreeMap<String, u64> = before
        .iter()
        .filter(|(k, _)| !after.contains_key(*k))
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let reported: BTreeMap<String, u64> = report
        .files_deleted
        .iter()
        .map(|f| (f.path.clone(), f.bytes))
        .collect();
    assert_eq!(gone, reported);
    assert_eq!(report.bytes_reclaimed, gone.values().sum::<u64>());
    let fresh = Engine::open(
        StoreLocation::parse(&format!("s3://{bucket}/graphs")).unwrap(),
        ManifestChoice::ObjectStore,
    )
    .await
    .unwrap();
    assert_eq!(
        read_rows(&fresh, &g, &ReadTarget::Branch(main.clone())).await,
        head_reads
    );
    let again = engine
        .gc(
            &g,
            &GcOptions {
                keep_commits: Some(1),
                ..opts(now_ms() + DAY_MS)
            },
        )
        .await
        .unwrap();
    assert!(again.files_deleted.is_empty(), "{again:?}");
}

/// `omnigraph cleanup`: a dry run without `--confirm`, deletion with it, `--stats`, the guard
/// floor and a bad duration.
#[test]
fn cli_cleanup() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let g = graph("gc");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let before = rt.block_on(async {
        let engine = local_engine(store).await;
        engine.init(&g, SOCIAL, "a").await.unwrap();
        for name in ["ann", "bob"] {
            engine
                .execute_write(&g, &BranchName::main(), "a", &append(&[name]))
                .await
                .unwrap();
        }
        table_files(store, &g)
    });
    let run = |args: &[&str]| {
        std::process::Command::new(omnigraph_tests::omnigraph_bin().unwrap())
            .arg("--store")
            .arg(store)
            .args(["--graph", "gc", "--format", "json"])
            .args(args)
            .env_remove("OMNIGRAPH_STORE")
            .env_remove(failpoints::ENV)
            .output()
            .unwrap()
    };
    let later = (now_ms() + DAY_MS).to_string();
    let out = run(&["cleanup", "--keep", "1", "--now", &later, "--stats"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["dry_run"], true);
    assert_eq!(
        report["commits_expired"].as_array().unwrap().len(),
        2,
        "{report}"
    );
    assert_eq!(
        report["versions_deleted"].as_array().unwrap().len(),
        1,
        "{report}"
    );
    let stats: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(stats["stats"]["object_store"]["delete"], 0, "{stats}");
    assert_eq!(stats["stats"]["object_store"]["list"], 2, "{stats}");
    assert_eq!(table_files(store, &g), before);

    let out = run(&["cleanup", "--keep", "1", "--now", &later, "--confirm"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["dry_run"], false);
    // ann's version: its manifest and transaction file (bob's still references its data).
    let deleted = report["files_deleted"].as_array().unwrap().len();
    assert_eq!(deleted, 2, "{report}");
    assert_eq!(table_files(store, &g).len(), before.len() - 2);

    let out = run(&["cleanup", "--guard", "10m", "--confirm"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("twice the longest function timeout"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["cleanup", "--older-than", "soon"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--older-than"));
}

/// The `recover` route sweeps every graph under the store: recovery, then GC.
#[tokio::test]
async fn maintain_sweeps_every_graph() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    for name in ["one", "two"] {
        let g = graph(name);
        engine.init(&g, SOCIAL, "a").await.unwrap();
        stray_version(&engine, &g, dir.path()).await;
    }
    std::fs::create_dir_all(dir.path().join("incoming")).unwrap();
    std::fs::write(dir.path().join("incoming/x.jsonl"), "{}").unwrap();
    assert_eq!(engine.graphs().await.unwrap().len(), 3);
    let swept = engine
        .maintain(None, &opts(now_ms() + DAY_MS))
        .await
        .unwrap();
    let names: Vec<&str> = swept.iter().map(|s| s.graph.as_str()).collect();
    assert_eq!(names, ["one", "two"]);
    for s in &swept {
        assert_eq!(s.gc.versions_deleted.len(), 1, "{s:?}");
    }
}

/// A write that dies right after its head CAS (acknowledged by its head, its sidecar left).
async fn publish_and_die(engine: &Engine, g: &GraphId, branch: &BranchName, name: &str) {
    let err = armed(
        vec![failpoints::WRITE_AFTER_HEAD_CAS],
        engine.execute_write(g, branch, "a", &append(&[name])),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("failpoint"), "{err}");
}

/// Regression (simulation seed 43): a writer died after its head CAS, the branch moved on
/// (its later versions inherit the dead writer's files) and GC expired the writer's commit.
/// Recovery must not take the missing commit for "never happened" and delete the files the
/// head still reads.
#[tokio::test]
async fn recovery_after_gc_expired_a_published_commit_keeps_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = graph("expired-op");
    let main = BranchName::main();
    engine.init(&g, SOCIAL, "a").await.unwrap();
    engine
        .execute_write(&g, &main, "a", &append(&["ann"]))
        .await
        .unwrap();
    publish_and_die(&engine, &g, &main, "bob").await;
    let died = engine.manifest().head(&g, &main).await.unwrap().unwrap();
    engine
        .execute_write(&g, &main, "a", &append(&["cat"]))
        .await
        .unwrap();
    let mut keep_one = opts(now_ms() + DAY_MS);
    keep_one.keep_commits = Some(1);
    let report = engine.gc(&g, &keep_one).await.unwrap();
    assert!(
        report.commits_expired.contains(&died.commit_id),
        "{report:?}"
    );
    let before = everything(&engine, &g).await;

    let rec = engine.recover(&g, now_ms() + DAY_MS, false).await.unwrap();
    assert!(rec.rolled_back.is_empty(), "{rec:?}");
    assert_eq!(rec.undecided.len(), 1, "{rec:?}");
    assert!(
        sidecars_left(dir.path(), &g).is_empty(),
        "recovery resolves the sidecar"
    );
    let main_rows = read_rows(&engine, &g, &ReadTarget::Branch(main.clone())).await;
    assert_eq!(main_rows["node:Person"], 3, "ann, bob and cat");
    let fresh = local_engine(dir.path()).await;
    assert_eq!(everything(&fresh, &g).await, before);
    // A later collection finds nothing pinned to remove either.
    engine.gc(&g, &keep_one).await.unwrap();
    assert_eq!(
        everything(&local_engine(dir.path()).await, &g).await,
        before
    );
}

/// Regression (simulation seed 42): a writer died after its head CAS and its branch was then
/// deleted. Its commit is reachable from no head but was acknowledged: recovery must keep it
/// (time travel to it works until GC retention expires it) and the files it pins.
#[tokio::test]
async fn recovery_after_the_branch_was_deleted_keeps_the_published_commit() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = graph("deleted-branch-op");
    let main = BranchName::main();
    let feat = BranchName::new("feat").unwrap();
    engine.init(&g, SOCIAL, "a").await.unwrap();
    engine
        .create_branch(&g, &feat, &BranchSource::Branch(main.clone()))
        .await
        .unwrap();
    publish_and_die(&engine, &g, &feat, "dan").await;
    let died = engine.manifest().head(&g, &feat).await.unwrap().unwrap();
    engine.delete_branch(&g, &feat).await.unwrap();

    let rec = engine.recover(&g, now_ms() + DAY_MS, false).await.unwrap();
    assert!(rec.rolled_back.is_empty(), "{rec:?}");
    assert_eq!(rec.undecided.len(), 1, "{rec:?}");
    assert!(sidecars_left(dir.path(), &g).is_empty());
    let fresh = local_engine(dir.path()).await;
    let rows = read_rows(&fresh, &g, &ReadTarget::Commit(died.commit_id.clone())).await;
    assert_eq!(
        rows["node:Person"], 1,
        "the acknowledged write is still readable"
    );
    // Keep-everything GC keeps it too; retention then expires it like any unreachable commit.
    engine.gc(&g, &opts(now_ms() + DAY_MS)).await.unwrap();
    let rows = read_rows(&fresh, &g, &ReadTarget::Commit(died.commit_id.clone())).await;
    assert_eq!(rows["node:Person"], 1);
    let mut keep_one = opts(now_ms() + DAY_MS);
    keep_one.keep_commits = Some(1);
    let report = engine.gc(&g, &keep_one).await.unwrap();
    assert!(report.commits_expired.contains(&died.commit_id));
}

/// A writer that died between its commit item and its head CAS, on a branch that others then
/// moved on: the lineage since its base shows it never published, so recovery still rolls it
/// back (its orphan commit item and staged version) and the heads read the same.
#[tokio::test]
async fn recovery_rolls_back_an_orphan_after_the_branch_moved_on() {
    let dir = tempfile::tempdir().unwrap();
    let engine = local_engine(dir.path()).await;
    let g = graph("orphan-op");
    let main = BranchName::main();
    engine.init(&g, SOCIAL, "a").await.unwrap();
    let err = armed(
        vec![failpoints::WRITE_AFTER_COMMIT_ITEM],
        engine.execute_write(&g, &main, "a", &append(&["ghost"])),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("failpoint"), "{err}");
    let orphan = all_commits(&engine, &g)
        .await
        .into_iter()
        .find(|c| c.op_kind != "init")
        .unwrap();
    for name in ["ann", "bob"] {
        engine
            .execute_write(&g, &main, "a", &append(&[name]))
            .await
            .unwrap();
    }
    let rec = engine.recover(&g, now_ms() + DAY_MS, false).await.unwrap();
    assert_eq!(rec.rolled_back.len(), 1, "{rec:?}");
    assert!(rec.undecided.is_empty(), "{rec:?}");
    assert_eq!(rec.rolled_back[0].commits, vec![orphan.id.clone()]);
    assert_eq!(rec.rolled_back[0].versions.len(), 1, "{rec:?}");
    assert!(engine
        .manifest()
        .get_commit(&g, &orphan.id)
        .await
        .unwrap()
        .is_none());
    let rows = read_rows(
        &local_engine(dir.path()).await,
        &g,
        &ReadTarget::Branch(main),
    )
    .await;
    assert_eq!(rows["node:Person"], 2);
}

fn sidecars_left(store: &Path, g: &GraphId) -> Vec<PathBuf> {
    std::fs::read_dir(store.join(g.as_str()).join("__recovery"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}
