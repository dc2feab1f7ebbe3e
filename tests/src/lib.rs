//! Shared helpers for the cross-crate integration tests: locating the moto server started by
//! the test script (`scripts/test.sh`) and building S3 and DynamoDB clients against it.
//!
//! Tests that need AWS stand-ins call [`moto_endpoint`], which fails loudly when the server is
//! not configured or not reachable: a test never silently skips its real part.

pub mod embedding_server;

use std::time::UNIX_EPOCH;

use aws_credential_types::Credentials;

/// Environment variable holding the moto server URL, exported by `scripts/test.sh`.
pub const MOTO_ENV: &str = "OMNIGRAPH_MOTO_ENDPOINT";
/// Region used for every stand-in client.
pub const REGION: &str = "us-east-1";

/// Why the AWS stand-ins cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StandInError {
    #[error("{MOTO_ENV} is not set: run the suite through scripts/test.sh, which starts moto")]
    NotConfigured,
    #[error("moto server at {endpoint} is not reachable: {reason}")]
    Unreachable { endpoint: String, reason: String },
}

/// The moto endpoint, after checking that something answers on it.
pub fn moto_endpoint() -> Result<String, StandInError> {
    let endpoint = std::env::var(MOTO_ENV).map_err(|_| StandInError::NotConfigured)?;
    check_reachable(&endpoint)?;
    Ok(endpoint)
}

/// Checks that something accepts TCP connections at `endpoint` (`http://host:port`).
pub fn check_reachable(endpoint: &str) -> Result<(), StandInError> {
    let authority = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    std::net::TcpStream::connect(&authority).map_err(|e| StandInError::Unreachable {
        endpoint: endpoint.to_string(),
        reason: e.to_string(),
    })?;
    Ok(())
}

fn credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "omnigraph-tests")
}

/// An S3 client for moto (path-style addressing).
pub fn s3_client(endpoint: &str) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new(REGION))
        .credentials_provider(credentials())
        .endpoint_url(endpoint)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// A DynamoDB client for moto.
pub fn dynamodb_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new(REGION))
        .credentials_provider(credentials())
        .endpoint_url(endpoint)
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// A name unique to this process and call, for buckets, tables and graph ids, so tests
/// sharing one moto server never see each other's state.
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = omnigraph_manifest::clock::system_now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{nanos:x}-{n}", std::process::id())
}

/// The `omnigraph` CLI binary built beside this test binary (`target/<profile>/omnigraph`).
/// `scripts/test.sh` builds every workspace binary before running tests.
/// `OMNIGRAPH_BIN_DIR`, when set, names another directory holding the binaries (worktrees
/// sharing one target directory overwrite each other's `target/debug/omnigraph`).
pub fn omnigraph_bin() -> Result<std::path::PathBuf, String> {
    if let Some(dir) = std::env::var_os("OMNIGRAPH_BIN_DIR") {
        let bin = std::path::PathBuf::from(dir).join("omnigraph");
        return if bin.is_file() {
            Ok(bin)
        } else {
            Err(format!("{} is missing (OMNIGRAPH_BIN_DIR)", bin.display()))
        };
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // target/<profile>/deps/<test binary> -> target/<profile>/omnigraph
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .ok_or_else(|| format!("unexpected test binary location {}", exe.display()))?;
    let bin = profile_dir.join("omnigraph");
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!(
            "{} is missing: build it first (cargo build --workspace)",
            bin.display()
        ))
    }
}

/// A reply of [`http_request`].
#[derive(Debug, Clone)]
pub struct HttpReply {
    pub status: u16,
    /// Header names lower-case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// One HTTP/1.1 request over a fresh connection (`Connection: close`), for tests that talk to
/// local servers (`omnigraph serve`, the cargo-lambda emulator) without an HTTP client crate.
/// Understands `Content-Length`, chunked and read-to-close answers.
pub fn http_request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<HttpReply> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(120)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_reply(&raw)
}

fn parse_reply(raw: &[u8]) -> std::io::Result<HttpReply> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of the response head"))?;
    let head = String::from_utf8_lossy(&raw[..end]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("no status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        let mut out = Vec::new();
        let mut at = 0;
        loop {
            let line_end = rest[at..]
                .windows(2)
                .position(|w| w == b"\r\n")
                .ok_or_else(|| bad("truncated chunk"))?;
            let size_text = String::from_utf8_lossy(&rest[at..at + line_end]).to_string();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| bad("bad chunk size"))?;
            at += line_end + 2;
            if size == 0 {
                break;
            }
            out.extend_from_slice(rest.get(at..at + size).ok_or_else(|| bad("short chunk"))?);
            at += size + 2;
        }
        out
    } else {
        match headers.iter().find(|(n, _)| n == "content-length") {
            Some((_, len)) => {
                let len: usize = len.parse().map_err(|_| bad("bad content-length"))?;
                rest.get(..len).ok_or_else(|| bad("short body"))?.to_vec()
            }
            None => rest.to_vec(),
        }
    };
    Ok(HttpReply {
        status,
        headers,
        body,
    })
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A binary built beside this test binary (`target/<profile>/<name>`), e.g. a function.
pub fn workspace_bin(name: &str) -> Result<std::path::PathBuf, String> {
    let cli = omnigraph_bin()?;
    let bin = cli.with_file_name(name);
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!(
            "{} is missing: build it first (cargo build --workspace)",
            bin.display()
        ))
    }
}

/// A child process killed (and reaped) when dropped, so a failing test leaves no server behind.
#[derive(Debug)]
pub struct ChildGuard(pub std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
