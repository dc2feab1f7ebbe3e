//! The `omnigraph` binary end to end on a local directory: commands, JSON output, `--stats`
//! shape, error messages and exit codes.

use std::path::Path;
use std::process::Output;

use crate::fixtures::{cli_command, example, succeeded};

fn run(store: &Path, args: &[&str]) -> Output {
    let mut cmd = cli_command(&[]);
    cmd.arg("--store").arg(store).args(args);
    cmd.output().expect("the CLI runs")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn init_snapshot_branch_commit_and_stats() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let out = run(
        store,
        &[
            "--format",
            "json",
            "init",
            "--schema",
            &example("schema.pg"),
        ],
    );
    succeeded(&out);
    let init = json(&out);
    assert_eq!(init["version"], 1);
    assert_eq!(init["tables"], 4);

    let out = run(store, &["--format", "json", "--stats", "snapshot"]);
    assert!(out.status.success());
    let snap = json(&out);
    assert_eq!(snap["commit"], init["commit"]);
    let tables: Vec<&str> = snap["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["table_key"].as_str().unwrap())
        .collect();
    assert_eq!(
        tables,
        ["edge:Knows", "edge:WorksAt", "node:Company", "node:Person"]
    );
    // --stats: one JSON object on stderr in the documented shape
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stats: serde_json::Value = serde_json::from_str(stderr.trim()).unwrap();
    for key in [
        "get",
        "put",
        "list",
        "delete",
        "head",
        "bytes_read",
        "bytes_written",
    ] {
        assert!(
            stats["stats"]["object_store"][key].is_u64(),
            "{key}: {stats}"
        );
    }
    for key in ["read", "write", "conflict"] {
        assert!(stats["stats"]["manifest"][key].is_u64(), "{key}: {stats}");
    }
    assert!(stats["stats"]["elapsed_ms"].is_number());
    assert_eq!(stats["stats"]["object_store"]["list"], 0, "{stats}");

    let out = run(store, &["--format", "json", "branch", "create", "agent-1"]);
    assert!(out.status.success());
    let out = run(store, &["--format", "json", "branch", "list"]);
    let listed = json(&out);
    let names: Vec<&str> = listed["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["agent-1", "main"]);

    let out = run(store, &["--format", "json", "commit", "list"]);
    let commits = json(&out);
    assert_eq!(commits["commits"][0]["op_kind"], "init");
    let id = commits["commits"][0]["id"].as_str().unwrap().to_string();
    let out = run(store, &["--format", "json", "commit", "show", &id]);
    assert_eq!(json(&out)["id"], id.as_str());

    let out = run(store, &["--format", "json", "schema", "show"]);
    assert!(json(&out)["schema"]
        .as_str()
        .unwrap()
        .contains("node Person"));
}

#[test]
fn user_errors_exit_1_with_a_sentence_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let out = run(store, &["snapshot"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: graph `default` not found"),
        "{stderr}"
    );

    let out = run(store, &["--graph", "../etc", "snapshot"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid graph id"));

    let out = run(store, &["--format", "json", "branch", "delete", "main"]);
    assert_eq!(out.status.code(), Some(1));
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "bad_request");

    let out = run(store, &["no-such-command"]);
    assert_eq!(out.status.code(), Some(2));

    // a bad schema: diagnostics with line:col, nothing written
    let bad = store.join("bad.pg");
    std::fs::write(&bad, "node Person {\n    name: Strng\n}\n").unwrap();
    let out = run(store, &["init", "--schema", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.pg") || stderr.contains("schema.pg"),
        "{stderr}"
    );
    assert!(
        !store.join("default").exists(),
        "a rejected init writes nothing"
    );
}

#[test]
fn lint_and_schema_plan_work_offline() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("never-created");
    let out = run(
        &store,
        &[
            "--format",
            "json",
            "lint",
            "--file",
            &example("queries.gq"),
            "--schema",
            &example("schema.pg"),
        ],
    );
    succeeded(&out);
    let report = json(&out);
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 0);
    assert!(report["queries"].as_array().unwrap().len() >= 4);

    let bad = dir.path().join("bad.gq");
    std::fs::write(
        &bad,
        "query q() {\n    match { $p: Person  $p knos $f }\n    return { $f.name }\n}\n",
    )
    .unwrap();
    let out = run(
        &store,
        &[
            "--format",
            "table",
            "lint",
            "--file",
            bad.to_str().unwrap(),
            "--schema",
            &example("schema.pg"),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "lint fails iff an error is reported"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("error[E-T004]"), "{text}");
    assert!(text.contains(":2:"), "the span's line is shown: {text}");

    let desired = dir.path().join("v2.pg");
    let mut src = std::fs::read_to_string(example("schema.pg")).unwrap();
    src = src.replace("age: I32?", "age: I32?\n    email: String?");
    std::fs::write(&desired, src).unwrap();
    let out = run(
        &store,
        &[
            "--format",
            "json",
            "schema",
            "plan",
            "--schema",
            desired.to_str().unwrap(),
            "--from",
            &example("schema.pg"),
        ],
    );
    succeeded(&out);
    let plan = json(&out);
    assert_eq!(plan["supported"], true);
    assert_eq!(plan["steps"][0]["kind"], "add_property");
    assert!(!store.exists(), "offline commands never create the store");
}

#[test]
fn load_then_query_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    assert!(run(store, &["init", "--schema", &example("schema.pg")])
        .status
        .success());
    let out = run(
        store,
        &["--format", "json", "load", "--data", &example("data.jsonl")],
    );
    succeeded(&out);
    assert_eq!(json(&out)["version"], 2);

    let q = example("queries.gq");
    let args = |fmt: &'static str| -> Vec<String> {
        [
            "--format",
            fmt,
            "query",
            "--file",
            &q,
            "--name",
            "friends_of",
            "--params",
            r#"{"h":"ann"}"#,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };

    let out = run_owned(store, &args("json"));
    let doc = json(&out);
    assert_eq!(doc["columns"], serde_json::json!(["f.handle", "f.name"]));
    assert_eq!(doc["row_count"], 2);
    assert_eq!(
        doc["rows"][0],
        serde_json::json!({"f.handle": "bob", "f.name": "Bob"})
    );
    assert_eq!(doc["snapshot"]["version"], 2);

    let out = run_owned(store, &args("jsonl"));
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(
        lines,
        [
            r#"{"f.handle":"bob","f.name":"Bob"}"#,
            r#"{"f.handle":"cat","f.name":"Cat"}"#
        ]
    );

    let out = run_owned(store, &args("csv"));
    assert_eq!(
        std::str::from_utf8(&out.stdout).unwrap(),
        "f.handle,f.name\nbob,Bob\ncat,Cat\n"
    );

    // read at version 1 (before the load): no rows
    let out = run(
        store,
        &[
            "--format",
            "json",
            "query",
            "--version",
            "1",
            "--file",
            &q,
            "--name",
            "people_by_age",
        ],
    );
    assert_eq!(json(&out)["row_count"], 0);

    // a bad parameter is a user error naming the parameter
    let out = run(
        store,
        &[
            "query",
            "--file",
            &q,
            "--name",
            "friends_of",
            "--params",
            r#"{"h":1}"#,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("parameter `$h`: expected String, got number 1"));
}

/// `query --branch B --version N` reads version N of branch B (the argument rules refused the
/// pair although the engine and the API take it).
#[test]
fn query_reads_an_earlier_version_of_a_named_branch() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    succeeded(&run(store, &["init", "--schema", &example("schema.pg")]));
    succeeded(&run(store, &["branch", "create", "feature"]));
    let version_of_feature = || {
        json(&run(
            store,
            &["--format", "json", "snapshot", "--branch", "feature"],
        ))["version"]
            .as_u64()
            .unwrap()
    };
    let before = version_of_feature();
    succeeded(&run(
        store,
        &[
            "load",
            "--data",
            &example("data.jsonl"),
            "--branch",
            "feature",
        ],
    ));
    let after = version_of_feature();
    assert!(after > before);

    let q = example("queries.gq");
    let rows_at = |version: Option<u64>| {
        let v = version.map(|v| v.to_string());
        let mut args = vec![
            "--format",
            "json",
            "query",
            "--file",
            &q,
            "--name",
            "people_by_age",
            "--branch",
            "feature",
        ];
        if let Some(v) = &v {
            args.extend(["--version", v.as_str()]);
        }
        let out = run(store, &args);
        succeeded(&out);
        json(&out)["row_count"].as_u64().unwrap()
    };
    assert_eq!(rows_at(Some(before)), 0, "before the load");
    let loaded = rows_at(Some(after));
    assert!(loaded > 0);
    assert_eq!(rows_at(None), loaded, "the head is the latest version");
    // main never saw the load
    let out = run(
        store,
        &[
            "--format",
            "json",
            "query",
            "--file",
            &q,
            "--name",
            "people_by_age",
        ],
    );
    assert_eq!(json(&out)["row_count"], 0);
}

/// A rejected `load --branch new --from main` leaves no branch behind: a retry with valid data
/// succeeds (it failed with "branch exists" before).
#[test]
fn rejected_load_onto_a_new_branch_leaves_no_branch() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    succeeded(&run(store, &["init", "--schema", &example("schema.pg")]));
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"type\":\"Nope\",\"data\":{}}\n").unwrap();
    let load = |data: &str| {
        run(
            store,
            &[
                "load", "--data", data, "--branch", "agent-1", "--from", "main",
            ],
        )
    };
    let out = load(bad.to_str().unwrap());
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let list = succeeded(&run(store, &["--format", "json", "branch", "list"]));
    assert!(!list.contains("agent-1"), "{list}");
    succeeded(&load(&example("data.jsonl")));
    let list = succeeded(&run(store, &["--format", "json", "branch", "list"]));
    assert!(list.contains("agent-1"), "{list}");
}

fn run_owned(store: &Path, args: &[String]) -> Output {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    run(store, &refs)
}
