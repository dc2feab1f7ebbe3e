//! Request accounting at the object-store boundary.
//!
//! [`CountingStore`] wraps any `object_store::ObjectStore` and counts every request it passes
//! on, by kind (GET, PUT, LIST, DELETE, HEAD) and bytes moved. Every engine operation reports
//! the difference of two snapshots of these counters; tests assert request budgets on them.

use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, UploadPart,
};
use serde::Serialize;

/// Live counters, shared by a [`CountingStore`] and whoever reports on it.
#[derive(Debug, Default)]
pub struct ObjectCounters {
    get: AtomicU64,
    put: AtomicU64,
    list: AtomicU64,
    delete: AtomicU64,
    head: AtomicU64,
    bytes_read: AtomicU64,
    bytes_written: AtomicU64,
}

/// A point-in-time copy of [`ObjectCounters`], in the `--stats` shape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ObjectStats {
    pub get: u64,
    pub put: u64,
    pub list: u64,
    pub delete: u64,
    pub head: u64,
    pub bytes_read: u64,
    pub bytes_written: u64,
}

fn bump(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

impl ObjectCounters {
    /// Counts one LIST made outside a [`CountingStore`] (a pushed-down paginated listing).
    pub fn record_list(&self) {
        bump(&self.list, 1);
    }

    pub fn snapshot(&self) -> ObjectStats {
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ObjectStats {
            get: load(&self.get),
            put: load(&self.put),
            list: load(&self.list),
            delete: load(&self.delete),
            head: load(&self.head),
            bytes_read: load(&self.bytes_read),
            bytes_written: load(&self.bytes_written),
        }
    }
}

impl ObjectStats {
    /// Requests made between `earlier` and `self`.
    pub fn since(self, earlier: ObjectStats) -> ObjectStats {
        ObjectStats {
            get: self.get.saturating_sub(earlier.get),
            put: self.put.saturating_sub(earlier.put),
            list: self.list.saturating_sub(earlier.list),
            delete: self.delete.saturating_sub(earlier.delete),
            head: self.head.saturating_sub(earlier.head),
            bytes_read: self.bytes_read.saturating_sub(earlier.bytes_read),
            bytes_written: self.bytes_written.saturating_sub(earlier.bytes_written),
        }
    }

    /// Total requests of every kind.
    pub fn requests(&self) -> u64 {
        self.get + self.put + self.list + self.delete + self.head
    }
}

/// An object store that counts the requests made through it.
#[derive(Debug, Clone)]
pub struct CountingStore {
    inner: Arc<dyn ObjectStore>,
    counters: Arc<ObjectCounters>,
}

impl CountingStore {
    pub fn new(inner: Arc<dyn ObjectStore>) -> Self {
        Self {
            inner,
            counters: Arc::new(ObjectCounters::default()),
        }
    }

    /// Wraps `inner`, adding to existing counters.
    pub fn with_counters(inner: Arc<dyn ObjectStore>, counters: Arc<ObjectCounters>) -> Self {
        Self { inner, counters }
    }

    pub fn counters(&self) -> &Arc<ObjectCounters> {
        &self.counters
    }

    /// The wrapped store.
    pub fn inner(&self) -> &Arc<dyn ObjectStore> {
        &self.inner
    }
}

impl fmt::Display for CountingStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Counting({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for CountingStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        bump(&self.counters.put, 1);
        bump(
            &self.counters.bytes_written,
            payload.content_length() as u64,
        );
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        bump(&self.counters.put, 1);
        let inner = self.inner.put_multipart_opts(location, opts).await?;
        Ok(Box::new(CountingUpload {
            inner,
            counters: self.counters.clone(),
        }))
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        let is_head = options.head;
        if is_head {
            bump(&self.counters.head, 1);
        } else {
            bump(&self.counters.get, 1);
        }
        let result = self.inner.get_opts(location, options).await?;
        if !is_head {
            bump(
                &self.counters.bytes_read,
                result.range.end - result.range.start,
            );
        }
        Ok(result)
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[Range<u64>],
    ) -> object_store::Result<Vec<Bytes>> {
        // Counted as one GET per range, as a remote store would issue them.
        bump(&self.counters.get, ranges.len() as u64);
        let out = self.inner.get_ranges(location, ranges).await?;
        bump(
            &self.counters.bytes_read,
            out.iter().map(|b| b.len() as u64).sum(),
        );
        Ok(out)
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        let counters = self.counters.clone();
        let counted = locations
            .inspect(move |loc| {
                if loc.is_ok() {
                    bump(&counters.delete, 1);
                }
            })
            .boxed();
        self.inner.delete_stream(counted)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        bump(&self.counters.list, 1);
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        bump(&self.counters.list, 1);
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        bump(&self.counters.list, 1);
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        bump(&self.counters.put, 1);
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(
        &self,
        from: &Path,
        to: &Path,
        options: RenameOptions,
    ) -> object_store::Result<()> {
        bump(&self.counters.put, 1);
        bump(&self.counters.delete, 1);
        self.inner.rename_opts(from, to, options).await
    }
}

/// A multipart upload whose parts are counted as PUTs.
#[derive(Debug)]
struct CountingUpload {
    inner: Box<dyn MultipartUpload>,
    counters: Arc<ObjectCounters>,
}

#[async_trait]
impl MultipartUpload for CountingUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        bump(&self.counters.put, 1);
        bump(&self.counters.bytes_written, data.content_length() as u64);
        self.inner.put_part(data)
    }

    async fn complete(&mut self) -> object_store::Result<PutResult> {
        bump(&self.counters.put, 1);
        self.inner.complete().await
    }

    async fn abort(&mut self) -> object_store::Result<()> {
        bump(&self.counters.delete, 1);
        self.inner.abort().await
    }
}
