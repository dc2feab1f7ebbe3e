//! Export (docs/reference/data.md, "Export"): the C7 lines exactly, the round trip export →
//! load → export byte for byte on a schema using every property type, read targets and the type
//! filter, and the CLI (`export | load --data -`).

use std::io::Write;
use std::process::{Command, Stdio};

use omnigraph_engine::{Engine, EngineError, LoadMode, ReadTarget};
use omnigraph_manifest::{BranchName, GraphId};
use omnigraph_tests::omnigraph_bin;

use crate::fixtures::{loaded_graph, local_engine, main_target as main_head, DATA_C, SCHEMA_C};

/// Every property type of the schema language (docs/reference/schema.md, "Types"), required and nullable.
const SCHEMA_ALL: &str = r#"
node Thing {
    name: String @key
    flag: Bool
    small: I32
    big: I64
    count: U32
    huge: U64
    ratio: F32
    precise: F64
    day: Date
    at: DateTime
    payload: Blob
    kind: enum(alpha, beta)
    tags: [String]
    scores: [I64]
    days: [Date]
    stamps: [DateTime]
    weights: [F32]
    sizes: [U64]
    emb: Vector(3)
    note: String?
    maybe_flag: Bool?
    maybe_i32: I32?
    maybe_u32: U32?
    maybe_f64: F64?
    maybe_day: Date?
    maybe_at: DateTime?
    maybe_blob: Blob?
    maybe_kind: enum(x, y)?
    maybe_list: [Bool]?
    maybe_vec: Vector(2)?
}
node Plain { label: String? }
edge Links: Thing -> Thing { weight: F64?  since: DateTime? }
edge Tagged: Plain -> Thing
"#;

const DATA_ALL: &str = r#"{"type":"Thing","data":{"name":"alpha-1","flag":true,"small":-2147483648,"big":"9007199254740993","count":4294967295,"huge":"18446744073709551615","ratio":0.1,"precise":1e-300,"day":"0001-01-01","at":"9999-12-31T23:59:59.999Z","payload":"base64:AAEC/w==","kind":"alpha","tags":["x","","ü"],"scores":[-9007199254740993,0,5],"days":["2024-02-29"],"stamps":["2024-03-01T09:30:00+01:00"],"weights":[0.5,-1.25],"sizes":[18446744073709551615],"emb":[0.1,0.2,0.3],"note":"line\nbreak \"quoted\"","maybe_flag":false,"maybe_i32":7,"maybe_u32":0,"maybe_f64":-0.0,"maybe_day":"1970-01-01","maybe_at":0,"maybe_blob":"base64:","maybe_kind":"y","maybe_list":[true,false],"maybe_vec":[1.5,-2.5]}}
{"type":"Thing","data":{"name":"Beta","flag":false,"small":0,"big":-5,"count":0,"huge":0,"ratio":3.4028235e38,"precise":123456.789,"day":"2024-01-05","at":"2024-01-05 10:00:00.123456","payload":"base64:aGVsbG8=","kind":"beta","tags":[],"scores":[],"days":[],"stamps":[],"weights":[],"sizes":[],"emb":[0,0,1]}}
{"type":"Thing","data":{"name":"gamma","flag":true,"small":1,"big":9007199254740991,"count":1,"huge":9007199254740992,"ratio":-0.0,"precise":2.5,"day":19000,"at":1700000000000,"payload":"base64:","kind":"alpha","tags":["a"],"scores":[1],"days":["2000-01-01"],"stamps":["2000-01-01T00:00:00Z"],"weights":[1],"sizes":[1],"emb":[-1,2.25,3e-5],"maybe_list":[]}}
{"type":"Plain","data":{"id":"p1","label":"first"}}
{"type":"Plain","data":{"label":null}}
{"edge":"Links","from":"alpha-1","to":"Beta","data":{"id":"l1","weight":0.75,"since":"2020-01-01T00:00:00Z"}}
{"edge":"Links","from":"gamma","to":"gamma"}
{"edge":"Tagged","from":"p1","to":"gamma","data":{"id":"t1"}}
"#;

async fn loaded(dir: &std::path::Path, schema: &str, data: &str) -> (Engine, GraphId) {
    loaded_graph(dir, "exported", schema, data).await
}

async fn export(engine: &Engine, g: &GraphId, target: ReadTarget, types: &[&str]) -> String {
    let types: Vec<String> = types.iter().map(|t| t.to_string()).collect();
    let mut out: Vec<u8> = Vec::new();
    engine.export(g, &target, &types, &mut out).await.unwrap();
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn c7_export_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = loaded(dir.path(), SCHEMA_C, DATA_C).await;
    let start = engine.stats_start();
    let text = export(&engine, &g, main_head(), &[]).await;
    let stats = engine.stats_since(&start);
    assert_eq!(
        (stats.object_store.put, stats.manifest.write),
        (0, 0),
        "{stats:?}"
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        vec![
            r#"{"type":"Agent","data":{"id":"kim@corp.io","email":"kim@corp.io","team":"support"}}"#,
            r#"{"type":"Agent","data":{"id":"lee@corp.io","email":"lee@corp.io","team":"billing"}}"#,
            r#"{"type":"Ticket","data":{"id":"T-1","created":"2024-03-01T09:30:00.000Z","due":"2024-03-02","priority":1,"ref":"T-1","status":"open","title":"Login down"}}"#,
            r#"{"type":"Ticket","data":{"id":"T-2","created":"2024-03-02T14:00:00.250Z","due":null,"priority":3,"ref":"T-2","status":"open","title":"Refund request"}}"#,
            r#"{"type":"Ticket","data":{"id":"T-3","created":"2024-02-20T07:00:00.000Z","due":"2024-02-25","priority":5,"ref":"T-3","status":"closed","title":"Typo on invoice"}}"#,
            r#"{"edge":"AssignedTo","from":"T-1","to":"kim@corp.io","data":{"id":"a1"}}"#,
            r#"{"edge":"AssignedTo","from":"T-2","to":"lee@corp.io","data":{"id":"a2"}}"#,
            r#"{"edge":"Blocks","from":"T-1","to":"T-2","data":{"id":"b1"}}"#,
        ]
    );
}

#[tokio::test]
async fn round_trip_with_every_property_type_is_byte_identical() {
    let first_dir = tempfile::tempdir().unwrap();
    let (engine, g) = loaded(first_dir.path(), SCHEMA_ALL, DATA_ALL).await;
    let first = export(&engine, &g, main_head(), &[]).await;

    // Spot checks of the encoding: ids by byte order, wide integers as strings, floats in
    // their shortest form, blobs loadable, nulls written.
    let lines: Vec<&str> = first.lines().collect();
    assert_eq!(lines.len(), 8, "{first}");
    // Plain before Thing; generated ids are ULIDs (`01…`), which sort before `p1`.
    assert!(
        lines[0].starts_with(r#"{"type":"Plain","data":{"id":"01"#),
        "{first}"
    );
    assert_eq!(
        lines[1],
        r#"{"type":"Plain","data":{"id":"p1","label":"first"}}"#
    );
    assert!(
        lines[2].starts_with(r#"{"type":"Thing","data":{"id":"Beta","#),
        "{first}"
    );
    assert!(lines[3].starts_with(r#"{"type":"Thing","data":{"id":"alpha-1","#));
    for fragment in [
        r#""big":"9007199254740993""#,
        r#""huge":"18446744073709551615""#,
        r#""ratio":0.1"#,
        r#""precise":1e-300"#,
        r#""payload":"base64:AAEC/w==""#,
        r#""scores":["-9007199254740993",0,5]"#,
        r#""stamps":["2024-03-01T08:30:00.000Z"]"#,
        r#""at":"9999-12-31T23:59:59.999Z""#,
        r#""maybe_vec":[1.5,-2.5]"#,
        r#""note":"line\nbreak \"quoted\"""#,
    ] {
        assert!(
            lines[3].contains(fragment),
            "{fragment} not in {}",
            lines[3]
        );
    }
    assert!(lines[2].contains(r#""note":null"#) && lines[2].contains(r#""tags":[]"#));
    assert!(lines[4].contains(r#""maybe_list":[]"#) && lines[4].contains(r#""tags":["a"]"#));
    // Generated ids are ULIDs (`01…`), which sort before `l1`.
    assert!(lines[5].starts_with(r#"{"edge":"Links","from":"gamma","to":"gamma""#));
    assert!(lines[6].starts_with(r#"{"edge":"Links","from":"alpha-1","to":"Beta""#));

    let second_dir = tempfile::tempdir().unwrap();
    let engine2 = local_engine(second_dir.path()).await;
    engine2.init(&g, SCHEMA_ALL, "test").await.unwrap();
    engine2
        .load(
            &g,
            &BranchName::main(),
            None,
            first.clone(),
            LoadMode::Overwrite,
            "test",
        )
        .await
        .unwrap();
    let second = export(&engine2, &g, main_head(), &[]).await;
    assert_eq!(first, second);
}

#[tokio::test]
async fn targets_and_type_filter() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, g) = loaded(dir.path(), SCHEMA_C, DATA_C).await;
    let v2 = export(&engine, &g, main_head(), &[]).await;
    let commit = engine
        .snapshot(&g, &main_head())
        .await
        .unwrap()
        .commit
        .clone();
    engine
        .load(
            &g,
            &BranchName::main(),
            None,
            r#"{"type":"Agent","data":{"email":"max@corp.io","team":"billing"}}"#.into(),
            LoadMode::Append,
            "test",
        )
        .await
        .unwrap();
    let v3 = export(&engine, &g, main_head(), &[]).await;
    assert_eq!(v3.lines().count(), v2.lines().count() + 1);
    let at_version = ReadTarget::Version {
        branch: BranchName::main(),
        version: 2,
    };
    assert_eq!(export(&engine, &g, at_version, &[]).await, v2);
    assert_eq!(
        export(&engine, &g, ReadTarget::Commit(commit), &[]).await,
        v2
    );

    // A filter keeps the canonical order (nodes, then edges, by name), whatever the order
    // asked; edge names match ignoring case.
    let some = export(&engine, &g, main_head(), &["blocks", "Agent"]).await;
    let kinds: Vec<&str> = some.lines().map(|l| &l[..12]).collect();
    assert_eq!(
        kinds,
        vec![
            r#"{"type":"Age"#,
            r#"{"type":"Age"#,
            r#"{"type":"Age"#,
            r#"{"edge":"Blo"#
        ]
    );

    let types = vec!["Tickt".to_string()];
    let err = engine
        .export(&g, &main_head(), &types, &mut Vec::<u8>::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EngineError::BadRequest { message, .. }
            if message == "unknown type `Tickt` (did you mean `Ticket`?)"),
        "{err:?}"
    );
}

fn cli(store: &std::path::Path, args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    let mut child = Command::new(omnigraph_bin().expect("the CLI binary must be built"))
        .arg("--store")
        .arg(store)
        .args(args)
        .env_remove("OMNIGRAPH_STORE")
        .env_remove("OMNIGRAPH_GRAPH")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn cli_export_pipes_into_load() {
    let work = tempfile::tempdir().unwrap();
    let schema = work.path().join("all.pg");
    std::fs::write(&schema, SCHEMA_ALL).unwrap();
    let data = work.path().join("all.jsonl");
    std::fs::write(&data, DATA_ALL).unwrap();
    let schema = schema.to_str().unwrap();

    let a = tempfile::tempdir().unwrap();
    cli(a.path(), &["init", "--schema", schema], None);
    let out = cli(
        a.path(),
        &[
            "load",
            "--data",
            data.to_str().unwrap(),
            "--batch-rows",
            "2",
        ],
        None,
    );
    // Not a terminal: no progress bar.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported = cli(a.path(), &["export"], None).stdout;
    assert_eq!(exported.iter().filter(|b| **b == b'\n').count(), 8);

    let b = tempfile::tempdir().unwrap();
    cli(b.path(), &["init", "--schema", schema], None);
    let out = cli(
        b.path(),
        &["--format", "json", "load", "--data", "-"],
        Some(&exported),
    );
    let loaded: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(loaded["version"], 2, "{loaded}");
    assert_eq!(cli(b.path(), &["export"], None).stdout, exported);

    // --type and --stats: only the edge lines; the stats on stderr show no writes.
    let out = cli(b.path(), &["--stats", "export", "--type", "Links"], None);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().all(|l| l.starts_with(r#"{"edge":"Links""#)));
    let stats: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(stats["stats"]["object_store"]["put"], 0, "{stats}");
    let out = cli(b.path(), &["export", "--version", "1"], None);
    assert!(out.stdout.is_empty(), "the genesis version holds no rows");
}
