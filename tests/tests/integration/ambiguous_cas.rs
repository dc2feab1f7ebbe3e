//! Ambiguous conditional writes. The AWS SDK (on a 5xx) and object_store (on a 5xx) re-send a
//! conditional write by themselves; when the first attempt landed but its reply was lost, the
//! re-sent request fails its own condition. The manifest store must recognise its own write
//! and answer success, so the engine never deletes a commit the head points at nor applies an
//! operation twice (docs/architecture.md, "The manifest store").
//!
//! The fault is real: a loopback proxy between the client and moto forwards every request,
//! and for the first request an armed matcher picks it lets moto apply the request, throws the
//! reply away and answers the client HTTP 500. The client library's own retry then meets the
//! condition. For the local directory (no HTTP, no retry layer) a wrapper store models that
//! retry: it sends the armed put-if-absent twice and returns the second outcome.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    ObjectStoreExt, PutMode, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
};
use omnigraph_engine::{CountingStore, Engine, ReadTarget, StoreLocation};
use omnigraph_manifest::{
    BranchName, Commit, DynamoManifestStore, GraphId, Head, ManifestError, ManifestStore,
    ObjectManifestStore, PageRequest, Pin,
};
use omnigraph_tests::{dynamodb_client, moto_endpoint, s3_client, unique_name};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::engine_core::SOCIAL;

// ---------------------------------------------------------------------------------------------
// The lossy proxy
// ---------------------------------------------------------------------------------------------

/// One HTTP request as the proxy saw it.
pub(crate) struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn body_has(&self, needle: &str) -> bool {
        String::from_utf8_lossy(&self.body).contains(needle)
    }
}

type Matcher = Box<dyn Fn(&Request) -> bool + Send + Sync>;

/// A forwarding proxy to `upstream` that can lose the reply of chosen requests.
pub(crate) struct LossyProxy {
    pub url: String,
    armed: Arc<Mutex<Vec<Matcher>>>,
    lost: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for LossyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl LossyProxy {
    pub(crate) async fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let armed: Arc<Mutex<Vec<Matcher>>> = Arc::default();
        let lost = Arc::new(AtomicUsize::new(0));
        let (armed2, lost2) = (armed.clone(), lost.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, armed, lost) = (upstream.clone(), armed2.clone(), lost2.clone());
                tokio::spawn(async move {
                    let _ = serve(client, &upstream, &armed, &lost).await;
                });
            }
        });
        Self {
            url,
            armed,
            lost,
            task,
        }
    }

    /// The next request `matcher` accepts is applied upstream, but the client hears HTTP 500.
    pub(crate) fn lose_reply_once(
        &self,
        matcher: impl Fn(&Request) -> bool + Send + Sync + 'static,
    ) {
        self.armed.lock().unwrap().push(Box::new(matcher));
    }

    /// Replies lost so far.
    pub(crate) fn lost(&self) -> usize {
        self.lost.load(Ordering::SeqCst)
    }
}

/// Serves one client connection (keep-alive: many requests), one upstream connection each.
async fn serve(
    mut client: TcpStream,
    upstream: &str,
    armed: &Mutex<Vec<Matcher>>,
    lost: &AtomicUsize,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    loop {
        let Some((head, body)) = read_message(&mut client, &mut buf, false).await? else {
            return Ok(());
        };
        let request = parse_request(&head, body);
        let lose = {
            let mut armed = armed.lock().unwrap();
            match armed.iter().position(|m| m(&request)) {
                Some(i) => {
                    drop(armed.remove(i));
                    true
                }
                None => false,
            }
        };
        let reply = forward(upstream, &request).await?;
        if lose {
            lost.fetch_add(1, Ordering::SeqCst);
            let body = br#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"injected: reply lost"}"#;
            let head = format!(
                "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/x-amz-json-1.0\r\n\
                 content-length: {}\r\n\r\n",
                body.len()
            );
            client.write_all(head.as_bytes()).await?;
            client.write_all(body).await?;
        } else {
            client.write_all(&reply).await?;
        }
        client.flush().await?;
    }
}

/// Sends `request` upstream on a fresh connection and returns the raw reply.
async fn forward(upstream: &str, request: &Request) -> std::io::Result<Vec<u8>> {
    let mut conn = TcpStream::connect(upstream).await?;
    let mut out = format!("{} {} HTTP/1.1\r\n", request.method, request.path);
    for (name, value) in &request.headers {
        if !name.eq_ignore_ascii_case("connection") {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    out.push_str("connection: close\r\n\r\n");
    conn.write_all(out.as_bytes()).await?;
    conn.write_all(&request.body).await?;
    conn.flush().await?;
    let mut buf = Vec::new();
    let no_body = request.method == "HEAD";
    match read_message(&mut conn, &mut buf, no_body).await? {
        Some((mut head, body)) => {
            // The client may keep its connection to the proxy alive; the upstream one closes.
            head.extend_from_slice(&body);
            Ok(head)
        }
        None => Err(std::io::Error::other("upstream closed without a reply")),
    }
}

/// Reads one HTTP/1.1 message (head with its blank line, and the body by content-length, or
/// to the end of the stream when there is none). None at a clean end of stream.
async fn read_message(
    stream: &mut (impl AsyncRead + Unpin),
    buf: &mut Vec<u8>,
    no_body: bool,
) -> std::io::Result<Option<(Vec<u8>, Vec<u8>)>> {
    let end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head: Vec<u8> = buf.drain(..end).collect();
    let text = String::from_utf8_lossy(&head).to_string();
    let length = text.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse::<usize>().ok())
            .flatten()
    });
    let is_request = !text.starts_with("HTTP/");
    let status_without_body = text.starts_with("HTTP/1.1 204") || text.starts_with("HTTP/1.1 304");
    let body = match length {
        _ if no_body || status_without_body => Vec::new(),
        Some(len) => {
            while buf.len() < len {
                let mut chunk = [0u8; 8192];
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::Error::other("stream ended inside a body"));
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            buf.drain(..len).collect()
        }
        None if is_request => Vec::new(),
        None => {
            stream.read_to_end(buf).await?;
            std::mem::take(buf)
        }
    };
    Ok(Some((head, body)))
}

fn parse_request(head: &[u8], body: Vec<u8>) -> Request {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_string();
    let path = first.next().unwrap_or_default().to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Request {
        method,
        path,
        headers,
        body,
    }
}

// ---------------------------------------------------------------------------------------------
// Which requests are the conditional writes
// ---------------------------------------------------------------------------------------------

fn dynamo_put_of(req: &Request, sk_prefix: &str) -> bool {
    req.header("x-amz-target")
        .is_some_and(|t| t.ends_with(".PutItem"))
        && req.body_has(&format!("\"{sk_prefix}"))
}

/// The conditional PutItem of a head item (CAS, create or delete tombstone).
fn dynamo_head_put(req: &Request) -> bool {
    dynamo_put_of(req, "head#")
}

/// The put-if-absent PutItem of a commit item.
fn dynamo_commit_put(req: &Request) -> bool {
    dynamo_put_of(req, "commit#")
}

fn s3_create_put(req: &Request) -> bool {
    req.method == "PUT" && req.header("if-none-match") == Some("*")
}

/// The put-if-absent PUT of a head slot.
fn s3_slot_put(req: &Request) -> bool {
    s3_create_put(req) && req.path.contains("/heads/") && req.path.contains("/v/")
}

/// The put-if-absent PUT of a commit object.
fn s3_commit_put(req: &Request) -> bool {
    s3_create_put(req) && req.path.contains("/commits/")
}

// ---------------------------------------------------------------------------------------------
// Backends behind the proxy
// ---------------------------------------------------------------------------------------------

/// A manifest store whose requests pass the lossy proxy, and a second handle that talks to
/// the service directly (an independent observer).
pub(crate) struct Faulty {
    pub store: Arc<dyn ManifestStore>,
    pub direct: Arc<dyn ManifestStore>,
    pub proxy: LossyProxy,
    head_put: fn(&Request) -> bool,
    commit_put: fn(&Request) -> bool,
}

pub(crate) async fn dynamodb() -> Faulty {
    let endpoint = moto_endpoint().expect("moto must be running (scripts/test.sh starts it)");
    let proxy = LossyProxy::start(&endpoint).await;
    let table = unique_name("ambiguous");
    DynamoManifestStore::create_table(&dynamodb_client(&endpoint), &table)
        .await
        .unwrap();
    Faulty {
        store: Arc::new(DynamoManifestStore::new(
            dynamodb_client(&proxy.url),
            &table,
        )),
        direct: Arc::new(DynamoManifestStore::new(dynamodb_client(&endpoint), &table)),
        proxy,
        head_put: dynamo_head_put,
        commit_put: dynamo_commit_put,
    }
}

fn s3_store(endpoint: &str, bucket: &str) -> Arc<dyn ObjectStore> {
    Arc::new(
        object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_endpoint(endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("testing")
            .with_secret_access_key("testing")
            .build()
            .unwrap(),
    )
}

pub(crate) async fn object_s3() -> Faulty {
    let endpoint = moto_endpoint().expect("moto must be running (scripts/test.sh starts it)");
    let proxy = LossyProxy::start(&endpoint).await;
    let bucket = unique_name("ambiguous");
    s3_client(&endpoint)
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let root = Path::from("prefix");
    Faulty {
        store: Arc::new(ObjectManifestStore::new(
            s3_store(&proxy.url, &bucket),
            root.clone(),
        )),
        direct: Arc::new(ObjectManifestStore::new(s3_store(&endpoint, &bucket), root)),
        proxy,
        head_put: s3_slot_put,
        commit_put: s3_commit_put,
    }
}

fn graph() -> GraphId {
    GraphId::new(unique_name("g").replace('_', "-")).unwrap()
}

fn branch(name: &str) -> BranchName {
    BranchName::new(name).unwrap()
}

fn ulid() -> String {
    omnigraph_manifest::clock::next_ulid(None)
}

fn head(commit: &str, table_version: u64) -> Head {
    Head {
        version: 0,
        commit_id: commit.to_string(),
        schema_hash: "abc".into(),
        tables: BTreeMap::from([(
            "node:Person".to_string(),
            Pin {
                version: table_version,
                rows: table_version,
                manifest_size: None,
                e_tag: None,
            },
        )]),
    }
}

fn commit(graph: &GraphId, id: &str, op_id: &str) -> Commit {
    Commit {
        id: id.to_string(),
        graph: graph.clone(),
        branch: BranchName::main(),
        version: 2,
        parents: vec![],
        actor: "alice".into(),
        op_kind: "test".into(),
        op_id: op_id.to_string(),
        created_at: 1,
        schema_hash: "abc".into(),
        pins: BTreeMap::new(),
        summary: serde_json::json!({}),
    }
}

// ---------------------------------------------------------------------------------------------
// Store-level cases, run on every backend
// ---------------------------------------------------------------------------------------------

/// A head CAS whose reply is lost: Ok with the new head, installed exactly once.
pub(crate) async fn cas_with_lost_reply_succeeds_once(f: Faulty) {
    let (g, main) = (graph(), branch("main"));
    let c1 = ulid();
    f.store
        .publish(&g, &main, None, head(&c1, 1))
        .await
        .unwrap();
    f.proxy.lose_reply_once(f.head_put);
    let c2 = ulid();
    let got = f.store.publish(&g, &main, Some(1), head(&c2, 2)).await;
    assert_eq!(f.proxy.lost(), 1, "the fault fired");
    let got = got.expect("a publish that landed is a success");
    assert_eq!((got.version, got.commit_id.as_str()), (2, c2.as_str()));
    let now = f.direct.head(&g, &main).await.unwrap().unwrap();
    assert_eq!((now.version, now.commit_id.as_str()), (2, c2.as_str()));
    // the store can go on from there, and a genuine loser still gets a conflict
    let c3 = ulid();
    let next = f.store.publish(&g, &main, Some(2), head(&c3, 3)).await;
    assert_eq!(next.unwrap().version, 3);
    let err = f
        .direct
        .publish(&g, &main, Some(2), head(&ulid(), 3))
        .await
        .unwrap_err();
    assert!(matches!(err, ManifestError::Conflict { .. }), "{err:?}");
}

/// A branch create whose reply is lost: Ok; a second create of the same head by anyone else
/// is still a conflict (equal content does not make a create idempotent).
pub(crate) async fn create_with_lost_reply_succeeds_once(f: Faulty) {
    let (g, feature) = (graph(), branch("feature"));
    let source = ulid();
    f.proxy.lose_reply_once(f.head_put);
    let got = f.store.publish(&g, &feature, None, head(&source, 1)).await;
    assert_eq!(f.proxy.lost(), 1, "the fault fired");
    let got = got.expect("a create that landed is a success");
    assert_eq!((got.version, got.commit_id.as_str()), (1, source.as_str()));
    let err = f
        .direct
        .publish(&g, &feature, None, head(&source, 1))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ManifestError::Conflict { expected: None, .. }),
        "{err:?}"
    );
    // and a re-create after a delete (the tombstone path) with a lost reply
    f.store.delete_branch(&g, &feature, 1).await.unwrap();
    f.proxy.lose_reply_once(f.head_put);
    let again = f.store.publish(&g, &feature, None, head(&source, 1)).await;
    assert_eq!(f.proxy.lost(), 2);
    assert_eq!(again.expect("re-create that landed").version, 3);
    assert_eq!(
        f.direct.head(&g, &feature).await.unwrap().unwrap().version,
        3
    );
}

/// A branch delete whose reply is lost: Ok, the branch is gone.
pub(crate) async fn delete_with_lost_reply_succeeds(f: Faulty) {
    let (g, feature) = (graph(), branch("feature"));
    f.store
        .publish(&g, &feature, None, head(&ulid(), 1))
        .await
        .unwrap();
    f.proxy.lose_reply_once(f.head_put);
    let got = f.store.delete_branch(&g, &feature, 1).await;
    assert_eq!(f.proxy.lost(), 1, "the fault fired");
    got.expect("a delete that landed is a success");
    assert_eq!(f.direct.head(&g, &feature).await.unwrap(), None);
}

/// A commit put whose reply is lost: Ok; another commit with the same id is still refused.
pub(crate) async fn commit_with_lost_reply_succeeds(f: Faulty) {
    let g = graph();
    let (id, op) = (ulid(), ulid());
    f.proxy.lose_reply_once(f.commit_put);
    let got = f.store.put_commit(&commit(&g, &id, &op)).await;
    assert_eq!(f.proxy.lost(), 1, "the fault fired");
    got.expect("a commit put that landed is a success");
    assert_eq!(
        f.direct.get_commit(&g, &id).await.unwrap(),
        Some(commit(&g, &id, &op))
    );
    let err = f
        .direct
        .put_commit(&commit(&g, &id, &ulid()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ManifestError::AlreadyExists { .. }),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The local directory: put-if-absent re-sent by a modelled retry layer
// ---------------------------------------------------------------------------------------------

/// Wraps a store; the next put-if-absent whose path contains an armed fragment is sent twice
/// (the first lands, the second meets the taken key), as an HTTP retry layer would. An armed
/// interleaved write (another writer's object) lands between the two.
#[derive(Debug)]
struct ResendingStore {
    inner: Arc<dyn ObjectStore>,
    armed: Mutex<Vec<Resend>>,
}

/// An armed re-send: the path fragment it fires on, and the write to slip in between.
type Resend = (&'static str, Option<(Path, Bytes)>);

impl fmt::Display for ResendingStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Resending({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for ResendingStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        let resend = match opts.mode {
            PutMode::Create => {
                let mut armed = self.armed.lock().unwrap();
                armed
                    .iter()
                    .position(|(f, _)| location.as_ref().contains(f))
                    .map(|i| armed.remove(i))
            }
            _ => None,
        };
        if let Some((_, between)) = resend {
            self.inner
                .put_opts(location, payload.clone(), opts.clone())
                .await?;
            if let Some((path, bytes)) = between {
                self.inner.put(&path, PutPayload::from(bytes)).await?;
            }
        }
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[Range<u64>],
    ) -> object_store::Result<Vec<Bytes>> {
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(
        &self,
        from: &Path,
        to: &Path,
        options: RenameOptions,
    ) -> object_store::Result<()> {
        self.inner.rename_opts(from, to, options).await
    }
}

#[tokio::test]
async fn local_directory_put_if_absent_resent_finds_its_own_write() {
    let dir = tempfile::tempdir().unwrap();
    let fs = object_store::local::LocalFileSystem::new_with_prefix(dir.path()).unwrap();
    let wrapped = Arc::new(ResendingStore {
        inner: Arc::new(fs),
        armed: Mutex::new(Vec::new()),
    });
    let store = ObjectManifestStore::new(wrapped.clone(), Path::from("graphs"));
    let (g, main) = (graph(), branch("main"));
    let arm = |fragment: &'static str| wrapped.armed.lock().unwrap().push((fragment, None));

    arm("/heads/main/v/");
    let c1 = ulid();
    let v1 = store.publish(&g, &main, None, head(&c1, 1)).await;
    assert_eq!(v1.expect("create").version, 1);
    arm("/heads/main/v/");
    let c2 = ulid();
    let v2 = store.publish(&g, &main, Some(1), head(&c2, 2)).await;
    let v2 = v2.expect("cas");
    assert_eq!((v2.version, v2.commit_id.as_str()), (2, c2.as_str()));
    // the branch moves on between the landed write and the re-send: slots are immutable, so
    // the store still recognises slot 3 as its own
    let slot4 = Path::from(format!("graphs/{g}/_manifest/heads/main/v/{:020}.json", 4));
    let c4 = ulid();
    let mut theirs = head(&c4, 4);
    theirs.version = 4;
    let other = serde_json::json!({"version": 4, "head": theirs}).to_string();
    wrapped
        .armed
        .lock()
        .unwrap()
        .push(("/heads/main/v/", Some((slot4, Bytes::from(other)))));
    let c3 = ulid();
    let v3 = store.publish(&g, &main, Some(2), head(&c3, 3)).await;
    let v3 = v3.expect("cas that landed before the branch moved on");
    assert_eq!((v3.version, v3.commit_id.as_str()), (3, c3.as_str()));
    assert_eq!(store.head(&g, &main).await.unwrap().unwrap().commit_id, c4);
    arm("/commits/");
    let (id, op) = (ulid(), ulid());
    store
        .put_commit(&commit(&g, &id, &op))
        .await
        .expect("commit");
    arm("/heads/main/v/");
    store.delete_branch(&g, &main, 4).await.expect("delete");
    assert!(
        wrapped.armed.lock().unwrap().is_empty(),
        "every fault fired"
    );

    // a fresh instance (no cache) agrees
    let fs = object_store::local::LocalFileSystem::new_with_prefix(dir.path()).unwrap();
    let fresh = ObjectManifestStore::new(Arc::new(fs), Path::from("graphs"));
    assert_eq!(fresh.head(&g, &main).await.unwrap(), None);
    assert_eq!(
        fresh.get_commit(&g, &id).await.unwrap(),
        Some(commit(&g, &id, &op))
    );
}

// ---------------------------------------------------------------------------------------------
// The engine: a mutation whose head CAS reply is lost commits exactly once
// ---------------------------------------------------------------------------------------------

const INSERT: &str = "query add($n: String) { insert Person { name: $n, age: 30 } }";

async fn mutation_commits_exactly_once(f: Faulty) {
    let dir = tempfile::tempdir().unwrap();
    let location = StoreLocation::Local(dir.path().to_path_buf());
    let (raw, root) = location.open().unwrap();
    let engine = Engine::with_parts(
        location,
        Arc::new(CountingStore::new(raw)),
        root,
        f.store.clone(),
    );
    let g = graph();
    let main = BranchName::main();
    let init = engine.init(&g, SOCIAL, "alice").await.unwrap();
    assert_eq!(init.version, 1);

    f.proxy.lose_reply_once(f.head_put);
    let params = serde_json::json!({"n": "ada"});
    let out = engine
        .mutate(&g, &main, INSERT, None, Some(&params), "alice")
        .await;
    assert_eq!(f.proxy.lost(), 1, "the fault fired");
    let out = out.expect("the mutation landed once and is acknowledged");
    assert_eq!(out.affected_nodes, 1);

    // exactly one new head version, pointing at an existing commit
    let now = f.direct.head(&g, &main).await.unwrap().unwrap();
    assert_eq!(now.version, 2, "one publish, no re-run");
    let tip = f.direct.get_commit(&g, &now.commit_id).await.unwrap();
    let tip = tip.expect("the commit the head points at exists");
    assert_eq!(tip.parents, vec![init.commit_id.clone()]);
    // history: init and the mutation, nothing else, no hole
    let commits = engine
        .list_commits(&g, &main, None, &PageRequest::first(10))
        .await
        .unwrap()
        .commits;
    let kinds: Vec<&str> = commits.iter().map(|c| c.op_kind.as_str()).collect();
    assert_eq!(kinds, vec!["mutate", "init"], "{commits:?}");
    let stored = f
        .direct
        .list_commits(&g, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(
        stored.items.len(),
        2,
        "no orphan and no missing commit item"
    );
    // the row is there once
    let snap = engine
        .snapshot(&g, &ReadTarget::Branch(main.clone()))
        .await
        .unwrap();
    let (_, ds) = engine.open_table(&snap, "node:Person").await.unwrap();
    assert_eq!(ds.count_rows(None).await.unwrap(), 1);
}

macro_rules! ambiguous {
    ($($backend:ident),*) => {
        $(
            mod $backend {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn cas_with_lost_reply_succeeds_once() { super::cas_with_lost_reply_succeeds_once(super::$backend().await).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn create_with_lost_reply_succeeds_once() { super::create_with_lost_reply_succeeds_once(super::$backend().await).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn delete_with_lost_reply_succeeds() { super::delete_with_lost_reply_succeeds(super::$backend().await).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn commit_with_lost_reply_succeeds() { super::commit_with_lost_reply_succeeds(super::$backend().await).await }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn engine_mutation_commits_exactly_once() { super::mutation_commits_exactly_once(super::$backend().await).await }
            }
        )*
    };
}

ambiguous!(dynamodb, object_s3);
