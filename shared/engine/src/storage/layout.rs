//! Where a graph's objects live under the store root:
//!
//! ```text
//! <root>/<graph>/tables/<node|edge>-<type id>/   one Lance dataset per type
//! <root>/<graph>/schemas/<hash>.pg, <hash>.ir.json  content-addressed schema documents
//! <root>/<graph>/__recovery/<op id>.json          crash sidecars (empty in steady state)
//! <root>/<graph>/__exports/<name>.ndjson           exports too large to answer inline (API)
//! <root>/<graph>/_manifest/...                    heads/commits when the manifest is the object store
//! ```

use object_store::path::Path;
use omnigraph_manifest::GraphId;

/// Paths of one graph under a store root.
#[derive(Debug, Clone)]
pub struct GraphLayout {
    root: Path,
}

impl GraphLayout {
    pub fn new(store_root: &Path, graph: &GraphId) -> Self {
        Self {
            root: store_root.clone().join(graph.as_str()),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Directory of the dataset holding `table_key` (`node:Person` → `tables/node-<id>`).
    pub fn table_dir(&self, kind: &str, type_id: &str) -> Path {
        self.root
            .clone()
            .join("tables")
            .join(format!("{kind}-{type_id}"))
    }

    pub fn schema_source(&self, hash: &str) -> Path {
        self.root.clone().join("schemas").join(format!("{hash}.pg"))
    }

    pub fn schema_catalog(&self, hash: &str) -> Path {
        self.root
            .clone()
            .join("schemas")
            .join(format!("{hash}.ir.json"))
    }

    pub fn recovery_dir(&self) -> Path {
        self.root.clone().join("__recovery")
    }

    pub fn sidecar(&self, op_id: &str) -> Path {
        self.recovery_dir().join(format!("{op_id}.json"))
    }

    /// Where the API stores an export too large to answer inline.
    pub fn export_object(&self, name: &str) -> Path {
        self.root
            .clone()
            .join("__exports")
            .join(format!("{name}.ndjson"))
    }
}

/// The manifest of detached Lance `version` of the dataset in `dir`
/// (`<dir>/_versions/d<version>.manifest`, Lance's own naming).
pub(crate) fn detached_manifest(dir: &Path, version: u64) -> Path {
    lance_table::io::commit::ManifestNamingScheme::V2.manifest_path(dir, version)
}
