//! A Lance commit handler that knows where pinned manifests are.
//!
//! Heads store each detached version's manifest size (and ETag). Lance resolves a detached
//! version to `_versions/d<v>.manifest` without listing, but without the size it must HEAD the
//! object first and it bypasses its manifest cache. This handler answers
//! `resolve_version_location` from the sizes we registered, so a cold open of a pinned
//! version is a single GET and a warm one is served from Lance's cache. Commits delegate to
//! Lance's conditional-put handler and register the new version's location.

use std::collections::HashMap;
use std::sync::RwLock;

use async_trait::async_trait;
use lance::io::ObjectStore as LanceObjectStore;
use lance_table::format::{is_detached_version, IndexMetadata, Manifest, Transaction};
use lance_table::io::commit::{
    CommitError, CommitHandler, ConditionalPutCommitHandler, ManifestLocation,
    ManifestNamingScheme, ManifestWriter,
};
use object_store::path::Path;
use object_store::ObjectStore;

/// Manifest sizes (and ETags) of detached versions, keyed by version number (random 63-bit
/// numbers, so unique across tables).
#[derive(Debug, Default)]
pub struct PinnedLocations {
    known: RwLock<HashMap<u64, (u64, Option<String>)>>,
}

impl PinnedLocations {
    /// Records where `version`'s manifest is, from a pin.
    pub fn register(&self, version: u64, size: Option<u64>, e_tag: Option<String>) {
        let (Some(size), true) = (size, is_detached_version(version)) else {
            return;
        };
        if let Ok(mut known) = self.known.write() {
            known.insert(version, (size, e_tag));
        }
    }

    fn lookup(&self, version: u64) -> Option<(u64, Option<String>)> {
        self.known
            .read()
            .ok()
            .and_then(|k| k.get(&version).cloned())
    }
}

#[async_trait]
impl CommitHandler for PinnedLocations {
    fn is_version_not_found_definitive(&self) -> bool {
        true
    }

    fn propagate_commit_error_after_success(&self) -> bool {
        false
    }

    async fn resolve_version_location(
        &self,
        base_path: &Path,
        version: u64,
        object_store: &dyn ObjectStore,
    ) -> lance::Result<ManifestLocation> {
        if let Some((size, e_tag)) = self.lookup(version) {
            let scheme = ManifestNamingScheme::V2;
            return Ok(ManifestLocation {
                version,
                path: scheme.manifest_path(base_path, version),
                size: Some(size),
                naming_scheme: scheme,
                e_tag,
                identity: None,
            });
        }
        ConditionalPutCommitHandler
            .resolve_version_location(base_path, version, object_store)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn commit(
        &self,
        manifest: &mut Manifest,
        indices: Option<Vec<IndexMetadata>>,
        base_path: &Path,
        object_store: &LanceObjectStore,
        manifest_writer: ManifestWriter,
        naming_scheme: ManifestNamingScheme,
        transaction: Option<Transaction>,
    ) -> Result<ManifestLocation, CommitError> {
        let location = ConditionalPutCommitHandler
            .commit(
                manifest,
                indices,
                base_path,
                object_store,
                manifest_writer,
                naming_scheme,
                transaction,
            )
            .await?;
        self.register(location.version, location.size, location.e_tag.clone());
        Ok(location)
    }
}
