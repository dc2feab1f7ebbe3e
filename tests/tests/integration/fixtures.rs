//! Fixtures shared by the test modules: the language reference's three example schemas and
//! their data (A social, B search, C tickets), the `examples/social` graph, engines on a
//! temporary directory, loaded graphs, and buckets on the moto server.

use omnigraph_engine::{Engine, LoadMode, ManifestChoice, ReadTarget, StoreLocation};
use omnigraph_manifest::{BranchName, GraphId};
use omnigraph_tests::{moto_endpoint, s3_client, unique_name};

/// Schema A (social: people, companies, who knows whom, who works where).
pub(crate) const SCHEMA_A: &str = include_str!("../../../shared/lang/tests/fixtures/schema_a.pg");
/// Schema B (search: documents with text and vectors, their authors).
pub(crate) const SCHEMA_B: &str = include_str!("../../../shared/lang/tests/fixtures/schema_b.pg");
/// Schema C (tickets: agents, tickets, assignments and blockers).
pub(crate) const SCHEMA_C: &str = include_str!("../../../shared/lang/tests/fixtures/schema_c.pg");

pub(crate) const DATA_A: &str = r#"{"type":"Person","data":{"handle":"ann","name":"Ann","age":34,"tags":["rust","go"]}}
{"type":"Person","data":{"handle":"bob","name":"Bob","age":27,"tags":["go"]}}
{"type":"Person","data":{"handle":"cat","name":"Cat"}}
{"type":"Person","data":{"handle":"dan","name":"Dan","age":41,"tags":["rust"]}}
{"type":"Person","data":{"handle":"eve","name":"Eve","age":27,"tags":[]}}
{"type":"Company","data":{"slug":"acme","name":"Acme","sector":"fintech"}}
{"type":"Company","data":{"slug":"globex","name":"Globex","sector":"health"}}
{"type":"Company","data":{"slug":"initech","name":"Initech","sector":"retail"}}
{"edge":"Knows","from":"ann","to":"bob","data":{"id":"k1","since":"2020-05-01"}}
{"edge":"Knows","from":"ann","to":"cat","data":{"id":"k2"}}
{"edge":"Knows","from":"bob","to":"dan","data":{"id":"k3","since":"2021-01-10"}}
{"edge":"Knows","from":"cat","to":"dan","data":{"id":"k4","since":"2019-03-15"}}
{"edge":"Knows","from":"dan","to":"ann","data":{"id":"k5"}}
{"edge":"WorksAt","from":"ann","to":"acme","data":{"id":"w1","role":"cto"}}
{"edge":"WorksAt","from":"bob","to":"acme","data":{"id":"w2"}}
{"edge":"WorksAt","from":"dan","to":"globex","data":{"id":"w3","role":"analyst"}}
"#;

pub(crate) const DATA_B: &str = r#"{"type":"Doc","data":{"slug":"d1","body":"Graph databases store nodes and edges","emb":[1.0,0.0,0.0]}}
{"type":"Doc","data":{"slug":"d2","body":"Vector search finds nearest neighbors","emb":[0.8,0.6,0.0]}}
{"type":"Doc","data":{"slug":"d3","body":"Graph search with vector ranking","emb":[0.0,1.0,0.0]}}
{"type":"Doc","data":{"slug":"d4","body":"Cooking pasta at home","emb":[0.0,0.0,1.0]}}
{"type":"Author","data":{"name":"ada"}}
{"type":"Author","data":{"name":"lin"}}
{"edge":"Wrote","from":"ada","to":"d1"}
{"edge":"Wrote","from":"ada","to":"d2"}
{"edge":"Wrote","from":"lin","to":"d3"}
{"edge":"Wrote","from":"lin","to":"d4"}
"#;

pub(crate) const DATA_C: &str = r#"{"type":"Agent","data":{"email":"kim@corp.io","team":"support"}}
{"type":"Agent","data":{"email":"lee@corp.io","team":"billing"}}
{"type":"Ticket","data":{"ref":"T-1","title":"Login down","priority":1,"status":"open","created":"2024-03-01T09:30:00Z","due":"2024-03-02"}}
{"type":"Ticket","data":{"ref":"T-2","title":"Refund request","priority":3,"status":"open","created":"2024-03-02T14:00:00.250Z"}}
{"type":"Ticket","data":{"ref":"T-3","title":"Typo on invoice","priority":5,"status":"closed","created":"2024-02-20T08:00:00+01:00","due":"2024-02-25"}}
{"edge":"AssignedTo","from":"T-1","to":"kim@corp.io","data":{"id":"a1"}}
{"edge":"AssignedTo","from":"T-2","to":"lee@corp.io","data":{"id":"a2"}}
{"edge":"Blocks","from":"T-1","to":"T-2","data":{"id":"b1"}}
"#;

/// The `examples/social` graph: its schema, data and a second batch of records.
pub(crate) const SOCIAL_SCHEMA: &str = include_str!("../../../examples/social/schema.pg");
pub(crate) const SOCIAL_DATA: &str = include_str!("../../../examples/social/data.jsonl");
pub(crate) const SOCIAL_MORE: &str = include_str!("../../../examples/social/more.jsonl");
/// Every person's handle of the social graph, in order.
pub(crate) const HANDLES: &str =
    "query q() { match { $p: Person } return { $p.handle } order { $p.handle asc } }";

/// Lambda event payloads as AWS sends them.
pub(crate) const S3_PUT_EVENT: &str =
    include_str!("../../fixtures/events/s3-object-created-put.json");
pub(crate) const SCHEDULED_EVENT: &str =
    include_str!("../../fixtures/events/eventbridge-scheduled.json");

pub(crate) fn graph(name: &str) -> GraphId {
    GraphId::new(name).unwrap()
}

pub(crate) fn main_target() -> ReadTarget {
    ReadTarget::Branch(BranchName::main())
}

/// An engine on a local directory, heads in the object store.
pub(crate) async fn local_engine(dir: &std::path::Path) -> Engine {
    Engine::open(
        StoreLocation::Local(dir.to_path_buf()),
        ManifestChoice::ObjectStore,
    )
    .await
    .unwrap()
}

/// An engine on `dir` with graph `name` created with `schema` and `data` loaded on `main`.
pub(crate) async fn loaded_graph(
    dir: &std::path::Path,
    name: &str,
    schema: &str,
    data: &str,
) -> (Engine, GraphId) {
    let engine = local_engine(dir).await;
    let g = graph(name);
    engine.init(&g, schema, "test").await.unwrap();
    engine
        .load(
            &g,
            &BranchName::main(),
            None,
            data.into(),
            LoadMode::Overwrite,
            "test",
        )
        .await
        .unwrap();
    (engine, g)
}

/// A new bucket on the moto server: `(endpoint, bucket)`.
pub(crate) async fn moto_bucket(prefix: &str) -> (String, String) {
    let endpoint = moto_endpoint().expect("moto must be running (scripts/test.sh starts it)");
    let bucket = unique_name(prefix);
    s3_client(&endpoint)
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    (endpoint, bucket)
}

/// The path of `examples/social/<file>`.
pub(crate) fn example(file: &str) -> String {
    format!("{}/../examples/social/{file}", env!("CARGO_MANIFEST_DIR"))
}

/// The `omnigraph` CLI with `args`, none of its settings taken from this process's
/// environment.
pub(crate) fn cli_command(args: &[&str]) -> std::process::Command {
    let bin = omnigraph_tests::omnigraph_bin().expect("the CLI binary must be built");
    let mut cmd = std::process::Command::new(bin);
    cmd.args(args);
    for name in [
        "OMNIGRAPH_STORE",
        "OMNIGRAPH_GRAPH",
        "OMNIGRAPH_ENDPOINT",
        "OMNIGRAPH_TOKEN",
    ] {
        cmd.env_remove(name);
    }
    cmd
}

/// Runs the CLI with `args` (see [`cli_command`]).
pub(crate) fn cli(args: &[&str]) -> std::process::Output {
    cli_command(args).output().expect("the CLI runs")
}

/// The standard output of a run that must have succeeded.
pub(crate) fn succeeded(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A new manifest table (DynamoDB) on the moto server: `(endpoint, table)`.
pub(crate) async fn moto_heads_table(prefix: &str) -> (String, String) {
    let endpoint = moto_endpoint().expect("moto must be running (scripts/test.sh starts it)");
    let table = unique_name(prefix);
    omnigraph_manifest::DynamoManifestStore::create_table(
        &omnigraph_tests::dynamodb_client(&endpoint),
        &table,
    )
    .await
    .unwrap();
    (endpoint, table)
}

/// An object store client of a moto bucket.
pub(crate) fn moto_object_store(endpoint: &str, bucket: &str) -> object_store::aws::AmazonS3 {
    object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_region(omnigraph_tests::REGION)
        .with_access_key_id("testing")
        .with_secret_access_key("testing")
        .build()
        .unwrap()
}

/// Every commit of `g`, through the manifest store's pages.
pub(crate) async fn all_commits(engine: &Engine, g: &GraphId) -> Vec<omnigraph_manifest::Commit> {
    let mut out = Vec::new();
    let mut page = omnigraph_manifest::PageRequest::first(100);
    loop {
        let got = engine.manifest().list_commits(g, &page).await.unwrap();
        out.extend(got.items);
        match got.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => return out,
        }
    }
}
