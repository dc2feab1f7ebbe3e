//! Shared helpers for the cross-crate integration tests: locating the moto server started by
//! the test script (`scripts/test.sh`) and building S3 and DynamoDB clients against it.
//!
//! Tests that need AWS stand-ins call [`moto_endpoint`], which fails loudly when the server is
//! not configured or not reachable: a test never silently skips its real part.

pub mod embedding_server;

use std::time::{SystemTime, UNIX_EPOCH};

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
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{nanos:x}-{n}", std::process::id())
}

/// The `omnigraph` CLI binary built beside this test binary (`target/<profile>/omnigraph`).
/// `scripts/test.sh` builds every workspace binary before running tests.
pub fn omnigraph_bin() -> Result<std::path::PathBuf, String> {
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
