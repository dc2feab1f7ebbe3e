//! `omnigraph bench run`: generate (if needed) and load the social graph into a fresh local
//! store, then measure load throughput, one-row insert latency and four read queries cold (a
//! fresh `omnigraph query` process each, timed end to end) and warm (repeated in this
//! process), with peak RSS per process. Prints a markdown report.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use omnigraph_engine::{Engine, ManifestChoice, QueryLimits, ReadTarget, StoreLocation};
use omnigraph_manifest::{BranchName, GraphId};
use serde_json::{json, Value};

use super::generate::{generate, GenSpec, GenSummary};
use super::rss::{parse_report, peak_rss_bytes, REPORT_ENV};
use crate::output::CliError;

/// Graph id the benchmark loads into.
const GRAPH: &str = "bench";

/// What `bench run` does.
#[derive(Debug, Clone)]
pub(crate) struct RunSpec {
    pub gen: GenSpec,
    pub dir: PathBuf,
    pub cold_runs: usize,
    pub warm_runs: usize,
    pub inserts: usize,
}

/// Latencies of repeated runs.
#[derive(Debug, Clone, Default)]
struct Samples(Vec<Duration>);

impl Samples {
    fn quantile(&self, q: f64) -> Duration {
        let mut v = self.0.clone();
        v.sort();
        if v.is_empty() {
            return Duration::ZERO;
        }
        let at = ((v.len() as f64 - 1.0) * q).round() as usize;
        v[at.min(v.len() - 1)]
    }
    fn median(&self) -> Duration {
        self.quantile(0.5)
    }
    fn p95(&self) -> Duration {
        self.quantile(0.95)
    }
}

fn ms(d: Duration) -> String {
    let m = d.as_secs_f64() * 1000.0;
    if m >= 100.0 {
        format!("{m:.0} ms")
    } else if m >= 10.0 {
        format!("{m:.1} ms")
    } else {
        format!("{m:.2} ms")
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn thousands(x: f64) -> String {
    let s = format!("{:.0}", x);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn bad(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}

/// A finished child process: wall time, stdout, peak RSS it reported.
struct Child {
    elapsed: Duration,
    stdout: String,
    peak: u64,
}

fn omnigraph(store: &Path, args: &[&str]) -> Result<Child, CliError> {
    let exe = std::env::current_exe().map_err(|e| bad(format!("own executable: {e}")))?;
    let started = omnigraph_manifest::clock::monotonic_now();
    let out = Command::new(exe)
        .arg("--store")
        .arg(store)
        .args(["--graph", GRAPH, "--format", "json"])
        .args(args)
        .env(REPORT_ENV, "1")
        .output()
        .map_err(|e| bad(format!("cannot run omnigraph: {e}")))?;
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    if !out.status.success() {
        return Err(bad(format!(
            "`omnigraph {}` failed: {}",
            args.join(" "),
            stderr.trim()
        )));
    }
    Ok(Child {
        elapsed,
        stdout: String::from_utf8_lossy(&out.stdout).to_string(),
        peak: parse_report(&stderr).unwrap_or(0),
    })
}

/// Reuses the generated files in `dir` when they match `spec`, else generates them.
fn ensure_generated(spec: GenSpec, dir: &Path) -> Result<(GenSummary, bool), CliError> {
    let info = dir.join("generated.json");
    if let Ok(text) = std::fs::read_to_string(&info) {
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            let same = v["persons"].as_u64() == Some(spec.persons)
                && v["seed"].as_u64() == Some(spec.seed)
                && v["avg_degree"].as_f64() == Some(spec.avg_degree);
            if same && dir.join("data.jsonl").is_file() {
                if let Ok(s) = serde_json::from_value::<GenSummary>(v) {
                    return Ok((s, false));
                }
            }
        }
    }
    Ok((generate(spec, dir)?, true))
}

/// One benchmark query: its name in `queries.gq`, a label, and parameters for run `i`.
struct BenchQuery {
    name: &'static str,
    label: &'static str,
    keyed: bool,
}

const QUERIES: [BenchQuery; 4] = [
    BenchQuery {
        name: "lookup",
        label: "point lookup by key",
        keyed: true,
    },
    BenchQuery {
        name: "neighbours",
        label: "1-hop neighbours of one person",
        keyed: true,
    },
    BenchQuery {
        name: "two_hop_paths",
        label: "2-hop path count, whole graph",
        keyed: false,
    },
    BenchQuery {
        name: "over_40_by_city",
        label: "count per city of people over 40",
        keyed: false,
    },
];

/// The key of run `i` (a spread of people; run 0 is the cold runs' key).
fn key_of(i: usize, persons: u64) -> u64 {
    (persons / 2 + (i as u64).wrapping_mul(7919)) % persons
}

fn params(q: &BenchQuery, i: usize, persons: u64) -> Value {
    if q.keyed {
        json!({ "k": key_of(i, persons) })
    } else {
        json!({})
    }
}

/// What the result of a query says, for the report (a count or the number of rows).
fn result_summary(name: &str, rows: &[serde_json::Map<String, Value>]) -> String {
    match name {
        "two_hop_paths" => rows
            .first()
            .and_then(|r| r.get("paths"))
            .map(|v| format!("{v} paths"))
            .unwrap_or_default(),
        "over_40_by_city" => {
            let total: i64 = rows
                .iter()
                .filter_map(|r| r.get("people").and_then(Value::as_i64))
                .sum();
            format!("{} cities, {total} people", rows.len())
        }
        _ => format!("{} rows", rows.len()),
    }
}

struct QueryFigures {
    summary: String,
    cold: Samples,
    cold_peak: u64,
    first: Duration,
    warm: Samples,
    error: Option<String>,
}

/// Runs the benchmark and returns the markdown report.
pub(crate) async fn run(spec: &RunSpec) -> Result<String, CliError> {
    let dir = &spec.dir;
    let gen_started = omnigraph_manifest::clock::monotonic_now();
    let (summary, generated) = ensure_generated(spec.gen, dir)?;
    let gen_time = gen_started.elapsed();
    let store = dir.join("store");
    if store.exists() {
        std::fs::remove_dir_all(&store)
            .map_err(|e| bad(format!("cannot clear {}: {e}", store.display())))?;
    }
    std::fs::create_dir_all(&store)
        .map_err(|e| bad(format!("cannot create {}: {e}", store.display())))?;
    let schema = dir.join("schema.pg");
    let data = dir.join("data.jsonl");
    let queries_path = dir.join("queries.gq");
    let to_str = |p: &Path| p.display().to_string();
    omnigraph(&store, &["init", "--schema", &to_str(&schema)])?;
    let load = omnigraph(
        &store,
        &["load", "--data", &to_str(&data), "--mode", "overwrite"],
    )?;
    let mut children_peak = load.peak;

    let queries_src = std::fs::read_to_string(&queries_path)
        .map_err(|e| bad(format!("cannot read {}: {e}", queries_path.display())))?;
    let persons = summary.persons;
    let mut figures = Vec::new();
    for q in &QUERIES {
        let mut f = QueryFigures {
            summary: String::new(),
            cold: Samples::default(),
            cold_peak: 0,
            first: Duration::ZERO,
            warm: Samples::default(),
            error: None,
        };
        for _ in 0..spec.cold_runs {
            let p = params(q, 0, persons).to_string();
            let args = [
                "query",
                "--file",
                &to_str(&queries_path),
                "--name",
                q.name,
                "--params",
                &p,
            ];
            match omnigraph(&store, &args) {
                Ok(child) => {
                    f.cold.0.push(child.elapsed);
                    f.cold_peak = f.cold_peak.max(child.peak);
                    if let Ok(v) = serde_json::from_str::<Value>(&child.stdout) {
                        let rows: Vec<serde_json::Map<String, Value>> = v["rows"]
                            .as_array()
                            .map(|a| a.iter().filter_map(|r| r.as_object().cloned()).collect())
                            .unwrap_or_default();
                        f.summary = result_summary(q.name, &rows);
                    }
                }
                Err(e) => {
                    f.error = Some(format!("{e:?}"));
                    break;
                }
            }
        }
        children_peak = children_peak.max(f.cold_peak);
        figures.push(f);
    }

    // warm: one engine in this process, first run builds the caches
    let location = StoreLocation::parse(&to_str(&store))?;
    let engine = Engine::open(location, ManifestChoice::ObjectStore).await?;
    let graph = GraphId::new(GRAPH.to_string())?;
    let target = ReadTarget::Branch(BranchName::main());
    let limits = QueryLimits::default();
    for (q, f) in QUERIES.iter().zip(figures.iter_mut()) {
        for i in 0..=spec.warm_runs {
            let p = params(q, i, persons);
            let started = omnigraph_manifest::clock::monotonic_now();
            let r = engine
                .query(
                    &graph,
                    &target,
                    &queries_src,
                    Some(q.name),
                    Some(&p),
                    &limits,
                )
                .await;
            let elapsed = started.elapsed();
            match r {
                Ok(result) => {
                    if i == 0 {
                        f.first = elapsed;
                        if f.summary.is_empty() {
                            f.summary = result_summary(q.name, &result.rows);
                        }
                    } else {
                        f.warm.0.push(elapsed);
                    }
                }
                Err(e) => {
                    f.error.get_or_insert_with(|| e.to_string());
                    break;
                }
            }
        }
    }
    let warm_peak = peak_rss_bytes().unwrap_or(0);

    // one-row inserts through the mutation path, each its own commit
    let insert = "query add($pid: I64, $name: String, $age: I32, $city: String) {
        insert Person { pid: $pid, name: $name, age: $age, city: $city }
    }";
    let mut inserts = Samples::default();
    let main = BranchName::main();
    for i in 0..spec.inserts {
        let p =
            json!({"pid": persons + i as u64, "name": "New Person", "age": 30, "city": "Lisbon"});
        let started = omnigraph_manifest::clock::monotonic_now();
        engine
            .mutate(&graph, &main, insert, None, Some(&p), "bench")
            .await?;
        inserts.0.push(started.elapsed());
    }
    let self_peak = peak_rss_bytes().unwrap_or(0);

    Ok(report(&ReportInput {
        spec,
        summary,
        generated,
        gen_time,
        load: &load,
        figures: &figures,
        inserts: &inserts,
        warm_peak,
        self_peak,
        children_peak,
    }))
}

struct ReportInput<'a> {
    spec: &'a RunSpec,
    summary: GenSummary,
    generated: bool,
    gen_time: Duration,
    load: &'a Child,
    figures: &'a [QueryFigures],
    inserts: &'a Samples,
    warm_peak: u64,
    self_peak: u64,
    children_peak: u64,
}

fn report(r: &ReportInput<'_>) -> String {
    let s = &r.summary;
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let load_s = r.load.elapsed.as_secs_f64().max(1e-9);
    let mut out = String::new();
    out.push_str(&format!(
        "Graph: {} persons, {} follows (seed {}, data.jsonl {}); store: local directory; \
         {cores} cores; `{profile}` build; {} cold runs, {} warm runs per query.\n\n",
        thousands(s.persons as f64),
        thousands(s.edges as f64),
        s.seed,
        mib(s.bytes),
        r.spec.cold_runs,
        r.spec.warm_runs,
    ));
    if r.generated {
        out.push_str(&format!(
            "Generated the data in {:.1} s.\n\n",
            r.gen_time.as_secs_f64()
        ));
    }
    out.push_str("| Measurement | Result |\n|---|---|\n");
    out.push_str(&format!(
        "| load (`omnigraph load --mode overwrite`, one commit, fresh process) | {:.2} s |\n",
        load_s
    ));
    out.push_str(&format!(
        "| load throughput | {} nodes/s, {} edges/s ({} records/s) |\n",
        thousands(s.persons as f64 / load_s),
        thousands(s.edges as f64 / load_s),
        thousands((s.persons + s.edges) as f64 / load_s),
    ));
    out.push_str(&format!("| load peak RSS | {} |\n", mib(r.load.peak)));
    out.push_str(&format!(
        "| one-row insert (`.gq` insert, own commit, in process; median of {}) | {} (p95 {}) |\n",
        r.inserts.0.len(),
        ms(r.inserts.median()),
        ms(r.inserts.p95()),
    ));
    out.push_str(&format!(
        "| peak RSS of the benchmark process (warm queries) | {} |\n",
        mib(r.warm_peak)
    ));
    out.push_str(&format!(
        "| peak RSS, whole benchmark (max of every process) | {} |\n\n",
        mib(r.self_peak.max(r.children_peak))
    ));
    out.push_str(
        "| Query | Result | Cold: fresh process, median | Cold peak RSS | Warm: first in-process run | Warm median | Warm p95 |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for (q, f) in QUERIES.iter().zip(r.figures) {
        if let Some(e) = &f.error {
            out.push_str(&format!(
                "| {} | error: {} | | | | | |\n",
                q.label,
                e.lines().next().unwrap_or_default().replace('|', "\\|")
            ));
            continue;
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            q.label,
            f.summary,
            ms(f.cold.median()),
            mib(f.cold_peak),
            ms(f.first),
            ms(f.warm.median()),
            ms(f.warm.p95()),
        ));
    }
    out
}
