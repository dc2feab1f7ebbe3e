//! Concurrent writers as real OS processes: 8 `omnigraph load` processes append to one branch
//! at once, on a local directory and on S3 + DynamoDB (moto). Exactly one process wins each
//! head version, and every acknowledged write is visible afterwards.

use std::process::{Command, Stdio};

use omnigraph_tests::omnigraph_bin;

use crate::fixtures::{moto_bucket, moto_heads_table};

const WRITERS: usize = 8;

fn cli(target: &[String], args: &[&str]) -> Command {
    let mut cmd = Command::new(omnigraph_bin().expect("the CLI binary must be built"));
    cmd.args(target).args(args);
    cmd
}

fn race(target: Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let schema = format!(
        "{}/../examples/social/schema.pg",
        env!("CARGO_MANIFEST_DIR")
    );
    let init = cli(&target, &["init", "--schema", &schema])
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );

    let mut children = Vec::new();
    for i in 0..WRITERS {
        let file = dir.path().join(format!("w{i}.jsonl"));
        std::fs::write(
            &file,
            format!("{{\"type\":\"Person\",\"data\":{{\"handle\":\"p{i}\",\"name\":\"P{i}\"}}}}\n"),
        )
        .unwrap();
        let child = cli(
            &target,
            &[
                "--format",
                "json",
                "--actor",
                &format!("proc-{i}"),
                "load",
                "--mode",
                "append",
                "--data",
            ],
        )
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        children.push(child);
    }
    let mut versions = Vec::new();
    let mut conflicts = 0;
    for child in children {
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            versions.push(doc["version"].as_u64().unwrap());
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("moved"),
                "only conflicts may fail: {stderr}"
            );
            conflicts += 1;
        }
    }
    versions.sort_unstable();
    let mut unique = versions.clone();
    unique.dedup();
    assert_eq!(
        unique, versions,
        "one winner per head version: {versions:?}"
    );
    assert_eq!(versions.len() + conflicts, WRITERS);
    assert!(!versions.is_empty());

    let snap = cli(&target, &["--format", "json", "snapshot"])
        .output()
        .unwrap();
    let snap: serde_json::Value = serde_json::from_slice(&snap.stdout).unwrap();
    assert_eq!(snap["version"].as_u64(), Some(1 + versions.len() as u64));
    let people = snap["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table_key"] == "node:Person")
        .unwrap()["rows"]
        .as_u64();
    assert_eq!(
        people,
        Some(versions.len() as u64),
        "every acknowledged write is visible"
    );
}

#[test]
fn eight_processes_on_a_local_directory() {
    let dir = tempfile::tempdir().unwrap();
    race(vec!["--store".into(), dir.path().display().to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_on_s3_with_dynamodb_heads() {
    let (_, bucket) = moto_bucket("procs").await;
    let (_, table) = moto_heads_table("procs").await;
    let target = vec![
        "--store".to_string(),
        format!("s3://{bucket}/graphs"),
        "--manifest".to_string(),
        format!("dynamodb://{table}"),
    ];
    tokio::task::spawn_blocking(move || race(target))
        .await
        .unwrap();
}
