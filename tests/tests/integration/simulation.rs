//! Deterministic simulation: a seeded driver runs random operations — JSONL loads (merge,
//! append, overwrite) on random branches, branch create (from a branch or a commit) and
//! delete, reads at heads and at commits, crashes at every catalogued failpoint (armed
//! in-process in `error` mode: the writer stops there and leaves what a crash leaves),
//! injected object-store faults (errors, lost responses, latency), recoveries with an
//! advanced clock, and GC with random retention — against the memory manifest store and a
//! fault-injecting in-memory object store ([`crate::sim_store`]). A model predicts what every
//! branch and commit holds; the invariants are checked after every step:
//!
//! - every head and every stored commit pins only versions whose manifest exists (inv. 1);
//! - an acknowledged write is visible; a rejected or failed one left no trace and the next
//!   write succeeds (inv. 2, 3, 7);
//! - after recovery and GC every branch head and every retained commit reads exactly the
//!   rows the model says, and every expired commit answers `not_found` (inv. 5).
//!
//! A failure names the seed and the step; `OMNIGRAPH_SIM_SEED=<seed>` replays that seed alone
//! (`OMNIGRAPH_SIM_SEEDS`, `OMNIGRAPH_SIM_OPS`, `OMNIGRAPH_SIM_THREADS` change the run).
//! Decisions are a pure function of the seed; names Lance and the engine draw themselves
//! (file UUIDs, detached version numbers, ULIDs) differ between runs but decide nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arrow_array::{Array, Int32Array, StringArray};
use futures::StreamExt;
use object_store::memory::InMemory;
use object_store::{ObjectStore, ObjectStoreExt};
use omnigraph_engine::failpoints::{self, armed};
use omnigraph_engine::now_ms;
use omnigraph_engine::{
    BranchSource, Engine, EngineError, GcOptions, LoadMode, OpStats, ReadTarget,
};
use omnigraph_manifest::{BranchName, GraphId, ManifestStore, MemoryManifestStore, PageRequest};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::sim_store::{Fault, FaultPlan, FaultyStore, Kind, Mode};

const SCHEMA: &str =
    "node Person { handle: String @key\n age: I32? }\nnode Company { slug: String @key }\n";
const PERSON: &str = "node:Person";
const COMPANY: &str = "node:Company";
const HOUR_MS: u64 = 3_600_000;

/// One table's rows of a load: (key, age).
type Rows = Vec<(String, Option<i32>)>;

/// Rows per table key: key -> age (companies have none).
type State = BTreeMap<String, BTreeMap<String, Option<i32>>>;

fn empty_state() -> State {
    BTreeMap::from([
        (PERSON.to_string(), BTreeMap::new()),
        (COMPANY.to_string(), BTreeMap::new()),
    ])
}

/// What the model knows: live branches and every commit made, with what it holds.
#[derive(Debug, Default)]
struct Model {
    /// branch -> (head version, state)
    branches: BTreeMap<String, (u64, State)>,
    /// commit id -> state
    commits: BTreeMap<String, State>,
    /// Commits GC expired.
    expired: BTreeSet<String>,
}

/// A generated load.
#[derive(Debug, Clone)]
struct Load {
    mode: LoadMode,
    people: Vec<(String, Option<i32>)>,
    companies: Vec<String>,
}

impl Load {
    fn jsonl(&self) -> String {
        let mut out = String::new();
        for (h, age) in &self.people {
            let age = age.map_or("null".to_string(), |a| a.to_string());
            out.push_str(&format!(
                "{{\"type\":\"Person\",\"data\":{{\"handle\":\"{h}\",\"age\":{age}}}}}\n"
            ));
        }
        for s in &self.companies {
            out.push_str(&format!(
                "{{\"type\":\"Company\",\"data\":{{\"slug\":\"{s}\"}}}}\n"
            ));
        }
        out
    }

    /// The state after this load, or None when it must be rejected.
    fn apply(&self, before: &State) -> Option<State> {
        let mut after = before.clone();
        let input: [(&str, Rows); 2] = [
            (PERSON, self.people.clone()),
            (
                COMPANY,
                self.companies.iter().map(|c| (c.clone(), None)).collect(),
            ),
        ];
        for (table, rows) in input {
            if rows.is_empty() {
                continue;
            }
            let t = after.entry(table.to_string()).or_default();
            match self.mode {
                LoadMode::Merge => t.extend(rows),
                LoadMode::Append => {
                    if rows.iter().any(|(k, _)| t.contains_key(k)) {
                        return None;
                    }
                    t.extend(rows);
                }
                LoadMode::Overwrite => *t = rows.into_iter().collect(),
            }
        }
        Some(after)
    }
}

/// Counters of one run (all seeds).
#[derive(Debug, Default)]
struct Tally {
    ops: BTreeMap<&'static str, u64>,
    failpoints: BTreeMap<&'static str, u64>,
    faults: BTreeMap<String, u64>,
    gc_runs: u64,
    gc_versions_deleted: u64,
    gc_files_deleted: u64,
    gc_commits_expired: u64,
    gc_requests: Vec<OpStats>,
    rolled_back: u64,
    checks: u64,
    check_time: Duration,
}

struct Sim {
    seed: u64,
    step: usize,
    rng: ChaCha8Rng,
    raw: Arc<InMemory>,
    plan: FaultPlan,
    manifest: Arc<MemoryManifestStore>,
    engine: Engine,
    g: GraphId,
    model: Model,
    tally: Tally,
    /// Set after a failed write: the next op is a clean write on this branch.
    must_write: Option<String>,
    /// Table key -> directory (for manifest existence checks).
    dirs: BTreeMap<String, String>,
    /// A fault-free engine on the same stores (its caches only hold immutable versions).
    reader: Engine,
}

macro_rules! sim_assert {
    ($sim:expr, $cond:expr, $($arg:tt)*) => {
        if !$cond {
            panic!(
                "simulation invariant violated: seed {} step {}: {}\nreplay: OMNIGRAPH_SIM_SEED={} cargo test --workspace --test integration -- simulation",
                $sim.seed, $sim.step, format!($($arg)*), $sim.seed
            );
        }
    };
}

fn main_branch() -> BranchName {
    BranchName::main()
}

impl Sim {
    async fn new(seed: u64) -> Self {
        let raw = Arc::new(InMemory::new());
        let plan = FaultPlan::default();
        let manifest = Arc::new(MemoryManifestStore::new());
        let faulty: Arc<dyn ObjectStore> = Arc::new(FaultyStore::new(raw.clone(), plan.clone()));
        let engine = Engine::with_memory_store(faulty, manifest.clone());
        let g = GraphId::new("sim").unwrap();
        let head = engine.init(&g, SCHEMA, "sim").await.unwrap();
        let mut model = Model::default();
        model
            .branches
            .insert("main".into(), (head.version, empty_state()));
        model.commits.insert(head.commit_id.clone(), empty_state());
        let snap = engine
            .snapshot(&g, &ReadTarget::Branch(main_branch()))
            .await
            .unwrap();
        let dirs = snap
            .tables
            .keys()
            .map(|k| {
                let ty = snap.catalog.by_table_key(k).unwrap();
                (
                    k.clone(),
                    format!("sim/tables/{}-{}", ty.kind.as_str(), ty.type_id),
                )
            })
            .collect();
        Self {
            seed,
            step: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
            raw: raw.clone(),
            plan,
            manifest: manifest.clone(),
            engine,
            g,
            model,
            tally: Tally::default(),
            must_write: None,
            dirs,
            reader: Engine::with_memory_store(raw.clone(), manifest.clone()),
        }
    }

    /// A fresh engine on the same stores, without faults or caches.
    fn checker(&self) -> Engine {
        Engine::with_memory_store(self.raw.clone(), self.manifest.clone())
    }

    fn pick_branch(&mut self) -> String {
        let names: Vec<&String> = self.model.branches.keys().collect();
        names[self.rng.random_range(0..names.len())].clone()
    }

    fn gen_load(&mut self) -> Load {
        let mode = match self.rng.random_range(0..100) {
            0..60 => LoadMode::Merge,
            60..85 => LoadMode::Append,
            _ => LoadMode::Overwrite,
        };
        let mut people = BTreeMap::new();
        for _ in 0..self.rng.random_range(0..=3) {
            let h = format!("p{}", self.rng.random_range(0..12));
            let age = self
                .rng
                .random_bool(0.8)
                .then(|| self.rng.random_range(0..90));
            people.insert(h, age);
        }
        let mut companies = BTreeSet::new();
        for _ in 0..self.rng.random_range(0..=2) {
            companies.insert(format!("c{}", self.rng.random_range(0..6)));
        }
        if people.is_empty() && companies.is_empty() {
            people.insert(format!("p{}", self.rng.random_range(0..12)), Some(1));
        }
        Load {
            mode,
            people: people.into_iter().collect(),
            companies: companies.into_iter().collect(),
        }
    }

    fn count(&mut self, op: &'static str) {
        *self.tally.ops.entry(op).or_default() += 1;
    }

    async fn run(&mut self, ops: usize) {
        for step in 0..ops {
            self.step = step;
            let touched = if let Some(branch) = self.must_write.take() {
                self.clean_write(&branch).await;
                vec![branch]
            } else {
                self.random_op().await
            };
            let full = touched.iter().any(|t| t == "*");
            let checked = omnigraph_manifest::clock::monotonic_now();
            self.check(&touched, full).await;
            self.tally.check_time += checked.elapsed();
        }
        self.check(&["*".to_string()], true).await;
    }

    /// One random operation; returns the branches it may have changed ("*": all / history).
    async fn random_op(&mut self) -> Vec<String> {
        match self.rng.random_range(0..100) {
            0..12 => {
                let b = self.pick_branch();
                self.load(&b, None, None).await;
                vec![b]
            }
            12..20 => {
                let b = self.pick_branch();
                let fp = failpoints::CATALOG
                    .iter()
                    .copied()
                    .filter(|f| f.starts_with("write."))
                    .collect::<Vec<_>>();
                let fp = fp[self.rng.random_range(0..fp.len())];
                self.load(&b, Some(fp), None).await;
                vec![b]
            }
            20..26 => {
                let b = self.pick_branch();
                let kind = match self.rng.random_range(0..10) {
                    0..5 => Kind::Put,
                    5..7 => Kind::Get,
                    7 => Kind::Head,
                    8 => Kind::Delete,
                    _ => Kind::List,
                };
                let mode = match self.rng.random_range(0..3) {
                    0 => Mode::Error,
                    1 => Mode::Lost,
                    _ => Mode::Latency,
                };
                let nth = self.rng.random_range(1..=4);
                self.load(&b, None, Some(Fault { kind, nth, mode })).await;
                vec![b]
            }
            26..42 => self.create_branch().await,
            42..50 => self.delete_branch().await,
            50..74 => {
                let b = self.pick_branch();
                self.count("read_head");
                vec![b]
            }
            74..88 => {
                self.read_commit().await;
                vec![]
            }
            88..95 => {
                self.recover().await;
                vec!["*".into()]
            }
            _ => {
                self.gc().await;
                vec!["*".into()]
            }
        }
    }

    async fn clean_write(&mut self, branch: &str) {
        if !self.model.branches.contains_key(branch) {
            return;
        }
        self.count("write_after_failure");
        let load = Load {
            mode: LoadMode::Merge,
            people: vec![(format!("p{}", self.rng.random_range(0..12)), Some(7))],
            companies: vec![],
        };
        let before = self.model.branches[branch].1.clone();
        let expected = load.apply(&before).unwrap();
        let b = BranchName::new(branch).unwrap();
        let got = self
            .engine
            .load(&self.g, &b, None, load.jsonl(), load.mode, "sim")
            .await;
        sim_assert!(
            self,
            got.is_ok(),
            "the write after a failure failed: {got:?}"
        );
        let out = got.unwrap();
        self.acknowledge(branch, out.version, &out.commit, expected);
    }

    fn acknowledge(&mut self, branch: &str, version: u64, commit: &str, state: State) {
        let prev = self.model.branches[branch].0;
        sim_assert!(
            self,
            version == prev + 1,
            "{branch}: version {version} after {prev}"
        );
        self.model
            .branches
            .insert(branch.to_string(), (version, state.clone()));
        self.model.commits.insert(commit.to_string(), state);
    }

    async fn load(&mut self, branch: &str, failpoint: Option<&'static str>, fault: Option<Fault>) {
        let load = self.gen_load();
        let before = self.model.branches[branch].clone();
        let expected = load.apply(&before.1);
        let b = BranchName::new(branch).unwrap();
        if let Some(f) = fault {
            self.plan.arm(f);
        }
        let fut = self
            .engine
            .load(&self.g, &b, None, load.jsonl(), load.mode, "sim");
        let got = match failpoint {
            Some(fp) => armed(vec![fp], fut).await,
            None => fut.await,
        };
        let fired = self.plan.disarm();
        if let Some(f) = fired {
            *self
                .tally
                .faults
                .entry(format!("{:?}/{:?}", f.kind, f.mode))
                .or_default() += 1;
        }
        match (&got, &expected) {
            (Ok(out), Some(state)) => {
                self.count(if fault.is_some() {
                    "load_with_fault"
                } else {
                    "load"
                });
                if failpoint.is_some() {
                    // The failpoint was not on this path (e.g. a no-op): a normal write.
                    self.count("failpoint_not_reached");
                }
                self.acknowledge(branch, out.version, &out.commit, state.clone());
            }
            (Ok(out), None) => {
                sim_assert!(
                    self,
                    false,
                    "a load the model rejects was accepted: {out:?} {load:?}"
                )
            }
            (Err(e), None) if e.code() == "bad_request" => self.count("load_rejected"),
            (Err(e), Some(_)) if e.code() == "bad_request" => {
                sim_assert!(
                    self,
                    false,
                    "a load the model accepts was rejected: {e} {load:?}"
                )
            }
            (Err(e), _) => {
                // Latency delays a request but never fails it: only errors and lost responses
                // explain a failure.
                let injected = e.to_string().contains("failpoint")
                    || fired.is_some_and(|f| f.mode != Mode::Latency);
                sim_assert!(self, injected, "an unexplained failure: {e} ({load:?})");
                if let Some(fp) = failpoint {
                    *self.tally.failpoints.entry(fp).or_default() += 1;
                    self.count("crash");
                } else {
                    self.count("load_failed_by_fault");
                }
                let committed = matches!(
                    failpoint,
                    Some(failpoints::WRITE_AFTER_HEAD_CAS | failpoints::WRITE_AFTER_SIDECAR_DELETE)
                );
                if committed {
                    let state = expected.clone();
                    sim_assert!(self, state.is_some(), "a rejected load reached the CAS");
                    let head = self.manifest.head(&self.g, &b).await.unwrap().unwrap();
                    self.acknowledge(branch, head.version, &head.commit_id, state.unwrap());
                }
                self.must_write = Some(branch.to_string());
            }
        }
    }

    async fn create_branch(&mut self) -> Vec<String> {
        let name = format!("b{}", self.rng.random_range(0..5));
        let from_commit = self.rng.random_bool(0.3);
        let source = if from_commit {
            let ids: Vec<&String> = self.model.commits.keys().collect();
            let id = ids[self.rng.random_range(0..ids.len())].clone();
            BranchSource::Commit(id)
        } else {
            BranchSource::Branch(BranchName::new(self.pick_branch()).unwrap())
        };
        let fp = if self.rng.random_bool(0.25) {
            Some(if self.rng.random_bool(0.5) {
                failpoints::BRANCH_CREATE_BEFORE_PUBLISH
            } else {
                failpoints::BRANCH_CREATE_AFTER_PUBLISH
            })
        } else {
            None
        };
        let expected = match &source {
            BranchSource::Commit(id) => {
                (!self.model.expired.contains(id)).then(|| self.model.commits[id].clone())
            }
            BranchSource::Branch(b) => Some(self.model.branches[b.as_str()].1.clone()),
        };
        let exists = self.model.branches.contains_key(&name);
        let b = BranchName::new(&name).unwrap();
        let fut = self.engine.create_branch(&self.g, &b, &source);
        let got = match fp {
            Some(fp) => armed(vec![fp], fut).await,
            None => fut.await,
        };
        match got {
            Ok(head) => {
                sim_assert!(
                    self,
                    !exists && fp.is_none(),
                    "create {name} succeeded: exists {exists}, fp {fp:?}"
                );
                sim_assert!(
                    self,
                    expected.is_some(),
                    "create from an expired commit succeeded"
                );
                self.count("branch_create");
                self.model
                    .branches
                    .insert(name.clone(), (head.version, expected.unwrap()));
            }
            Err(e) if exists => {
                self.count("branch_create_rejected");
                sim_assert!(
                    self,
                    // Over an existing branch from an expired commit, either refusal is right.
                    e.code() == "conflict"
                        || fp.is_some()
                        || (expected.is_none() && e.code() == "not_found"),
                    "create over {name}: {e}"
                );
            }
            Err(e) if expected.is_none() => {
                self.count("branch_create_expired_source");
                sim_assert!(
                    self,
                    e.code() == "not_found",
                    "create from an expired commit: {e}"
                );
            }
            Err(e) => {
                let fp = fp.unwrap_or("none");
                sim_assert!(
                    self,
                    e.to_string().contains("failpoint"),
                    "create failed: {e}"
                );
                *self.tally.failpoints.entry(fp).or_default() += 1;
                self.count("crash");
                if fp == failpoints::BRANCH_CREATE_AFTER_PUBLISH {
                    let head = self.manifest.head(&self.g, &b).await.unwrap().unwrap();
                    self.model
                        .branches
                        .insert(name.clone(), (head.version, expected.unwrap()));
                }
            }
        }
        vec![name]
    }

    async fn delete_branch(&mut self) -> Vec<String> {
        let name = self.pick_branch();
        let b = BranchName::new(&name).unwrap();
        let got = self.engine.delete_branch(&self.g, &b).await;
        if name == "main" {
            sim_assert!(self, got.is_err(), "main was deleted");
            self.count("branch_delete_rejected");
        } else {
            sim_assert!(self, got.is_ok(), "delete {name}: {got:?}");
            self.count("branch_delete");
            self.model.branches.remove(&name);
        }
        vec![]
    }

    async fn read_commit(&mut self) {
        self.count("read_commit");
        let ids: Vec<&String> = self.model.commits.keys().collect();
        let id = ids[self.rng.random_range(0..ids.len())].clone();
        let engine = &self.engine;
        let got = read_state(engine, &self.g, &ReadTarget::Commit(id.clone())).await;
        if self.model.expired.contains(&id) {
            sim_assert!(
                self,
                matches!(&got, Err(e) if e.code() == "not_found"),
                "expired commit {id} read as {got:?}"
            );
        } else {
            let want = &self.model.commits[&id];
            sim_assert!(
                self,
                got.as_ref().ok() == Some(want),
                "commit {id}: {got:?} != {want:?}"
            );
        }
    }

    async fn recover(&mut self) {
        self.count("recover");
        let later = self.rng.random_bool(0.8);
        let now = now_ms() + if later { 2 * HOUR_MS } else { 0 };
        let report = self.engine.recover(&self.g, now, false).await;
        sim_assert!(self, report.is_ok(), "recover: {report:?}");
        let report = report.unwrap();
        self.tally.rolled_back += report.rolled_back.len() as u64;
        if later {
            let dir = object_store::path::Path::from("sim/__recovery");
            let left: Vec<_> = self.raw.list(Some(&dir)).collect().await;
            sim_assert!(
                self,
                left.is_empty(),
                "sidecars left after recovery: {report:?}"
            );
        }
    }

    async fn gc(&mut self) {
        self.count("gc");
        let mut opts = GcOptions::new(now_ms() + 24 * HOUR_MS);
        match self.rng.random_range(0..4) {
            0 => {}
            1 => opts.keep_commits = Some(self.rng.random_range(1..4)),
            2 => opts.keep_for = Some(Duration::from_millis(24 * HOUR_MS)),
            _ => {
                opts.keep_commits = Some(self.rng.random_range(1..3));
                opts.keep_for = Some(Duration::from_millis(24 * HOUR_MS + 1));
            }
        }
        let start = self.engine.stats_start();
        let report = self.engine.gc(&self.g, &opts).await;
        let stats = self.engine.stats_since(&start);
        sim_assert!(self, report.is_ok(), "gc: {report:?}");
        let report = report.unwrap();
        self.tally.gc_runs += 1;
        self.tally.gc_requests.push(stats);
        self.tally.gc_versions_deleted += report.versions_deleted.len() as u64;
        self.tally.gc_files_deleted += report.files_deleted.len() as u64;
        self.tally.gc_commits_expired += report.commits_expired.len() as u64;
        for id in report.commits_expired {
            // Orphans of crashed writers are not in the model; only model commits matter.
            if self.model.commits.contains_key(&id) {
                self.model.expired.insert(id);
            }
        }
    }

    /// The invariants; `touched` branches are read in full, `full` reads everything.
    async fn check(&mut self, touched: &[String], full: bool) {
        self.tally.checks += 1;
        // Branches and head versions match the model.
        let live = self.manifest.list_branches(&self.g).await.unwrap();
        let live_names: Vec<String> = live.iter().map(|(b, _)| b.to_string()).collect();
        let model_names: Vec<String> = self.model.branches.keys().cloned().collect();
        sim_assert!(
            self,
            live_names == model_names,
            "branches {live_names:?} != model {model_names:?}"
        );
        for (b, head) in &live {
            let want = self.model.branches[b.as_str()].0;
            sim_assert!(
                self,
                head.version == want,
                "{b}: head version {} != model {want}",
                head.version
            );
        }
        // Invariant 1: every head and every stored commit pins only existing manifests.
        let mut pins: Vec<(String, String, u64)> = Vec::new();
        for (b, head) in &live {
            for (k, p) in &head.tables {
                pins.push((format!("head {b}"), k.clone(), p.version));
            }
        }
        let mut page = PageRequest::first(500);
        let mut stored = BTreeSet::new();
        loop {
            let got = self.manifest.list_commits(&self.g, &page).await.unwrap();
            for c in got.items {
                for (k, p) in &c.pins {
                    pins.push((format!("commit {}", c.id), k.clone(), p.version));
                }
                stored.insert(c.id);
            }
            match got.next_cursor {
                Some(cur) => page.cursor = Some(cur),
                None => break,
            }
        }
        for (who, key, version) in pins {
            if version == 1 {
                continue;
            }
            let path = format!("{}/_versions/d{version}.manifest", self.dirs[&key]);
            let exists = self
                .raw
                .head(&object_store::path::Path::from(path.as_str()))
                .await
                .is_ok();
            sim_assert!(
                self,
                exists,
                "{who} pins {key}@{version}, whose manifest is gone"
            );
        }
        // Expired commits are gone from the store.
        for id in &self.model.expired {
            sim_assert!(
                self,
                !stored.contains(id),
                "expired commit {id} still stored"
            );
        }
        // Reads: touched branches (every branch on a full check, by a fresh engine) see
        // exactly the model.
        let fresh = if full { Some(self.checker()) } else { None };
        let branches: Vec<String> = if full {
            self.model.branches.keys().cloned().collect()
        } else {
            touched
                .iter()
                .filter(|b| self.model.branches.contains_key(*b))
                .cloned()
                .collect()
        };
        for b in branches {
            let target = ReadTarget::Branch(BranchName::new(&b).unwrap());
            let got = read_state(fresh.as_ref().unwrap_or(&self.reader), &self.g, &target).await;
            let want = &self.model.branches[&b].1;
            sim_assert!(
                self,
                got.as_ref().ok() == Some(want),
                "branch {b}: read {got:?}, model {want:?}"
            );
        }
        if let Some(fresh) = fresh {
            // Every retained commit: still stored, its row counts as the model says, and every
            // object of every version it pins exists; a sample is read in full.
            let ids: Vec<String> = self
                .model
                .commits
                .keys()
                .filter(|id| !self.model.expired.contains(*id))
                .cloned()
                .collect();
            let mut objects = BTreeSet::new();
            for id in &ids {
                sim_assert!(self, stored.contains(id), "retained commit {id} is gone");
                let snap = self
                    .reader
                    .snapshot(&self.g, &ReadTarget::Commit(id.clone()))
                    .await
                    .unwrap();
                let want = &self.model.commits[id];
                for (key, pin) in &snap.tables {
                    let rows = want.get(key).map_or(0, |t| t.len() as u64);
                    sim_assert!(
                        self,
                        pin.rows == rows,
                        "commit {id} {key}: {} rows, model {rows}",
                        pin.rows
                    );
                    let objs = self.reader.version_objects(&snap, key).await;
                    sim_assert!(self, objs.is_ok(), "commit {id} {key}: {objs:?}");
                    objects.extend(objs.unwrap());
                }
            }
            for obj in objects {
                let exists = self
                    .raw
                    .head(&object_store::path::Path::from(obj.as_str()))
                    .await
                    .is_ok();
                sim_assert!(
                    self,
                    exists,
                    "{obj}, referenced by a retained commit, is gone"
                );
            }
            for _ in 0..2.min(ids.len()) {
                let id = ids[self.rng.random_range(0..ids.len())].clone();
                let got = read_state(&fresh, &self.g, &ReadTarget::Commit(id.clone())).await;
                let want = &self.model.commits[&id];
                sim_assert!(
                    self,
                    got.as_ref().ok() == Some(want),
                    "commit {id}: read {got:?}, model {want:?}"
                );
            }
        }
    }
}

/// What `target` holds, read from the data.
async fn read_state(
    engine: &Engine,
    g: &GraphId,
    target: &ReadTarget,
) -> Result<State, EngineError> {
    let snap = engine.snapshot(g, target).await?;
    let mut out = State::new();
    for key in snap.tables.keys() {
        let (_, ds) = engine.open_table(&snap, key).await?;
        let batch = ds
            .scan()
            .try_into_batch()
            .await
            .map_err(|e| EngineError::internal(format!("scan {key}: {e}")))?;
        let ids = batch
            .column_by_name("id")
            .and_then(|c| c.as_any().downcast_ref::<StringArray>())
            .ok_or_else(|| EngineError::internal("no id column"))?;
        let ages = batch
            .column_by_name("age")
            .and_then(|c| c.as_any().downcast_ref::<Int32Array>());
        let mut rows = BTreeMap::new();
        for i in 0..batch.num_rows() {
            let age = ages.and_then(|a| (!a.is_null(i)).then(|| a.value(i)));
            rows.insert(ids.value(i).to_string(), age);
        }
        out.insert(key.clone(), rows);
    }
    Ok(out)
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs one seed to the end; panics (naming the seed and step) on a violated invariant.
fn run_seed(seed: u64, ops: usize) -> Tally {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut sim = Sim::new(seed).await;
        sim.run(ops).await;
        sim.tally
    })
}

#[test]
fn simulation() {
    const { assert!(failpoints::ENABLED, "the tests crate enables failpoints") };
    let ops = env_num("OMNIGRAPH_SIM_OPS", 250) as usize;
    let seeds: Vec<u64> = match std::env::var("OMNIGRAPH_SIM_SEED") {
        Ok(s) => vec![s.parse().expect("OMNIGRAPH_SIM_SEED is a number")],
        Err(_) => (0..env_num("OMNIGRAPH_SIM_SEEDS", 44)).collect(),
    };
    let threads = env_num("OMNIGRAPH_SIM_THREADS", 2).max(1) as usize;
    let started = omnigraph_manifest::clock::monotonic_now();
    let queue = Arc::new(Mutex::new(seeds.clone()));
    let total = Arc::new(Mutex::new(Tally::default()));
    let done = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (queue, total, done) = (queue.clone(), total.clone(), done.clone());
            std::thread::spawn(move || loop {
                let Some(seed) = queue.lock().unwrap().pop() else {
                    return;
                };
                let tally = run_seed(seed, ops);
                done.fetch_add(1, Ordering::Relaxed);
                let mut t = total.lock().unwrap();
                merge(&mut t, tally);
            })
        })
        .collect();
    let mut failed = false;
    for w in workers {
        failed |= w.join().is_err();
    }
    assert!(
        !failed,
        "a seed failed: see the panic above for the seed and replay command"
    );
    let t = total.lock().unwrap();
    let ran: u64 = t.ops.values().sum();
    let sample = t.gc_requests.first().copied().unwrap_or_default();
    eprintln!(
        "simulation: {} seeds x {ops} steps = {ran} operations in {:.1}s on {threads} threads, \
         {} invariant checks ({:.1}s of it), 0 violations\n ops: {:?}\n failpoints: {:?}\n faults fired: {:?}\n \
         recovery rolled back {} ops; GC: {} runs, {} commits expired, {} versions and {} files \
         deleted; sample GC requests: {}",
        seeds.len(),
        started.elapsed().as_secs_f64(),
        t.checks,
        t.check_time.as_secs_f64(),
        t.ops,
        t.failpoints,
        t.faults,
        t.rolled_back,
        t.gc_runs,
        t.gc_commits_expired,
        t.gc_versions_deleted,
        t.gc_files_deleted,
        sample.to_json()
    );
    // The run exercised what it claims to.
    assert!(ran >= (seeds.len() * ops) as u64);
    if seeds.len() > 1 {
        for fp in failpoints::CATALOG {
            assert!(
                t.failpoints.contains_key(fp),
                "failpoint {fp} never fired: {:?}",
                t.failpoints
            );
        }
        assert!(t.gc_versions_deleted > 0 && t.gc_commits_expired > 0 && t.rolled_back > 0);
        for mode in ["Error", "Lost", "Latency"] {
            assert!(
                t.faults.keys().any(|k| k.ends_with(mode)),
                "no {mode} fault fired: {:?}",
                t.faults
            );
        }
    }
}

fn merge(into: &mut Tally, from: Tally) {
    for (k, v) in from.ops {
        *into.ops.entry(k).or_default() += v;
    }
    for (k, v) in from.failpoints {
        *into.failpoints.entry(k).or_default() += v;
    }
    for (k, v) in from.faults {
        *into.faults.entry(k).or_default() += v;
    }
    into.gc_runs += from.gc_runs;
    into.gc_versions_deleted += from.gc_versions_deleted;
    into.gc_files_deleted += from.gc_files_deleted;
    into.gc_commits_expired += from.gc_commits_expired;
    into.gc_requests.extend(from.gc_requests);
    into.rolled_back += from.rolled_back;
    into.checks += from.checks;
    into.check_time += from.check_time;
}
