//! The three function binaries end to end under cargo-lambda's Lambda emulator, with tables on
//! S3 and heads in DynamoDB (moto).
//!
//! Each function gets its own emulator (`cargo lambda watch --only-lambda-apis`, which serves
//! the Runtime API and the invoke endpoint without building anything) and runs as the real
//! binary built by `cargo build --workspace`, polling that emulator's Runtime API exactly as on
//! Lambda. Through the emulators' invoke endpoints: create a graph, load, query, mutate, query
//! again, the same S3 event twice (applied once), HTTP through the function URL emulation, and
//! a crash sidecar (a CLI writer aborted at a failpoint) swept by a scheduled-event invoke of
//! recover. cargo-lambda missing is a failure, never a skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use omnigraph_manifest::DynamoManifestStore;
use omnigraph_tests::{
    dynamodb_client, free_port, http_request, moto_endpoint, omnigraph_bin, s3_client, unique_name,
    workspace_bin, ChildGuard, HttpReply,
};
use serde_json::{json, Value};

use crate::fixtures::{
    HANDLES, S3_PUT_EVENT as S3_PUT, SCHEDULED_EVENT as SCHEDULED, SOCIAL_DATA as DATA,
    SOCIAL_MORE as MORE, SOCIAL_SCHEMA as SCHEMA,
};

/// The function name the emulator gives a function it does not start itself.
const EMULATED_NAME: &str = "_";
const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// `cargo-lambda` on PATH (scripts/test.sh puts the tools venv first).
fn cargo_lambda() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("cargo-lambda"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "cargo-lambda is not on PATH: run the suite through scripts/test.sh, which \
                 installs it into the tools venv and puts that venv on PATH"
            )
        })
}

/// One function: its emulator and its binary, both killed on drop.
struct Function {
    addr: String,
    _emulator: ChildGuard,
    _function: ChildGuard,
}

fn wait_for_port(addr: &str, what: &str) {
    let started = omnigraph_manifest::clock::monotonic_now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            started.elapsed() < READY_TIMEOUT,
            "{what} did not listen on {addr} within {READY_TIMEOUT:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn start_emulator(package_dir: &Path) -> (String, ChildGuard) {
    let mut last = String::new();
    for _attempt in 0..3 {
        let port = free_port().unwrap();
        let child = Command::new(cargo_lambda())
            .args(["lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1"])
            .args(["-P", &port.to_string()])
            .current_dir(package_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cargo lambda watch starts");
        let mut guard = ChildGuard(child);
        let addr = format!("127.0.0.1:{port}");
        let started = omnigraph_manifest::clock::monotonic_now();
        loop {
            if std::net::TcpStream::connect(&addr).is_ok() {
                return (addr, guard);
            }
            if let Ok(Some(status)) = guard.0.try_wait() {
                last = format!("the emulator exited with {status} (port {port} taken?)");
                break;
            }
            if started.elapsed() > READY_TIMEOUT {
                last = format!("the emulator did not listen on {addr}");
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    panic!("cannot start cargo lambda watch: {last}");
}

/// The environment the Terraform module gives every function, pointed at moto.
fn function_env(moto: &str, store: &str, manifest: &str) -> Vec<(String, String)> {
    [
        ("OMNIGRAPH_STORE", store),
        ("OMNIGRAPH_MANIFEST", manifest),
        ("AWS_ENDPOINT_URL", moto),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_LC_SYS_NO_JITTER_ENTROPY", "1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn start_function(kind: &str, env: &[(String, String)]) -> Function {
    let package = format!("{}/../functions/{kind}", env!("CARGO_MANIFEST_DIR"));
    let (addr, emulator) = start_emulator(Path::new(&package));
    let bin = workspace_bin(&format!("omnigraph-{kind}")).expect("the function is built");
    let child = Command::new(bin)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("AWS_LAMBDA_RUNTIME_API", format!("http://{addr}/.rt"))
        .env("AWS_LAMBDA_FUNCTION_NAME", EMULATED_NAME)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the function starts");
    wait_for_port(&addr, "the emulator");
    Function {
        addr,
        _emulator: emulator,
        _function: ChildGuard(child),
    }
}

impl Function {
    /// Invokes the function with `payload` (the Lambda Invoke API of the emulator).
    fn invoke_raw(&self, payload: &Value) -> HttpReply {
        let path = format!("/2015-03-31/functions/{EMULATED_NAME}/invocations");
        http_request(
            &self.addr,
            "POST",
            &path,
            &[("content-type", "application/json")],
            payload.to_string().as_bytes(),
        )
        .expect("the emulator answers")
    }

    fn invoke(&self, payload: &Value) -> Value {
        let reply = self.invoke_raw(payload);
        assert_eq!(
            reply.status,
            200,
            "invoke {payload}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        reply.json()
    }

    /// An HTTP request through the emulator's function URL emulation.
    fn url(&self, method: &str, path: &str, body: Option<&Value>) -> HttpReply {
        let text = body.map(Value::to_string).unwrap_or_default();
        http_request(
            &self.addr,
            method,
            &format!("/lambda-url/{EMULATED_NAME}{path}"),
            &[("content-type", "application/json")],
            text.as_bytes(),
        )
        .expect("the emulator answers")
    }
}

fn recovery_sidecars(
    rt: &tokio::runtime::Runtime,
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
) -> Vec<String> {
    rt.block_on(async {
        let listed = s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .send()
            .await
            .unwrap();
        listed
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect()
    })
}

#[test]
fn functions_under_the_lambda_emulator_on_s3_and_dynamodb() {
    let moto = moto_endpoint().expect("moto must be running (scripts/test.sh starts it)");
    let bucket = unique_name("e2e-graphs");
    let table = unique_name("e2e-heads");
    let s3 = s3_client(&moto);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        DynamoManifestStore::create_table(&dynamodb_client(&moto), &table)
            .await
            .unwrap();
    });
    let store = format!("s3://{bucket}/graphs");
    let manifest = format!("dynamodb://{table}");
    let env = function_env(&moto, &store, &manifest);
    let query = start_function("query", &env);
    let mutate = start_function("mutate", &env);
    let recover = start_function("recover", &env);
    let g = "social";

    // create, load, query, mutate, query again
    let init = mutate.invoke(&json!({"op": "init", "graph": g, "schema": SCHEMA}));
    assert_eq!(init["version"], 1, "{init}");
    let loaded = mutate.invoke(&json!({"op": "load", "graph": g, "mode": "overwrite",
                                       "data": DATA}));
    assert_eq!(loaded["version"], 2, "{loaded}");
    let first = query.invoke(&json!({"op": "query", "graph": g, "query": HANDLES}));
    assert_eq!(first["row_count"], 5, "{first}");
    assert_eq!(first["snapshot"]["commit"], loaded["commit"]);
    let insert = "query m($h: String) { insert Person { handle: $h, name: \"Hal\" } }";
    let mutated = mutate.invoke(&json!({"op": "mutate", "graph": g, "query": insert,
                                        "params": {"h": "hal"}}));
    assert_eq!(mutated["affected_nodes"], 1, "{mutated}");
    let again = query.invoke(&json!({"op": "query", "graph": g, "query": HANDLES}));
    assert_eq!(again["row_count"], 6, "{again}");
    assert_eq!(again["snapshot"]["commit"], mutated["commit"]);
    // each function serves only its routes
    let wrong = query.invoke_raw(&json!({"op": "mutate", "graph": g, "query": insert}));
    assert_ne!(wrong.status, 200);
    assert!(String::from_utf8_lossy(&wrong.body).contains("not_found"));

    // HTTP through the function URL emulation: same routes, request id on the response
    let r = query.url("GET", &format!("/graphs/{g}/snapshot"), None);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["commit"], mutated["commit"]);
    assert!(r.header("x-request-id").is_some(), "{:?}", r.headers);
    let r = query.url(
        "POST",
        &format!("/graphs/{g}/query"),
        Some(&json!({"query": "nonsense"})),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "bad_request");

    // the same S3 event twice: applied once
    let key = format!("incoming/{g}/main/more.jsonl");
    let put = rt.block_on(async {
        s3.put_object()
            .bucket(&bucket)
            .key(&key)
            .body(MORE.as_bytes().to_vec().into())
            .send()
            .await
            .unwrap()
    });
    let mut event: Value = serde_json::from_str(S3_PUT).unwrap();
    let object = &mut event["Records"][0]["s3"];
    object["bucket"]["name"] = json!(bucket);
    object["bucket"]["arn"] = json!(format!("arn:aws:s3:::{bucket}"));
    object["object"]["key"] = json!(key);
    object["object"]["eTag"] = json!(put.e_tag().unwrap_or_default());
    object["object"]["versionId"] = Value::Null;
    let once = mutate.invoke(&event);
    let record = &once["records"][0];
    assert_eq!(record["version"], 4, "{once}");
    let head = query.invoke(&json!({"op": "snapshot", "graph": g}));
    assert_eq!(head["commit"], record["commit"]);
    let twice = mutate.invoke(&event);
    assert_eq!(twice, once, "the duplicate event answered differently");
    let head_again = query.invoke(&json!({"op": "snapshot", "graph": g}));
    assert_eq!(head_again, head, "the duplicate event applied something");

    // a writer dies mid-write (after staging a table version); the scheduled recover sweeps it
    let data_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        data_file.path(),
        "{\"type\":\"Person\",\"data\":{\"handle\":\"zed\",\"name\":\"Zed\"}}\n",
    )
    .unwrap();
    let crashed = Command::new(omnigraph_bin().unwrap())
        .args(["--store", &store, "--manifest", &manifest, "--graph", g])
        .args(["load", "--mode", "append", "--data"])
        .arg(data_file.path())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("OMNIGRAPH_RECOVERY_DEADLINE_SECS", "1")
        .env(
            omnigraph_engine::failpoints::ENV,
            format!("{}=abort", omnigraph_engine::failpoints::WRITE_AFTER_STAGE),
        )
        .output()
        .unwrap();
    assert!(!crashed.status.success(), "the writer was meant to die");
    let sidecar_prefix = format!("graphs/{g}/__recovery/");
    let sidecars = recovery_sidecars(&rt, &s3, &bucket, &sidecar_prefix);
    assert_eq!(sidecars.len(), 1, "{sidecars:?}");
    assert_eq!(
        query.invoke(&json!({"op": "snapshot", "graph": g})),
        head,
        "the dead writer's work is visible"
    );
    std::thread::sleep(Duration::from_millis(1500)); // past the 1 s deadline
    let swept = recover.invoke(&serde_json::from_str::<Value>(SCHEDULED).unwrap());
    assert_eq!(swept["rolled_back"], 1, "{swept}");
    assert!(recovery_sidecars(&rt, &s3, &bucket, &sidecar_prefix).is_empty());
    // nothing visible changed, and the next write succeeds at once
    assert_eq!(query.invoke(&json!({"op": "snapshot", "graph": g})), head);
    let next = mutate.invoke(&json!({"op": "mutate", "graph": g, "query": insert,
                                     "params": {"h": "ivy"}}));
    assert_eq!(next["version"], 5, "{next}");
    // a second sweep finds nothing
    let idle = recover.invoke(&serde_json::from_str::<Value>(SCHEDULED).unwrap());
    assert_eq!(idle["rolled_back"], 0, "{idle}");
}
