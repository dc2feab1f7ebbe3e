//! Answering a repeated request once: mutations with an `idempotency_key` and S3 events
//! (delivered at least once) keep the answer of their first run as a manifest record; a repeat
//! is answered from the record and applies nothing.
//!
//! The record is read first and written after the operation commits. When two runs race, both
//! apply and the second one's write finds the record taken: it answers what the first
//! recorded, so every run of one key answers the same.

use std::future::Future;

use omnigraph_manifest::{GraphId, ManifestError};
use serde_json::Value;

use crate::error::ApiError;
use crate::service::Service;

/// The manifest record namespace of answered idempotent mutations.
pub const IDEMPOTENCY_NAMESPACE: &str = "idempotency";

/// The manifest record namespace of processed S3 events.
pub const S3_EVENT_NAMESPACE: &str = "s3-event";

/// An answer, and whether it was the record of an earlier run.
pub(crate) struct Once {
    pub answer: Value,
    pub replayed: bool,
}

impl Service {
    /// The recorded answer of `key` in `namespace`, or `apply`'s answer, recorded.
    pub(crate) async fn once<F>(
        &self,
        graph: &GraphId,
        namespace: &str,
        key: &str,
        apply: F,
    ) -> Result<Once, ApiError>
    where
        F: Future<Output = Result<Value, ApiError>>,
    {
        let manifest = self.engine.manifest();
        if let Some(answer) = manifest.get_record(graph, namespace, key).await? {
            return Ok(Once {
                answer,
                replayed: true,
            });
        }
        let answer = apply.await?;
        match manifest.put_record(graph, namespace, key, &answer).await {
            Ok(()) => {}
            // A concurrent run recorded first: answer what it recorded.
            Err(ManifestError::AlreadyExists { .. }) => {
                if let Some(first) = manifest.get_record(graph, namespace, key).await? {
                    return Ok(Once {
                        answer: first,
                        replayed: true,
                    });
                }
            }
            Err(e) => return Err(e.into()),
        }
        Ok(Once {
            answer,
            replayed: false,
        })
    }
}
