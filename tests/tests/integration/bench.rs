//! `omnigraph bench` end to end at a tiny size: `generate` is deterministic, and `run`
//! completes and reports every measurement with results that match the generated data
//! (2-hop paths and people over 40 recounted here from `data.jsonl`). Timing is not asserted.

use std::collections::HashMap;
use std::process::Command;

use omnigraph_tests::omnigraph_bin;

fn omnigraph(args: &[&str]) -> std::process::Output {
    let bin = omnigraph_bin().expect("the CLI binary must be built");
    Command::new(bin)
        .args(args)
        .env_remove("OMNIGRAPH_STORE")
        .output()
        .expect("the CLI runs")
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// 2-hop path count and people over 40, recounted from the JSONL.
fn expected(data: &str) -> (u64, u64) {
    let mut out_degree: HashMap<String, u64> = HashMap::new();
    let mut edges = Vec::new();
    let mut over_40 = 0;
    for line in data.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v.get("type").is_some() {
            if v["data"]["age"].as_i64().unwrap() > 40 {
                over_40 += 1;
            }
        } else {
            let (f, t) = (v["from"].as_str().unwrap(), v["to"].as_str().unwrap());
            *out_degree.entry(f.to_string()).or_default() += 1;
            edges.push(t.to_string());
        }
    }
    let paths = edges
        .iter()
        .map(|b| out_degree.get(b).copied().unwrap_or(0))
        .sum();
    (paths, over_40)
}

#[test]
fn bench_generate_is_deterministic() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for d in [&a, &b] {
        let p = d.path().to_str().unwrap();
        ok(&omnigraph(&[
            "bench",
            "generate",
            "--persons",
            "150",
            "--seed",
            "3",
            "--out",
            p,
        ]));
    }
    let read = |d: &tempfile::TempDir, f: &str| std::fs::read(d.path().join(f)).unwrap();
    assert_eq!(read(&a, "data.jsonl"), read(&b, "data.jsonl"));
    assert_eq!(read(&a, "schema.pg"), read(&b, "schema.pg"));
    let bad = omnigraph(&["bench", "generate", "--persons", "1", "--out", "/tmp"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--persons"));
}

#[test]
fn bench_run_reports_every_measurement() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let report_path = dir.path().join("report.md");
    let text = ok(&omnigraph(&[
        "bench",
        "run",
        "--persons",
        "300",
        "--dir",
        d,
        "--cold-runs",
        "1",
        "--warm-runs",
        "2",
        "--inserts",
        "3",
        "--report",
        report_path.to_str().unwrap(),
    ]));
    assert_eq!(
        std::fs::read_to_string(&report_path).unwrap().trim(),
        text.trim()
    );
    for row in [
        "| load (",
        "| load throughput |",
        "| load peak RSS |",
        "| one-row insert",
        "| peak RSS, whole benchmark",
        "| point lookup by key | 1 rows |",
        "| 1-hop neighbours of one person |",
        "| 2-hop path count, whole graph |",
        "| count per city of people over 40 |",
    ] {
        assert!(text.contains(row), "missing `{row}` in:\n{text}");
    }
    assert!(!text.contains("error:"), "{text}");
    let data = std::fs::read_to_string(dir.path().join("data.jsonl")).unwrap();
    let (paths, over_40) = expected(&data);
    assert!(
        text.contains(&format!("| {paths} paths |")),
        "expected {paths} paths in:\n{text}"
    );
    assert!(
        text.contains(&format!("cities, {over_40} people |")),
        "expected {over_40} people in:\n{text}"
    );
    // a second run reuses the generated files and recreates the store
    let again = ok(&omnigraph(&[
        "bench",
        "run",
        "--persons",
        "300",
        "--dir",
        d,
        "--cold-runs",
        "1",
        "--warm-runs",
        "1",
        "--inserts",
        "1",
    ]));
    assert!(!again.contains("Generated the data"), "{again}");
    assert!(again.contains(&format!("| {paths} paths |")));
}
