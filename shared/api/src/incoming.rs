//! Reading load inputs named by bucket and key (S3-triggered loads, `load` with `source`).
//! On S3 the object is read from the named bucket; on a local store the store directory
//! stands in for the bucket, so tests drive the same path without AWS.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use omnigraph_engine::StoreLocation;

use crate::error::ApiError;

/// Largest input object read into memory (the engine holds a load's input in memory).
pub const MAX_INCOMING_BYTES: u64 = 1 << 30;

/// Where incoming objects are read from.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// S3 buckets, one client per bucket, built on first use.
    S3(Mutex<HashMap<String, Arc<dyn ObjectStore>>>),
    /// A local directory standing in for every bucket.
    Local(PathBuf),
}

impl Incoming {
    pub(crate) fn for_store(location: &StoreLocation) -> Self {
        match location {
            StoreLocation::Local(dir) => Self::Local(dir.clone()),
            StoreLocation::S3 { .. } => Self::S3(Mutex::new(HashMap::new())),
        }
    }

    fn store_for(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>, ApiError> {
        let location = match self {
            Self::Local(dir) => StoreLocation::Local(dir.clone()),
            Self::S3(cache) => {
                if let Some(hit) = cache.lock().ok().and_then(|c| c.get(bucket).cloned()) {
                    return Ok(hit);
                }
                StoreLocation::S3 {
                    bucket: bucket.to_string(),
                    prefix: String::new(),
                }
            }
        };
        let (store, _) = location.open()?;
        if let Self::S3(cache) = self {
            if let Ok(mut c) = cache.lock() {
                c.insert(bucket.to_string(), store.clone());
            }
        }
        Ok(store)
    }

    /// The object `bucket/key` as UTF-8 text.
    pub(crate) async fn read_text(&self, bucket: &str, key: &str) -> Result<String, ApiError> {
        if key.is_empty() || key.split('/').any(|s| s == ".." || s == ".") {
            return Err(ApiError::bad_request(format!("invalid object key `{key}`")));
        }
        let store = self.store_for(bucket)?;
        let path = Path::from(key);
        let got = store.get(&path).await.map_err(|e| match e {
            object_store::Error::NotFound { .. } => {
                ApiError::not_found(format!("object s3://{bucket}/{key} not found"))
            }
            other => ApiError::from(omnigraph_engine::EngineError::from(other)),
        })?;
        if got.meta.size > MAX_INCOMING_BYTES {
            return Err(ApiError::new(
                crate::error::ErrorCode::PayloadTooLarge,
                format!(
                    "object s3://{bucket}/{key} is {} bytes; the limit is {MAX_INCOMING_BYTES}",
                    got.meta.size
                ),
            ));
        }
        let bytes = got
            .bytes()
            .await
            .map_err(|e| ApiError::from(omnigraph_engine::EngineError::from(e)))?;
        String::from_utf8(bytes.to_vec()).map_err(|e| {
            ApiError::bad_request(format!("object s3://{bucket}/{key} is not UTF-8: {e}"))
        })
    }
}
