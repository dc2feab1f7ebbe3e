//! `omnigraph serve` (the deployed routes over the embedded engine, on a loopback port) and
//! the CLI's remote mode (`--endpoint`, `--token`) against it: the same output as the embedded
//! CLI for the same commands.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use omnigraph_tests::{http_request, ChildGuard, HttpReply};
use serde_json::{json, Value};

use crate::fixtures::{
    cli_command, example, succeeded as stdout, HANDLES, SOCIAL_DATA as DATA,
    SOCIAL_SCHEMA as SCHEMA,
};

const INSERT: &str = "query m($h: String) { insert Person { handle: $h, name: \"Hal\" } }";

/// A running `omnigraph serve` on a port the OS picked.
pub(crate) struct Served {
    pub addr: String,
    _child: ChildGuard,
}

/// Starts `omnigraph --store <store> serve --bind 127.0.0.1:0 <extra…>` and waits (bounded)
/// for the address it prints.
pub(crate) fn serve(store: &Path, extra: &[&str], env: &[(&str, &str)]) -> Served {
    let mut cmd = cli_command(&["serve", "--bind", "127.0.0.1:0"]);
    cmd.arg("--store")
        .arg(store)
        .args(extra)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("omnigraph serve starts");
    let stderr = child.stderr.take().expect("stderr is piped");
    let guard = ChildGuard(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Keep draining stderr (one log line per request) so the server never blocks on it.
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(addr) = line.split("listening on http://").nth(1) {
                let _ = tx.send(addr.trim().to_string());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("omnigraph serve printed its address within 60 s");
    Served {
        addr,
        _child: guard,
    }
}

fn send(addr: &str, method: &str, path: &str, body: Option<&Value>) -> HttpReply {
    let text = body.map(Value::to_string).unwrap_or_default();
    http_request(
        addr,
        method,
        path,
        &[("content-type", "application/json")],
        text.as_bytes(),
    )
    .expect("the server answers")
}

fn ok(reply: &HttpReply) -> Value {
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

#[test]
fn serve_answers_the_deployed_routes_over_the_embedded_engine() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[], &[]);
    let a = server.addr.as_str();
    let mut ids = std::collections::BTreeSet::new();
    let mut track = |r: &HttpReply| {
        let id = r
            .header("x-request-id")
            .expect("every response has a request id");
        assert!(ids.insert(id.to_string()), "request id {id} reused");
    };

    let r = send(a, "GET", "/healthz", None);
    track(&r);
    assert_eq!(ok(&r)["status"], "ok");
    let r = send(
        a,
        "POST",
        "/graphs",
        Some(&json!({"graph": "social", "schema": SCHEMA})),
    );
    track(&r);
    let init = ok(&r);
    assert_eq!(init["version"], 1);
    assert_eq!(init["tables"], 4);
    let r = send(
        a,
        "POST",
        "/graphs/social/load",
        Some(&json!({"mode": "overwrite", "data": DATA})),
    );
    track(&r);
    assert_eq!(ok(&r)["version"], 2);
    let r = send(
        a,
        "POST",
        "/graphs/social/query",
        Some(&json!({"query": HANDLES})),
    );
    track(&r);
    let before = ok(&r);
    assert_eq!(before["row_count"], 5);
    let r = send(
        a,
        "POST",
        "/graphs/social/mutate",
        Some(&json!({"query": INSERT, "params": {"h": "hal"}})),
    );
    track(&r);
    let mutated = ok(&r);
    assert_eq!(mutated["affected_nodes"], 1);
    assert_eq!(mutated["version"], 3);
    let r = send(
        a,
        "POST",
        "/graphs/social/query",
        Some(&json!({"query": HANDLES})),
    );
    track(&r);
    let after = ok(&r);
    assert_eq!(after["row_count"], 6);
    assert!(after["rows"]
        .as_array()
        .unwrap()
        .contains(&json!({"p.handle": "hal"})));
    assert_eq!(after["snapshot"]["commit"], mutated["commit"]);
    let r = send(a, "GET", "/graphs/social/snapshot?branch=main", None);
    track(&r);
    let snap = ok(&r);
    assert_eq!(snap["version"], 3);
    assert_eq!(snap["commit"], mutated["commit"]);
    let people = snap["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table_key"] == "node:Person")
        .unwrap();
    assert_eq!(people["rows"], 6);

    let r = send(a, "GET", "/openapi.json", None);
    track(&r);
    let doc = ok(&r);
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/graphs/{graph}/mutate"]["post"].is_object());

    // errors are the error object, with a request id too
    let r = send(a, "GET", "/graphs/social/nope", None);
    track(&r);
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], "not_found");
    let r = send(
        a,
        "POST",
        "/graphs/social/query",
        Some(&json!({"query": "q"})),
    );
    track(&r);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "bad_request");
}

/// A body declared over the limit is refused with 413 from the head alone: the client sends
/// no body at all and still gets the answer (a server reading the body would wait forever).
#[test]
fn serve_refuses_an_oversized_body_before_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &["--max-body-bytes", "1024"], &[]);
    let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
        .write_all(
            b"POST /graphs/social/load HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
              content-length: 50000000\r\n\r\n",
        )
        .unwrap();
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .expect("the server answers and closes without the body");
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 413 "), "{text}");
    assert!(text.contains("x-request-id: "), "{text}");
    assert!(text.contains("\"payload_too_large\""), "{text}");

    // a body within the limit is served (and rejected on its merits)
    let r = send(
        &server.addr,
        "POST",
        "/graphs/social/load",
        Some(&json!({"mode": "overwrite", "data": "{}"})),
    );
    assert_eq!(r.status, 404, "{}", String::from_utf8_lossy(&r.body));
    // …and one just over it is 413 on a normal request too
    let big = json!({"mode": "overwrite", "data": "x".repeat(1100)});
    let r = send(&server.addr, "POST", "/graphs/social/load", Some(&big));
    assert_eq!(r.status, 413);
    assert!(r.header("x-request-id").is_some());
}

#[test]
fn serve_requires_the_bearer_token_when_given() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &[], &[("OMNIGRAPH_TOKEN", "s3cret")]);
    let r = send(&server.addr, "GET", "/healthz", None);
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "unauthorized");
    let r = http_request(
        &server.addr,
        "GET",
        "/healthz",
        &[("authorization", "Bearer wrong")],
        b"",
    )
    .unwrap();
    assert_eq!(r.status, 401);
    let r = http_request(
        &server.addr,
        "GET",
        "/healthz",
        &[("authorization", "Bearer s3cret")],
        b"",
    )
    .unwrap();
    assert_eq!(r.status, 200);
}

fn cli(target: &[&str], args: &[&str]) -> Output {
    crate::fixtures::cli(&[target, args].concat())
}

/// Commit ids are ULIDs and commits carry a creation time: the only parts of a write's output
/// that differ between two stores given the same commands.
fn normalize(text: &str) -> String {
    let ulid = regex_lite(text);
    ulid.lines()
        .map(|line| match line.find("\"created_at\": ") {
            Some(at) => format!("{}\"created_at\": <ms>,", &line[..at]),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Replaces 26-character Crockford base-32 words (ULIDs) with `<ULID>`.
fn regex_lite(text: &str) -> String {
    let is_ulid_char = |c: char| c.is_ascii_digit() || c.is_ascii_uppercase();
    let mut out = String::new();
    let mut word = String::new();
    for c in text.chars().chain(std::iter::once('\n')) {
        if is_ulid_char(c) {
            word.push(c);
            continue;
        }
        if word.len() == 26 {
            out.push_str("<ULID>");
        } else {
            out.push_str(&word);
        }
        word.clear();
        out.push(c);
    }
    out.pop();
    out
}

#[test]
fn remote_cli_prints_what_the_embedded_cli_prints() {
    let embedded_dir = tempfile::tempdir().unwrap();
    let served_dir = tempfile::tempdir().unwrap();
    let server = serve(served_dir.path(), &[], &[("OMNIGRAPH_TOKEN", "tok")]);
    let endpoint = format!("http://{}", server.addr);
    let embedded_store = embedded_dir.path().display().to_string();
    let served_store = served_dir.path().display().to_string();
    let embedded = ["--store", embedded_store.as_str()];
    let remote = ["--endpoint", endpoint.as_str(), "--token", "tok"];
    let (schema, data) = (example("schema.pg"), example("data.jsonl"));

    // Writes: the same commands on two stores print the same, up to commit ids and times.
    let writes: Vec<Vec<&str>> = vec![
        vec!["--format", "json", "init", "--schema", &schema],
        vec![
            "--format",
            "json",
            "load",
            "--data",
            &data,
            "--mode",
            "overwrite",
        ],
        vec![
            "--format",
            "json",
            "mutate",
            "-e",
            INSERT,
            "--params",
            r#"{"h": "hal"}"#,
        ],
        vec!["--format", "json", "branch", "create", "feature"],
        vec![
            "--format",
            "json",
            "mutate",
            "-e",
            INSERT,
            "--params",
            r#"{"h": "ivy"}"#,
            "--branch",
            "feature",
        ],
        vec!["--format", "json", "branch", "create", "scratch"],
        vec!["--format", "json", "branch", "delete", "scratch"],
    ];
    for args in &writes {
        let local = stdout(&cli(&embedded, args));
        let far = stdout(&cli(&remote, args));
        assert_eq!(normalize(&far), normalize(&local), "{args:?}");
    }

    // Reads of the served store: identical output from the server and from the embedded
    // engine on the same directory, in every format.
    let served = ["--store", served_store.as_str()];
    let commits: Value = serde_json::from_str(&stdout(&cli(
        &served,
        &["--format", "json", "commit", "list", "--limit", "2"],
    )))
    .unwrap();
    let newest = commits["commits"][0]["id"].as_str().unwrap().to_string();
    let reads: Vec<Vec<&str>> = vec![
        vec!["--format", "json", "query", "-e", HANDLES],
        vec!["--format", "table", "query", "-e", HANDLES],
        vec![
            "--format", "csv", "query", "-e", HANDLES, "--branch", "feature",
        ],
        vec![
            "--format",
            "jsonl",
            "query",
            "-e",
            HANDLES,
            "--version",
            "2",
        ],
        vec!["--format", "json", "snapshot"],
        vec!["--format", "json", "snapshot", "--branch", "feature"],
        vec!["--format", "json", "branch", "list"],
        vec!["--format", "json", "commit", "list"],
        vec!["--format", "json", "commit", "list", "--limit", "1"],
        vec!["--format", "json", "commit", "show", &newest],
        vec!["--format", "json", "schema", "show"],
        vec!["export"],
        vec!["export", "--branch", "feature", "--type", "Person"],
    ];
    for args in &reads {
        let local = stdout(&cli(&served, args));
        let far = stdout(&cli(&remote, args));
        assert_eq!(far, local, "{args:?}");
    }
    // An export over the server's inline limit is stored and fetched by the client.
    let tight = serve(
        served_dir.path(),
        &["--max-inline-export-bytes", "64"],
        &[("OMNIGRAPH_TOKEN", "tok")],
    );
    let tight_endpoint = format!("http://{}", tight.addr);
    let tight_remote = ["--endpoint", tight_endpoint.as_str(), "--token", "tok"];
    let local = stdout(&cli(&served, &["export"]));
    assert!(local.len() > 64, "{local}");
    assert_eq!(stdout(&cli(&tight_remote, &["export"])), local);
    let stored = std::fs::read_dir(served_dir.path().join("default").join("__exports"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(stored, 1, "the large export was stored once");

    // Errors: the same sentence and exit code.
    let args = ["--graph", "nope", "snapshot"];
    let local = cli(&served, &args);
    let far = cli(&remote, &args);
    assert_eq!(local.status.code(), Some(1));
    assert_eq!(far.status.code(), local.status.code());
    assert_eq!(
        String::from_utf8_lossy(&far.stderr),
        String::from_utf8_lossy(&local.stderr)
    );
    // A wrong token is a user error naming the cause.
    let far = cli(
        &["--endpoint", endpoint.as_str(), "--token", "bad"],
        &["snapshot"],
    );
    assert_eq!(far.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&far.stderr).contains("Bearer"));
    // Commands that need the store itself say so.
    let far = cli(&remote, &["recover", "--dry-run"]);
    assert_eq!(far.status.code(), Some(2));
}

/// Remote mode sends `--max-rows`, `--max-expansion` and `--timeout-ms` with the query, and the
/// server honours them: the same error and exit code as the embedded CLI on the same store.
#[test]
fn remote_query_honours_the_query_limits() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().display().to_string();
    let embedded = ["--store", store.as_str()];
    stdout(&cli(
        &embedded,
        &["init", "--schema", &example("schema.pg")],
    ));
    stdout(&cli(
        &embedded,
        &[
            "load",
            "--data",
            &example("data.jsonl"),
            "--mode",
            "overwrite",
        ],
    ));
    let server = serve(dir.path(), &[], &[]);
    let endpoint = format!("http://{}", server.addr);
    let remote = ["--endpoint", endpoint.as_str()];
    for (limit, value, code) in [
        ("--max-rows", "1", "E-L001"),
        ("--max-expansion", "1", "E-L002"),
        ("--timeout-ms", "0", "E-L003"),
    ] {
        for format in ["json", "table"] {
            let args = ["--format", format, "query", "-e", HANDLES, limit, value];
            let local = cli(&embedded, &args);
            let far = cli(&remote, &args);
            let stderr = String::from_utf8_lossy(&local.stderr);
            assert_eq!(local.status.code(), Some(1), "{limit}: {stderr}");
            assert!(stderr.contains(code), "{limit}: {stderr}");
            assert_eq!(far.status.code(), local.status.code(), "{limit}");
            assert_eq!(String::from_utf8_lossy(&far.stderr), stderr, "{limit}");
            assert!(far.stdout.is_empty());
        }
    }
    // within the limits, both print the rows
    let args = [
        "--format",
        "json",
        "query",
        "-e",
        HANDLES,
        "--max-rows",
        "5",
    ];
    assert_eq!(stdout(&cli(&remote, &args)), stdout(&cli(&embedded, &args)));
}
