//! The engine on the real stand-ins: Lance tables on S3 (moto) with heads in DynamoDB (moto)
//! or in S3 itself; concurrent writers on one branch lose nothing.

use std::sync::Arc;

use omnigraph_engine::{Engine, ManifestChoice, ReadTarget, StoreLocation};
use omnigraph_manifest::BranchName;

use crate::engine_core::{graph, race, SOCIAL};
use crate::fixtures::{moto_bucket, moto_heads_table};

async fn s3_engine(manifest: &str) -> Engine {
    let (_, bucket) = moto_bucket("graphs").await;
    let choice = if manifest == "dynamodb" {
        let (_, table) = moto_heads_table("heads").await;
        ManifestChoice::DynamoDb { table }
    } else {
        ManifestChoice::ObjectStore
    };
    let location = StoreLocation::S3 {
        bucket,
        prefix: "tenant-a".into(),
    };
    Engine::open(location, choice).await.unwrap()
}

async fn init_write_read(engine: Engine) {
    let g = graph("on-s3");
    let head = engine.init(&g, SOCIAL, "a").await.unwrap();
    assert_eq!(head.version, 1);
    let main = ReadTarget::Branch(BranchName::main());
    // warm snapshot: one manifest read, nothing from S3
    engine.snapshot(&g, &main).await.unwrap();
    let start = engine.stats_start();
    engine.snapshot(&g, &main).await.unwrap();
    let stats = engine.stats_since(&start);
    assert_eq!(
        (stats.manifest.read, stats.object_store.requests()),
        (1, 0),
        "{stats:?}"
    );
    race(Arc::new(engine), g, 16).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn s3_tables_with_dynamodb_heads() {
    init_write_read(s3_engine("dynamodb").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn s3_tables_with_object_store_heads() {
    init_write_read(s3_engine("object-store").await).await;
}
