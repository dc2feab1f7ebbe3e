//! Where a store lives: a local directory or `s3://bucket/prefix`, parsed from the `--store`
//! argument or the `OMNIGRAPH_STORE` setting, and turned into an object store.

use std::path::PathBuf;
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::ObjectStore;

use crate::EngineError;

/// A parsed store location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// A directory on the local file system (created if missing).
    Local(PathBuf),
    /// A bucket and key prefix on S3 (or an S3-compatible endpoint from `AWS_ENDPOINT_URL`).
    S3 { bucket: String, prefix: String },
}

impl StoreLocation {
    /// Parses `s3://bucket/prefix`, `file:///dir` or a plain directory path.
    pub fn parse(text: &str) -> Result<Self, EngineError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(EngineError::bad_request("the store location is empty"));
        }
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(EngineError::bad_request(format!(
                    "store `{text}` names no bucket"
                )));
            }
            let prefix = prefix.trim_matches('/').to_string();
            if prefix.split('/').any(|seg| seg == ".." || seg == ".") {
                return Err(EngineError::bad_request(format!(
                    "store prefix `{prefix}` must not contain `.` or `..` segments"
                )));
            }
            return Ok(Self::S3 {
                bucket: bucket.to_string(),
                prefix,
            });
        }
        if let Some((scheme, _)) = text.split_once("://") {
            if scheme != "file" {
                return Err(EngineError::bad_request(format!(
                    "unsupported store scheme `{scheme}://` (use a directory or s3://bucket/prefix)"
                )));
            }
        }
        let path = text.strip_prefix("file://").unwrap_or(text);
        Ok(Self::Local(PathBuf::from(path)))
    }

    /// Opens the raw object store and the key prefix under which graphs live.
    pub fn open(&self) -> Result<(Arc<dyn ObjectStore>, Path), EngineError> {
        match self {
            Self::Local(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    EngineError::bad_request(format!(
                        "cannot create store directory {}: {e}",
                        dir.display()
                    ))
                })?;
                let fs = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| EngineError::storage(e.to_string()))?;
                Ok((Arc::new(fs), Path::default()))
            }
            Self::S3 { bucket, prefix } => {
                let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
                if let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL") {
                    builder = builder.with_endpoint(endpoint);
                }
                let s3 = builder
                    .build()
                    .map_err(|e| EngineError::storage(e.to_string()))?;
                Ok((Arc::new(s3), Path::from(prefix.as_str())))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_locations() {
        assert_eq!(
            StoreLocation::parse("s3://b/some/prefix/").unwrap(),
            StoreLocation::S3 {
                bucket: "b".into(),
                prefix: "some/prefix".into()
            }
        );
        assert_eq!(
            StoreLocation::parse("s3://b").unwrap(),
            StoreLocation::S3 {
                bucket: "b".into(),
                prefix: String::new()
            }
        );
        assert_eq!(
            StoreLocation::parse("./data").unwrap(),
            StoreLocation::Local(PathBuf::from("./data"))
        );
        assert_eq!(
            StoreLocation::parse("file:///tmp/x").unwrap(),
            StoreLocation::Local(PathBuf::from("/tmp/x"))
        );
        for bad in ["", "s3://", "s3:///x", "gs://b/x", "s3://b/../x"] {
            assert!(StoreLocation::parse(bad).is_err(), "{bad}");
        }
    }
}
