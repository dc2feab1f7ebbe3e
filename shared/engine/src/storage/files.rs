//! The objects one Lance table version consists of: its data, deletion and transaction
//! files (relative to the table directory), and the version a manifest file name stands for.
//! Recovery deletes what a dead version added; GC marks what live versions reference.

use std::collections::BTreeMap;

use object_store::path::Path;

/// Data, deletion and transaction files of one version (in this dataset's own base).
pub(crate) fn referenced_files(dir: &Path, dataset: &lance::Dataset) -> BTreeMap<String, Path> {
    let mut out = BTreeMap::new();
    let mut add = |rel: String| {
        let path = Path::from(format!("{dir}/{rel}"));
        out.insert(rel, path);
    };
    for fragment in dataset.fragments().iter() {
        for file in fragment.files.iter().filter(|f| f.base_id.is_none()) {
            add(format!("data/{}", file.path));
        }
        if let Some(deletion) = fragment
            .deletion_file
            .as_ref()
            .filter(|d| d.base_id.is_none())
        {
            add(lance_table::io::deletion::relative_deletion_file_path(
                fragment.id,
                deletion,
            ));
        }
    }
    if let Some(txn) = &dataset.manifest().transaction_file {
        add(format!("_transactions/{txn}"));
    }
    out
}

/// The version of a manifest file name in `_versions/`: `d<v>.manifest` (detached),
/// `<20 digits>.manifest` (V2, inverted) or `<v>.manifest` (V1).
pub(crate) fn manifest_version(name: &str) -> Option<u64> {
    let stem = name.strip_suffix(".manifest")?;
    if let Some(detached) = stem.strip_prefix('d') {
        return detached.parse().ok();
    }
    let n: u64 = stem.parse().ok()?;
    Some(if stem.len() == 20 { u64::MAX - n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_names() {
        assert_eq!(
            manifest_version("d9223372036854775809.manifest"),
            Some(1 << 63 | 1)
        );
        assert_eq!(
            manifest_version("18446744073709551614.manifest"),
            Some(1),
            "V2 names invert the version"
        );
        assert_eq!(manifest_version("3.manifest"), Some(3));
        assert_eq!(manifest_version("_latest.manifest"), None);
        assert_eq!(manifest_version("d12.txn"), None);
    }
}
