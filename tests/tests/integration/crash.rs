//! Crash safety with real process death: for every writer × catalogued failpoint, the
//! `omnigraph` binary runs with `OMNIGRAPH_FAILPOINTS=<name>=abort` on a local-directory store
//! and dies there; then the branch reads exactly as before or as after, the next write
//! succeeds at once, `recover` (past the deadline) removes every sidecar and everything the
//! dead writer wrote that nothing pins, and every pinned version opens.
//!
//! The CLI binary has failpoints compiled in because this crate enables the engine's
//! `failpoints` feature and `cargo build --workspace` unifies features (docs/testing.md).

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use omnigraph_engine::failpoints::{self, CATALOG};
use omnigraph_engine::{ReadTarget, Sidecar};
use omnigraph_manifest::GraphId;

use crate::fixtures::{all_commits, example, local_engine, succeeded};

const GRAPH: &str = "crash";
/// A `--now` safely past every sidecar's deadline.
const LATER_MS: u64 = 3 * 3600 * 1000;

fn cli(store: &Path, failpoint: Option<&str>, args: &[&str]) -> Output {
    let bin = omnigraph_tests::omnigraph_bin().expect("the CLI binary must be built");
    let mut cmd = Command::new(bin);
    cmd.arg("--store")
        .arg(store)
        .arg("--graph")
        .arg(GRAPH)
        .arg("--format")
        .arg("json")
        .args(args)
        .env_remove("OMNIGRAPH_STORE")
        .env_remove("OMNIGRAPH_GRAPH")
        .env_remove(failpoints::ENV);
    if let Some(name) = failpoint {
        cmd.env(failpoints::ENV, format!("{name}=abort"));
    }
    cmd.output().expect("the CLI runs")
}

fn ok(out: &Output) {
    succeeded(out);
}

fn write_file(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

/// Input files shared by every case.
struct Inputs {
    _dir: tempfile::TempDir,
    append: String,
    overwrite: String,
    merge: String,
    next: String,
}

fn inputs() -> &'static Inputs {
    static INPUTS: OnceLock<Inputs> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        // Four tables, so a crash after the first table's commit is a partial step B.
        let append = write_file(
            dir.path(),
            "append.jsonl",
            concat!(
                r#"{"type":"Person","data":{"handle":"fay","name":"Fay","age":30}}"#,
                "\n",
                r#"{"type":"Company","data":{"slug":"umbrella","name":"Umbrella","sector":"health"}}"#,
                "\n",
                r#"{"edge":"Knows","from":"fay","to":"ann","data":{"id":"k9"}}"#,
                "\n",
                r#"{"edge":"WorksAt","from":"fay","to":"umbrella","data":{"id":"w9"}}"#,
                "\n"
            ),
        );
        let overwrite = write_file(
            dir.path(),
            "overwrite.jsonl",
            concat!(
                r#"{"type":"Person","data":{"handle":"ann","name":"Ann"}}"#,
                "\n",
                r#"{"type":"Person","data":{"handle":"bob","name":"Bob"}}"#,
                "\n",
                r#"{"edge":"Knows","from":"ann","to":"bob","data":{"id":"k1"}}"#,
                "\n",
                // WorksAt is replaced too: keeping dan's edge would orphan it (E-D014).
                r#"{"edge":"WorksAt","from":"ann","to":"acme","data":{"id":"w1"}}"#,
                "\n"
            ),
        );
        let merge = write_file(
            dir.path(),
            "merge.jsonl",
            concat!(
                r#"{"type":"Person","data":{"handle":"ann","name":"Ann B","age":35}}"#,
                "\n",
                r#"{"type":"Person","data":{"handle":"gus","name":"Gus"}}"#,
                "\n",
                r#"{"type":"Company","data":{"slug":"acme","name":"Acme Corp","sector":"fintech"}}"#,
                "\n"
            ),
        );
        let next = write_file(
            dir.path(),
            "next.jsonl",
            concat!(
                r#"{"type":"Person","data":{"handle":"zed","name":"Zed"}}"#,
                "\n"
            ),
        );
        Inputs {
            _dir: dir,
            append,
            overwrite,
            merge,
            next,
        }
    })
}

/// A store with the social example loaded on `main` (version 2), built once per process.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<tempfile::TempDir> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let version = cli(dir.path(), None, &["version"]);
            ok(&version);
            let version: serde_json::Value = serde_json::from_slice(&version.stdout).unwrap();
            assert_eq!(
                version["failpoints"], true,
                "the omnigraph binary was built without failpoints (a `cargo build -p \
                 omnigraph-cli` replaced it?): rebuild with `cargo build --workspace`"
            );
            ok(&cli(
                dir.path(),
                None,
                &["init", "--schema", &example("schema.pg")],
            ));
            ok(&cli(
                dir.path(),
                None,
                &["load", "--data", &example("data.jsonl")],
            ));
            dir
        })
        .path()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A fresh copy of the template store.
fn fresh_store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(template(), dir.path());
    dir
}

fn files_under(dir: &Path, out: &mut BTreeSet<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.insert(path);
        }
    }
}

/// Every file under the graph's `tables/` (Lance manifests, data, transactions, deletions),
/// relative to the store.
fn table_files(store: &Path) -> BTreeSet<PathBuf> {
    let mut out = BTreeSet::new();
    files_under(&store.join(GRAPH).join("tables"), &mut out);
    out.into_iter()
        .map(|p| p.strip_prefix(store).unwrap().to_path_buf())
        .collect()
}

/// The version of a detached manifest file (`_versions/d<v>.manifest`).
fn detached_version(path: &Path) -> Option<u64> {
    if path.parent()?.file_name()? != "_versions" {
        return None;
    }
    path.file_name()?
        .to_str()?
        .strip_prefix('d')?
        .strip_suffix(".manifest")?
        .parse()
        .ok()
}

fn sidecars(store: &Path) -> Vec<Sidecar> {
    let mut files = BTreeSet::new();
    files_under(&store.join(GRAPH).join("__recovery"), &mut files);
    files
        .iter()
        .map(|f| serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap())
        .collect()
}

/// What a reader sees: per branch, its head version and rows per table.
type State = BTreeMap<String, (u64, BTreeMap<String, u64>)>;

async fn observe(store: &Path) -> State {
    let engine = local_engine(store).await;
    let g = GraphId::new(GRAPH).unwrap();
    let mut state = State::new();
    for b in engine.list_branches(&g).await.unwrap() {
        let snap = engine
            .snapshot(&g, &ReadTarget::Branch(b.name.clone()))
            .await
            .unwrap();
        let mut rows = BTreeMap::new();
        for key in snap.tables.keys() {
            // Counted from the data, not taken from the pin.
            let (_, ds) = engine.open_table(&snap, key).await.unwrap();
            rows.insert(key.clone(), ds.count_rows(None).await.unwrap() as u64);
        }
        state.insert(b.name.to_string(), (snap.version, rows));
    }
    state
}

/// Invariant 1: every version pinned by a head or a commit opens, with the pinned row count.
/// Returns the pinned versions.
async fn check_pinned_versions_open(store: &Path) -> BTreeSet<u64> {
    let engine = local_engine(store).await;
    let g = GraphId::new(GRAPH).unwrap();
    let mut pinned = BTreeSet::new();
    let mut targets: Vec<ReadTarget> = engine
        .list_branches(&g)
        .await
        .unwrap()
        .into_iter()
        .map(|b| ReadTarget::Branch(b.name))
        .collect();
    targets.extend(
        all_commits(&engine, &g)
            .await
            .into_iter()
            .map(|c| ReadTarget::Commit(c.id)),
    );
    for target in targets {
        let snap = engine.snapshot(&g, &target).await.unwrap();
        for (key, pin) in &snap.tables {
            let (_, ds) = engine.open_table(&snap, key).await.unwrap_or_else(|e| {
                panic!("{target:?} pins {key}@{} that fails: {e}", pin.version)
            });
            assert_eq!(
                ds.count_rows(None).await.unwrap() as u64,
                pin.rows,
                "{target:?} {key}"
            );
            pinned.insert(pin.version);
        }
    }
    pinned
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writer {
    LoadAppend,
    LoadOverwrite,
    LoadMerge,
    /// A `.gq` mutation writing three tables (insert, insert edge, delete with cascade).
    Mutate,
    BranchCreate,
    /// `load --branch feat --from main`: a branch create, then a load on the new branch.
    LoadNewBranch,
    /// A merge staged one record per batch: several detached versions per table, the
    /// earlier ones recorded as intermediate in the sidecar.
    LoadMergeBatched,
}

impl Writer {
    const ALL: [Writer; 7] = [
        Writer::LoadAppend,
        Writer::LoadOverwrite,
        Writer::LoadMerge,
        Writer::Mutate,
        Writer::BranchCreate,
        Writer::LoadNewBranch,
        Writer::LoadMergeBatched,
    ];

    fn args(self) -> Vec<String> {
        let i = inputs();
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect();
        match self {
            Writer::LoadAppend => v(&["load", "--mode", "append", "--data", &i.append]),
            Writer::LoadOverwrite => v(&["load", "--mode", "overwrite", "--data", &i.overwrite]),
            Writer::LoadMerge => v(&["load", "--mode", "merge", "--data", &i.merge]),
            Writer::LoadMergeBatched => v(&[
                "load",
                "--mode",
                "merge",
                "--data",
                &i.merge,
                "--batch-rows",
                "1",
            ]),
            Writer::Mutate => v(&[
                "mutate",
                "-e",
                "query m($h: String) { insert Person { handle: $h, name: \"Hal\" } \
                 insert WorksAt { from: $h, to: \"acme\", role: \"intern\" } \
                 delete Person where handle = \"cat\" }",
                "--params",
                r#"{"h": "hal"}"#,
            ]),
            Writer::BranchCreate => v(&["branch", "create", "feat"]),
            Writer::LoadNewBranch => v(&[
                "load", "--mode", "append", "--data", &i.append, "--branch", "feat", "--from",
                "main",
            ]),
        }
    }

    fn run(self, store: &Path, failpoint: Option<&str>) -> Output {
        let args = self.args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli(store, failpoint, &args)
    }

    /// The states a reader may see after this writer died anywhere: before, after, and for
    /// the two-step writer, between its steps.
    async fn allowed_states(self) -> Vec<State> {
        let before = observe(template()).await;
        let after = {
            let dir = fresh_store();
            ok(&self.run(dir.path(), None));
            observe(dir.path()).await
        };
        let mut states = vec![before, after];
        if self == Writer::LoadNewBranch {
            let dir = fresh_store();
            ok(&Writer::BranchCreate.run(dir.path(), None));
            states.push(observe(dir.path()).await);
        }
        states
    }
}

/// One crash case; returns whether the failpoint was on the writer's path (the process died).
async fn crash_case(writer: Writer, failpoint: &str, allowed: &[State]) -> bool {
    let case = format!("{writer:?} × {failpoint}");
    let dir = fresh_store();
    let store = dir.path();
    let before_files = table_files(store);

    let out = writer.run(store, Some(failpoint));
    if out.status.success() {
        // Not on this writer's path: it must have completed normally.
        assert_eq!(&observe(store).await, &allowed[1], "{case}: completed run");
        assert!(sidecars(store).is_empty(), "{case}");
        return false;
    }
    assert_eq!(
        out.status.signal(),
        Some(6),
        "{case}: expected death by SIGABRT, got {:?}; stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(failpoint),
        "{case}: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Never partial: exactly one of the allowed states (before / after / between steps).
    let seen = observe(store).await;
    assert!(
        allowed.contains(&seen),
        "{case}: partial state {seen:#?}\nallowed: {allowed:#?}"
    );
    let dead_ops: Vec<Sidecar> = sidecars(store);
    let crash_files: BTreeSet<PathBuf> = table_files(store)
        .difference(&before_files)
        .cloned()
        .collect();

    // The next write succeeds at once (no lease, no blocking on the dead writer).
    ok(&cli(
        store,
        None,
        &["load", "--mode", "append", "--data", &inputs().next],
    ));
    let after_next = observe(store).await;

    // Recovery with a clock past every deadline.
    let engine = local_engine(store).await;
    let g = GraphId::new(GRAPH).unwrap();
    let now = omnigraph_tests_now() + LATER_MS;
    let report = engine.recover(&g, now, false).await.unwrap();
    assert!(
        sidecars(store).is_empty(),
        "{case}: sidecars left: {report:?}"
    );
    assert_eq!(
        report.committed.len() + report.rolled_back.len(),
        dead_ops.len(),
        "{case}: {report:?}"
    );
    assert_eq!(
        observe(store).await,
        after_next,
        "{case}: recovery changed what readers see"
    );

    let pinned = check_pinned_versions_open(store).await;
    let remaining = table_files(store);
    let rolled_back: BTreeSet<&str> = report
        .rolled_back
        .iter()
        .map(|op| op.op_id.as_str())
        .collect();
    for file in &crash_files {
        let manifest = detached_version(file);
        let pinned_manifest = manifest.is_some_and(|v| pinned.contains(&v));
        if pinned_manifest || (rolled_back.is_empty() && manifest.is_none()) {
            // Committed (or pinned): everything it wrote stays, except the manifests of a
            // batched load's intermediate versions (no unpinned manifest is left: below).
            assert!(
                remaining.contains(file),
                "{case}: {} was removed",
                file.display()
            );
        } else if !rolled_back.is_empty() {
            // Never happened: every object the dead writer wrote is gone.
            assert!(
                !remaining.contains(file),
                "{case}: {} survived recovery ({report:?})",
                file.display()
            );
        }
    }
    // Unpinned detached manifests: none of the crash's left.
    let count =
        |files: &BTreeSet<PathBuf>| files.iter().filter_map(|f| detached_version(f)).count();
    let unpinned_left = crash_files
        .iter()
        .filter(|f| remaining.contains(*f))
        .filter_map(|f| detached_version(f))
        .filter(|v| !pinned.contains(v))
        .count();
    assert_eq!(
        unpinned_left,
        0,
        "{case}: unpinned manifests left ({} before crash, {} now)",
        count(&before_files),
        count(&remaining)
    );

    // Orphan commits are gone and each rollback left an audit record.
    let commits = all_commits(&engine, &g).await;
    for op in &report.rolled_back {
        assert!(
            commits.iter().all(|c| c.op_id != op.op_id),
            "{case}: orphan commit of {} kept",
            op.op_id
        );
        let audit = engine
            .manifest()
            .get_record(&g, "audit", &op.op_id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{case}: no audit record for {}", op.op_id));
        assert_eq!(audit["actor"], "omnigraph:recovery");
    }
    true
}

fn omnigraph_tests_now() -> u64 {
    omnigraph_manifest::clock::system_now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Runs every catalogued failpoint against `writer`; returns the failpoints that killed it.
async fn crash_writer(writer: Writer) -> BTreeSet<&'static str> {
    let allowed = writer.allowed_states().await;
    let mut hit = BTreeSet::new();
    for failpoint in CATALOG {
        if crash_case(writer, failpoint, &allowed).await {
            hit.insert(*failpoint);
        }
    }
    hit
}

/// The failpoints each writer must die at (its path through the protocol).
fn expected_hits(writer: Writer) -> BTreeSet<&'static str> {
    use failpoints::*;
    let write = [
        WRITE_BEFORE_SIDECAR,
        WRITE_AFTER_SIDECAR,
        WRITE_AFTER_TABLE_COMMIT,
        WRITE_AFTER_STAGE,
        WRITE_AFTER_SIDECAR_REWRITE,
        WRITE_AFTER_COMMIT_ITEM,
        WRITE_AFTER_HEAD_CAS,
        WRITE_AFTER_SIDECAR_DELETE,
    ];
    let branch = [BRANCH_CREATE_BEFORE_PUBLISH, BRANCH_CREATE_AFTER_PUBLISH];
    match writer {
        Writer::LoadAppend
        | Writer::LoadOverwrite
        | Writer::LoadMerge
        | Writer::LoadMergeBatched
        | Writer::Mutate => write.into(),
        Writer::BranchCreate => branch.into(),
        Writer::LoadNewBranch => write.into_iter().chain(branch).collect(),
    }
}

#[tokio::test]
async fn crash_load_append() {
    let w = Writer::LoadAppend;
    assert_eq!(crash_writer(w).await, expected_hits(w));
}

#[tokio::test]
async fn crash_load_overwrite() {
    let w = Writer::LoadOverwrite;
    assert_eq!(crash_writer(w).await, expected_hits(w));
}

#[tokio::test]
async fn crash_load_merge() {
    let w = Writer::LoadMerge;
    assert_eq!(crash_writer(w).await, expected_hits(w));
}

#[tokio::test]
async fn crash_load_merge_in_batches() {
    let w = Writer::LoadMergeBatched;
    assert_eq!(crash_writer(w).await, expected_hits(w));
}

#[tokio::test]
async fn crash_mutate() {
    let w = Writer::Mutate;
    assert_eq!(crash_writer(w).await, expected_hits(w));
}

#[tokio::test]
async fn crash_branch_create() {
    let w = Writer::BranchCreate;
    assert_eq!(crash_writer(w).await, expected_hits(w));
}

#[tokio::test]
async fn crash_load_on_new_branch() {
    let w = Writer::LoadNewBranch;
    assert_eq!(crash_writer(w).await, expected_hits(w));
}

/// Every catalogued failpoint has a crash case: some writer above dies at it.
#[test]
fn every_catalogued_failpoint_has_a_crash_case() {
    const {
        assert!(
            failpoints::ENABLED,
            "the tests crate must enable omnigraph-engine/failpoints"
        )
    };
    let covered: BTreeSet<&str> = Writer::ALL.into_iter().flat_map(expected_hits).collect();
    for name in CATALOG {
        assert!(
            covered.contains(name),
            "failpoint `{name}` has no crash case"
        );
    }
    let unique: BTreeSet<&str> = CATALOG.iter().copied().collect();
    assert_eq!(unique.len(), CATALOG.len(), "duplicate failpoint names");
}

/// Recovery twice is a no-op the second time, and young sidecars are left alone.
#[tokio::test]
async fn recovery_is_idempotent_and_leaves_young_sidecars() {
    let dir = fresh_store();
    let store = dir.path();
    let out = Writer::LoadAppend.run(store, Some(failpoints::WRITE_AFTER_COMMIT_ITEM));
    assert!(!out.status.success());
    assert_eq!(sidecars(store).len(), 1);
    let crash_files: BTreeSet<PathBuf> = table_files(store)
        .difference(&table_files(template()))
        .cloned()
        .collect();
    assert!(!crash_files.is_empty());

    let engine = local_engine(store).await;
    let g = GraphId::new(GRAPH).unwrap();
    let now = omnigraph_tests_now();
    // Young: within the deadline nothing is touched.
    let young = engine.recover(&g, now, false).await.unwrap();
    assert_eq!(young.young.len(), 1, "{young:?}");
    assert!(young.rolled_back.is_empty() && young.committed.is_empty());
    assert_eq!(sidecars(store).len(), 1);
    assert!(crash_files.iter().all(|f| store.join(f).exists()));

    // Dry run past the deadline: reports, changes nothing.
    let dry = engine.recover(&g, now + LATER_MS, true).await.unwrap();
    assert_eq!(dry.rolled_back.len(), 1, "{dry:?}");
    assert_eq!(dry.rolled_back[0].versions.len(), 4, "{dry:?}");
    assert_eq!(dry.rolled_back[0].commits.len(), 1, "{dry:?}");
    assert_eq!(sidecars(store).len(), 1);
    assert!(crash_files.iter().all(|f| store.join(f).exists()));

    let first = engine.recover(&g, now + LATER_MS, false).await.unwrap();
    assert_eq!(first.rolled_back.len(), 1, "{first:?}");
    assert!(
        crash_files.iter().all(|f| !store.join(f).exists()),
        "{first:?}"
    );
    let second = engine.recover(&g, now + LATER_MS, false).await.unwrap();
    assert_eq!(second.sidecars, 0, "{second:?}");
    assert!(second.rolled_back.is_empty() && second.committed.is_empty());
    check_pinned_versions_open(store).await;
}

/// Two recoveries at once: both succeed and the result is the same as one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_recoveries_are_safe() {
    let dir = fresh_store();
    let store = dir.path();
    for fp in [
        failpoints::WRITE_AFTER_TABLE_COMMIT,
        failpoints::WRITE_AFTER_SIDECAR_REWRITE,
    ] {
        let out = Writer::LoadAppend.run(store, Some(fp));
        assert!(!out.status.success());
    }
    let before = table_files(template());
    let g = GraphId::new(GRAPH).unwrap();
    let now = omnigraph_tests_now() + LATER_MS;
    let (a, b) = (local_engine(store).await, local_engine(store).await);
    let (ra, rb) = tokio::join!(a.recover(&g, now, false), b.recover(&g, now, false));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(sidecars(store).is_empty(), "{ra:?} {rb:?}");
    assert_eq!(table_files(store), before, "{ra:?} {rb:?}");
    check_pinned_versions_open(store).await;
}

/// `omnigraph recover`: young sidecars are kept, `--dry-run` reports only, `--now` (ms or
/// RFC 3339) past the deadline rolls the dead writer back.
#[test]
fn cli_recover_dry_run_and_now() {
    let dir = fresh_store();
    let store = dir.path();
    let out = Writer::LoadAppend.run(store, Some(failpoints::WRITE_AFTER_SIDECAR_REWRITE));
    assert_eq!(out.status.signal(), Some(6));
    let json = |out: &Output| -> serde_json::Value {
        ok(out);
        serde_json::from_slice(&out.stdout).unwrap()
    };

    let report = json(&cli(store, None, &["recover"]));
    assert_eq!(report["young"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(sidecars(store).len(), 1);

    let later = (omnigraph_tests_now() + LATER_MS).to_string();
    let report = json(&cli(
        store,
        None,
        &["recover", "--dry-run", "--now", &later],
    ));
    assert_eq!(report["dry_run"], true);
    assert_eq!(
        report["rolled_back"][0]["versions"]
            .as_array()
            .unwrap()
            .len(),
        4,
        "{report}"
    );
    assert_eq!(sidecars(store).len(), 1);

    let report = json(&cli(
        store,
        None,
        &["recover", "--now", "2999-01-01T00:00:00Z"],
    ));
    assert_eq!(
        report["rolled_back"].as_array().unwrap().len(),
        1,
        "{report}"
    );
    assert!(sidecars(store).is_empty());
    assert_eq!(table_files(store), table_files(template()));

    let out = cli(store, None, &["recover", "--now", "soon"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--now"));
}
