//! The DynamoDB manifest backend (production).
//!
//! One table, keyed `pk` (S, the graph id) + `sk` (S):
//!
//! ```text
//! sk = head#<branch>          version (N), live (BOOL), body (S: the head as JSON),
//!                             writer (S: the write token of the call that wrote the item)
//! sk = commit#<commit id>     body (S: the commit as JSON)
//! sk = rec#<ns>#<key>         body (S: the record as JSON)
//! ```
//!
//! Every write that matters is a **single-item conditional write**: the head CAS is
//! a conditional **PutItem** of the whole item with `version = :expected AND live = true`; a
//! branch create is `attribute_not_exists(sk)`, or `version = :tomb AND live = false` carrying
//! the version on from a tombstone (the create reads the item first); commits and records are
//! put-if-absent. Reads of heads are strongly consistent. No transactions, no UpdateItem for
//! the CAS (concurrent conditional UpdateItems gave two winners on moto; see
//! docs/architecture.md).
//!
//! The SDK re-sends a write whose reply was lost (5xx, timeout), so a failed condition may
//! be this call's own earlier attempt. Every conditional put asks for the item it found
//! (`ReturnValuesOnConditionCheckFailure = ALL_OLD`) and compares: a head item carrying this
//! call's write token (or, for a CAS, the head at `expected + 1` publishing this commit id)
//! and a commit item equal to this commit are successes (see the `ManifestStore` docs).

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;

use crate::model::{Commit, Head, Page, PageRequest};
use crate::names::{BranchName, GraphId};
use crate::stats::ManifestCounters;
use crate::store::{ManifestStore, Result};
use crate::ManifestError;

type Item = HashMap<String, AttributeValue>;

/// Manifest store on one DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoManifestStore {
    client: Client,
    table: String,
    counters: std::sync::Arc<ManifestCounters>,
}

fn unavailable<E: std::fmt::Debug>(err: E) -> ManifestError {
    ManifestError::Unavailable(format!("{err:?}"))
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn head_sk(branch: &BranchName) -> String {
    format!("head#{branch}")
}

fn commit_sk(id: &str) -> String {
    format!("commit#{id}")
}

fn record_sk(namespace: &str, key: &str) -> String {
    format!("rec#{namespace}#{key}")
}

fn body_of(item: &Item, key: &str) -> Result<String> {
    match item.get("body") {
        Some(AttributeValue::S(body)) => Ok(body.clone()),
        _ => Err(ManifestError::corrupt(key, "missing body")),
    }
}

fn version_of(item: &Item, key: &str) -> Result<u64> {
    match item.get("version") {
        Some(AttributeValue::N(v)) => v.parse().map_err(|e| ManifestError::corrupt(key, e)),
        _ => Err(ManifestError::corrupt(key, "missing version")),
    }
}

fn is_live(item: &Item) -> bool {
    matches!(item.get("live"), Some(AttributeValue::Bool(true)))
}

/// What a conditional head put writes; `is_own` recognises it in the item a failed
/// condition returns.
struct HeadWrite<'a> {
    version: u64,
    /// The head to install; None writes a tombstone.
    body: Option<String>,
    /// This call's write token, stored in the item.
    token: String,
    /// For a CAS: the commit id the new head publishes (unique to this publish).
    commit_id: Option<&'a str>,
}

impl HeadWrite<'_> {
    /// Whether `item` is this write, already applied (by an attempt whose reply was lost).
    fn is_own(&self, item: &Item, key: &str) -> bool {
        if matches!(item.get("writer"), Some(AttributeValue::S(t)) if *t == self.token) {
            return true;
        }
        match (self.commit_id, head_of(item, key)) {
            (Some(id), Ok(Some(head))) => head.version == self.version && head.commit_id == id,
            _ => false,
        }
    }
}

/// What a failed put-if-absent found under the key (None if the service did not say).
enum Absent {
    Created,
    Taken(Option<Item>),
}

/// The live head in a head item, with its authoritative version.
fn head_of(item: &Item, key: &str) -> Result<Option<Head>> {
    if !is_live(item) {
        return Ok(None);
    }
    let mut head: Head =
        serde_json::from_str(&body_of(item, key)?).map_err(|e| ManifestError::corrupt(key, e))?;
    head.version = version_of(item, key)?;
    Ok(Some(head))
}

/// The item a failed conditional PutItem returned (`ALL_OLD`).
fn old_item(err: PutItemError) -> Option<Item> {
    match err {
        PutItemError::ConditionalCheckFailedException(c) => c.item,
        _ => None,
    }
}

/// A fresh write token: identifies one publish or delete call across the SDK's re-sends.
fn write_token() -> String {
    crate::clock::next_ulid(None)
}

impl DynamoManifestStore {
    /// A store on `table` (which must exist; see [`Self::create_table`]).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            counters: Default::default(),
        }
    }

    /// A client from the standard AWS configuration chain (respects `AWS_ENDPOINT_URL`).
    pub async fn from_env(table: impl Into<String>) -> Self {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Self::new(Client::new(&config), table)
    }

    /// Creates the manifest table (on-demand billing), as the Terraform module does.
    pub async fn create_table(client: &Client, table: &str) -> Result<()> {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(unavailable)
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(unavailable)
        };
        client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("pk")?)
            .attribute_definitions(attr("sk")?)
            .key_schema(key("pk", KeyType::Hash)?)
            .key_schema(key("sk", KeyType::Range)?)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn get_item(&self, graph: &GraphId, sk: &str) -> Result<Option<Item>> {
        self.counters.record_read();
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(graph.as_str()))
            .key("sk", s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item)
    }

    /// Puts `body` under `sk` if absent; when taken, returns the item found there.
    async fn put_if_absent(&self, graph: &GraphId, sk: &str, body: String) -> Result<Absent> {
        self.counters.record_write();
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(graph.as_str()))
            .item("sk", s(sk))
            .item("body", s(body))
            .condition_expression("attribute_not_exists(sk)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Absent::Created),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                Ok(Absent::Taken(old_item(e.into_err())))
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    /// The item under `sk` after a failed condition: the one the service returned with the
    /// failure, else (a service that does not return it) one consistent read.
    async fn found(&self, graph: &GraphId, sk: &str, old: Option<Item>) -> Result<Option<Item>> {
        match old {
            Some(item) => Ok(Some(item)),
            None => self.get_item(graph, sk).await,
        }
    }

    /// The conflict a lost conditional write reports, carrying the current live head.
    async fn conflict(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        expected: Option<u64>,
        old: Option<Item>,
    ) -> ManifestError {
        self.counters.record_conflict();
        let sk = head_sk(branch);
        let item = match self.found(graph, &sk, old).await {
            Ok(item) => item,
            Err(e) => return e,
        };
        let actual = match item.map(|i| head_of(&i, &sk)).transpose() {
            Ok(head) => head.flatten(),
            Err(e) => return e,
        };
        ManifestError::Conflict {
            expected,
            actual: actual.map(Box::new),
        }
    }

    /// One conditional PutItem of a whole head item (live head or tombstone) at
    /// `write.version`. A full-item put, not an UpdateItem: it is the conditional write whose
    /// races were verified to have exactly one winner, here and on moto. A failed condition
    /// that finds this very write already applied is a success.
    async fn put_head(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        expected: Option<u64>,
        write: HeadWrite<'_>,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
    ) -> Result<()> {
        self.counters.record_write();
        let sk = head_sk(branch);
        let mut req = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(graph.as_str()))
            .item("sk", s(&sk))
            .item("version", n(write.version))
            .item("live", AttributeValue::Bool(write.body.is_some()))
            .item("writer", s(&write.token))
            .condition_expression(condition)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if let Some(body) = &write.body {
            req = req.item("body", s(body));
        }
        for (name, value) in values {
            req = req.expression_attribute_values(name, value);
        }
        match req.send().await {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                let item = self.found(graph, &sk, old_item(e.into_err())).await?;
                if item.as_ref().is_some_and(|i| write.is_own(i, &sk)) {
                    tracing::debug!(%graph, %branch, "conditional head put found its own write");
                    return Ok(());
                }
                Err(self.conflict(graph, branch, expected, item).await)
            }
            Err(e) => Err(unavailable(e)),
        }
    }
}

#[async_trait]
impl ManifestStore for DynamoManifestStore {
    fn counters(&self) -> &ManifestCounters {
        &self.counters
    }

    async fn head(&self, graph: &GraphId, branch: &BranchName) -> Result<Option<Head>> {
        let sk = head_sk(branch);
        match self.get_item(graph, &sk).await? {
            Some(item) => head_of(&item, &sk),
            None => Ok(None),
        }
    }

    async fn publish(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        expected: Option<u64>,
        mut new: Head,
    ) -> Result<Head> {
        let body = serde_json::to_string(&new).map_err(|e| ManifestError::corrupt("head", e))?;
        let token = write_token();
        let version = match expected {
            Some(v) => {
                let write = HeadWrite {
                    version: v + 1,
                    body: Some(body),
                    token,
                    commit_id: Some(&new.commit_id),
                };
                self.put_head(
                    graph,
                    branch,
                    expected,
                    write,
                    "version = :expected AND live = :true",
                    vec![(":expected", n(v)), (":true", AttributeValue::Bool(true))],
                )
                .await?;
                v + 1
            }
            None => {
                // Create: the branch must be absent or a tombstone; versions continue past
                // the tombstone so a stale writer of a deleted incarnation cannot publish.
                let sk = head_sk(branch);
                match self.get_item(graph, &sk).await? {
                    None => {
                        let write = HeadWrite {
                            version: 1,
                            body: Some(body),
                            token,
                            commit_id: None,
                        };
                        self.put_head(
                            graph,
                            branch,
                            None,
                            write,
                            "attribute_not_exists(sk)",
                            vec![],
                        )
                        .await?;
                        1
                    }
                    Some(item) if !is_live(&item) => {
                        let tomb = version_of(&item, &sk)?;
                        let write = HeadWrite {
                            version: tomb + 1,
                            body: Some(body),
                            token,
                            commit_id: None,
                        };
                        self.put_head(
                            graph,
                            branch,
                            None,
                            write,
                            "version = :tomb AND live = :false",
                            vec![(":tomb", n(tomb)), (":false", AttributeValue::Bool(false))],
                        )
                        .await?;
                        tomb + 1
                    }
                    Some(item) => return Err(self.conflict(graph, branch, None, Some(item)).await),
                }
            }
        };
        new.version = version;
        Ok(new)
    }

    async fn delete_branch(
        &self,
        graph: &GraphId,
        branch: &BranchName,
        expected: u64,
    ) -> Result<()> {
        let write = HeadWrite {
            version: expected + 1,
            body: None,
            token: write_token(),
            commit_id: None,
        };
        self.put_head(
            graph,
            branch,
            Some(expected),
            write,
            "version = :expected AND live = :true",
            vec![
                (":expected", n(expected)),
                (":true", AttributeValue::Bool(true)),
            ],
        )
        .await
    }

    async fn list_branches(&self, graph: &GraphId) -> Result<Vec<(BranchName, Head)>> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            self.counters.record_read();
            let resp = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":pk", s(graph.as_str()))
                .expression_attribute_values(":prefix", s("head#"))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            for item in resp.items() {
                let Some(AttributeValue::S(sk)) = item.get("sk") else {
                    continue;
                };
                let Some(name) = sk.strip_prefix("head#") else {
                    continue;
                };
                let Ok(branch) = BranchName::new(name) else {
                    continue;
                };
                if let Some(head) = head_of(item, sk)? {
                    out.push((branch, head));
                }
            }
            match resp.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    async fn put_commit(&self, commit: &Commit) -> Result<()> {
        let body =
            serde_json::to_string(commit).map_err(|e| ManifestError::corrupt("commit", e))?;
        let sk = commit_sk(&commit.id);
        let Absent::Taken(old) = self.put_if_absent(&commit.graph, &sk, body).await? else {
            return Ok(());
        };
        // This very commit (a re-sent put whose first reply was lost) is a success.
        let found = self.found(&commit.graph, &sk, old).await?;
        let same = found
            .and_then(|item| body_of(&item, &sk).ok())
            .and_then(|b| serde_json::from_str::<Commit>(&b).ok())
            .is_some_and(|c| c == *commit);
        if same {
            return Ok(());
        }
        self.counters.record_conflict();
        Err(ManifestError::AlreadyExists {
            what: format!("commit {}", commit.id),
        })
    }

    async fn get_commit(&self, graph: &GraphId, id: &str) -> Result<Option<Commit>> {
        let sk = commit_sk(id);
        match self.get_item(graph, &sk).await? {
            Some(item) => serde_json::from_str(&body_of(&item, &sk)?)
                .map(Some)
                .map_err(|e| ManifestError::corrupt(sk, e)),
            None => Ok(None),
        }
    }

    async fn list_commits(&self, graph: &GraphId, page: &PageRequest) -> Result<Page<Commit>> {
        let limit = page.limit.max(1);
        let mut items = Vec::new();
        let mut start: Option<Item> = page.cursor.as_ref().map(|c| {
            HashMap::from([
                ("pk".to_string(), s(graph.as_str())),
                ("sk".to_string(), s(commit_sk(c))),
            ])
        });
        let mut more = false;
        loop {
            self.counters.record_read();
            let want = (limit + 1 - items.len()) as i32;
            let resp = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":pk", s(graph.as_str()))
                .expression_attribute_values(":prefix", s("commit#"))
                .scan_index_forward(false)
                .limit(want)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            for item in resp.items() {
                let commit: Commit = serde_json::from_str(&body_of(item, "commit")?)
                    .map_err(|e| ManifestError::corrupt("commit", e))?;
                items.push(commit);
            }
            if items.len() > limit {
                more = true;
                break;
            }
            match resp.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        items.truncate(limit);
        let next_cursor = if more {
            items.last().map(|c| c.id.clone())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    async fn delete_commit(&self, graph: &GraphId, id: &str) -> Result<()> {
        self.counters.record_write();
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(graph.as_str()))
            .key("sk", s(commit_sk(id)))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn put_record(
        &self,
        graph: &GraphId,
        namespace: &str,
        key: &str,
        value: &serde_json::Value,
    ) -> Result<()> {
        match self
            .put_if_absent(graph, &record_sk(namespace, key), value.to_string())
            .await?
        {
            Absent::Created => Ok(()),
            Absent::Taken(_) => {
                self.counters.record_conflict();
                Err(ManifestError::AlreadyExists {
                    what: format!("record {namespace}/{key}"),
                })
            }
        }
    }

    async fn get_record(
        &self,
        graph: &GraphId,
        namespace: &str,
        key: &str,
    ) -> Result<Option<serde_json::Value>> {
        let sk = record_sk(namespace, key);
        match self.get_item(graph, &sk).await? {
            Some(item) => serde_json::from_str(&body_of(&item, &sk)?)
                .map(Some)
                .map_err(|e| ManifestError::corrupt(sk, e)),
            None => Ok(None),
        }
    }
}
