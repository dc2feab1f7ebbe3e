//! Smoke tests proving the AWS stand-ins are real and reached: conditional writes on S3 and
//! DynamoDB behave as the manifest store relies on (exactly one winner).

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use omnigraph_tests::{dynamodb_client, moto_endpoint, s3_client, unique_name};

use crate::fixtures::{moto_bucket, moto_object_store};

#[tokio::test]
async fn s3_put_if_none_match_has_one_winner() {
    let (endpoint, bucket) = moto_bucket("smoke").await;
    let s3 = s3_client(&endpoint);

    let put = || {
        s3.put_object()
            .bucket(&bucket)
            .key("heads/main/00000000000000000001.json")
            .if_none_match("*")
            .body(b"{\"version\":1}".to_vec().into())
            .send()
    };
    put().await.expect("first conditional put succeeds");
    let err = put().await.expect_err("second conditional put must fail");
    let status = err.raw_response().map(|r| r.status().as_u16());
    assert_eq!(
        status,
        Some(412),
        "expected 412 Precondition Failed, got {err:?}"
    );

    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("heads/main/00000000000000000001.json")
        .send()
        .await
        .unwrap();
    let body = got.body.collect().await.unwrap().into_bytes();
    assert_eq!(&body[..], b"{\"version\":1}");
}

#[tokio::test]
async fn object_store_put_create_mode_has_one_winner() {
    use object_store::{path::Path, ObjectStore, PutMode, PutOptions};
    let (endpoint, bucket) = moto_bucket("smoke-os").await;
    let store = moto_object_store(&endpoint, &bucket);
    let path = Path::from("g/_heads/main/1.json");
    let opts = || PutOptions {
        mode: PutMode::Create,
        ..Default::default()
    };
    store
        .put_opts(&path, "a".into(), opts())
        .await
        .expect("first create succeeds");
    let err = store
        .put_opts(&path, "b".into(), opts())
        .await
        .expect_err("second create must fail");
    assert!(
        matches!(err, object_store::Error::AlreadyExists { .. }),
        "expected AlreadyExists, got {err:?}"
    );
}

#[tokio::test]
async fn dynamodb_version_cas_has_one_winner() {
    let endpoint = moto_endpoint().expect("moto must be running (scripts/test.sh starts it)");
    let ddb = dynamodb_client(&endpoint);
    let table = unique_name("smoke");
    ddb.create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let create = || {
        ddb.put_item()
            .table_name(&table)
            .item("pk", AttributeValue::S("g#main".into()))
            .item("version", AttributeValue::N("1".into()))
            .condition_expression("attribute_not_exists(pk)")
            .send()
    };
    create().await.expect("first create succeeds");
    let err = create().await.expect_err("second create must fail");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_conditional_check_failed_exception()),
        "expected ConditionalCheckFailed, got {err:?}"
    );

    let advance = |expected: &str, new: &str| {
        ddb.put_item()
            .table_name(&table)
            .item("pk", AttributeValue::S("g#main".into()))
            .item("version", AttributeValue::N(new.into()))
            .condition_expression("version = :expected")
            .expression_attribute_values(":expected", AttributeValue::N(expected.into()))
            .send()
    };
    advance("1", "2")
        .await
        .expect("CAS from the current version wins");
    let stale = advance("1", "2").await.expect_err("stale CAS must fail");
    assert!(
        stale
            .as_service_error()
            .is_some_and(|e| e.is_conditional_check_failed_exception()),
        "expected ConditionalCheckFailed, got {stale:?}"
    );

    let item = ddb
        .get_item()
        .table_name(&table)
        .key("pk", AttributeValue::S("g#main".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    let version = item.item().and_then(|i| i.get("version")).cloned();
    assert_eq!(version, Some(AttributeValue::N("2".into())));
}

#[test]
fn unreachable_endpoint_is_an_error_not_a_skip() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let result = omnigraph_tests::check_reachable(&format!("http://127.0.0.1:{port}"));
    assert!(result.is_err(), "an unreachable endpoint must be an error");
}
