//! A fault-injecting object store for the deterministic simulation: `object_store::memory`
//! underneath, and, when the driver arms a fault for one operation, the n-th request of one
//! kind fails — before doing anything (`Error`), after the write happened (`Lost`: the object
//! exists but the caller hears an error), or late (`Latency`).
//!
//! The driver decides every fault from its seed; the store only counts requests of the armed
//! kind during the armed operation, so a seed replays the same faults.

use std::fmt;
use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::StreamExt;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
};

/// The request kinds a fault can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Kind {
    Put,
    Get,
    Head,
    Delete,
    List,
}

/// What an armed fault does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Mode {
    /// The request fails and does nothing.
    Error,
    /// The request is carried out, then reported as failed (a lost response).
    Lost,
    /// The request is carried out after a short delay.
    Latency,
}

/// One armed fault: the `nth` (1-based) request of `kind` gets `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fault {
    pub kind: Kind,
    pub nth: u32,
    pub mode: Mode,
}

#[derive(Debug, Default)]
struct Armed {
    fault: Option<Fault>,
    seen: u32,
    fired: Option<Fault>,
}

/// The armed fault, shared by the store and the driver.
#[derive(Debug, Default, Clone)]
pub(crate) struct FaultPlan {
    state: Arc<Mutex<Armed>>,
}

impl FaultPlan {
    /// Arms `fault` until [`FaultPlan::disarm`].
    pub(crate) fn arm(&self, fault: Fault) {
        let mut s = self.state.lock().unwrap();
        *s = Armed {
            fault: Some(fault),
            ..Default::default()
        };
    }

    /// Disarms; returns the fault if it fired.
    pub(crate) fn disarm(&self) -> Option<Fault> {
        let mut s = self.state.lock().unwrap();
        let fired = s.fired.take();
        *s = Armed::default();
        fired
    }

    fn check(&self, kind: Kind) -> Option<Mode> {
        let mut s = self.state.lock().unwrap();
        let fault = s.fault?;
        if fault.kind != kind {
            return None;
        }
        s.seen += 1;
        if s.seen != fault.nth {
            return None;
        }
        s.fault = None;
        s.fired = Some(fault);
        Some(fault.mode)
    }
}

fn injected(kind: Kind, mode: Mode, path: &str) -> object_store::Error {
    object_store::Error::Generic {
        store: "faulty",
        source: format!("injected {mode:?} on {kind:?} {path}").into(),
    }
}

async fn delay() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

/// `InMemory` with the armed faults of a [`FaultPlan`].
#[derive(Debug, Clone)]
pub(crate) struct FaultyStore {
    inner: Arc<InMemory>,
    plan: FaultPlan,
}

impl FaultyStore {
    pub(crate) fn new(inner: Arc<InMemory>, plan: FaultPlan) -> Self {
        Self { inner, plan }
    }
}

impl fmt::Display for FaultyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Faulty({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for FaultyStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> object_store::Result<PutResult> {
        match self.plan.check(Kind::Put) {
            None => self.inner.put_opts(location, payload, opts).await,
            Some(Mode::Latency) => {
                delay().await;
                self.inner.put_opts(location, payload, opts).await
            }
            Some(Mode::Error) => Err(injected(Kind::Put, Mode::Error, location.as_ref())),
            Some(Mode::Lost) => {
                self.inner.put_opts(location, payload, opts).await?;
                Err(injected(Kind::Put, Mode::Lost, location.as_ref()))
            }
        }
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> object_store::Result<Box<dyn MultipartUpload>> {
        match self.plan.check(Kind::Put) {
            Some(mode @ (Mode::Error | Mode::Lost)) => {
                Err(injected(Kind::Put, mode, location.as_ref()))
            }
            _ => self.inner.put_multipart_opts(location, opts).await,
        }
    }

    async fn get_opts(
        &self,
        location: &Path,
        options: GetOptions,
    ) -> object_store::Result<GetResult> {
        let kind = if options.head { Kind::Head } else { Kind::Get };
        match self.plan.check(kind) {
            None => self.inner.get_opts(location, options).await,
            Some(Mode::Latency) => {
                delay().await;
                self.inner.get_opts(location, options).await
            }
            Some(mode) => Err(injected(kind, mode, location.as_ref())),
        }
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[Range<u64>],
    ) -> object_store::Result<Vec<Bytes>> {
        match self.plan.check(Kind::Get) {
            None => self.inner.get_ranges(location, ranges).await,
            Some(Mode::Latency) => {
                delay().await;
                self.inner.get_ranges(location, ranges).await
            }
            Some(mode) => Err(injected(Kind::Get, mode, location.as_ref())),
        }
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, object_store::Result<Path>>,
    ) -> BoxStream<'static, object_store::Result<Path>> {
        let inner = self.inner.clone();
        let plan = self.plan.clone();
        locations
            .then(move |location| {
                let inner = inner.clone();
                let plan = plan.clone();
                async move {
                    let location = location?;
                    match plan.check(Kind::Delete) {
                        None => inner.delete(&location).await.map(|_| location),
                        Some(Mode::Latency) => {
                            delay().await;
                            inner.delete(&location).await.map(|_| location)
                        }
                        Some(Mode::Error) => {
                            Err(injected(Kind::Delete, Mode::Error, location.as_ref()))
                        }
                        Some(Mode::Lost) => {
                            inner.delete(&location).await?;
                            Err(injected(Kind::Delete, Mode::Lost, location.as_ref()))
                        }
                    }
                }
            })
            .boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        match self.plan.check(Kind::List) {
            Some(mode @ (Mode::Error | Mode::Lost)) => {
                let err = injected(Kind::List, mode, prefix.map_or("", |p| p.as_ref()));
                futures::stream::once(async move { Err(err) }).boxed()
            }
            _ => self.inner.list(prefix),
        }
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, object_store::Result<ObjectMeta>> {
        match self.plan.check(Kind::List) {
            Some(mode @ (Mode::Error | Mode::Lost)) => {
                let err = injected(Kind::List, mode, prefix.map_or("", |p| p.as_ref()));
                futures::stream::once(async move { Err(err) }).boxed()
            }
            _ => self.inner.list_with_offset(prefix, offset),
        }
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> object_store::Result<ListResult> {
        match self.plan.check(Kind::List) {
            Some(mode @ (Mode::Error | Mode::Lost)) => Err(injected(
                Kind::List,
                mode,
                prefix.map_or("", |p| p.as_ref()),
            )),
            _ => self.inner.list_with_delimiter(prefix).await,
        }
    }

    async fn copy_opts(
        &self,
        from: &Path,
        to: &Path,
        options: CopyOptions,
    ) -> object_store::Result<()> {
        match self.plan.check(Kind::Put) {
            None | Some(Mode::Latency) => self.inner.copy_opts(from, to, options).await,
            Some(Mode::Error) => Err(injected(Kind::Put, Mode::Error, to.as_ref())),
            Some(Mode::Lost) => {
                self.inner.copy_opts(from, to, options).await?;
                Err(injected(Kind::Put, Mode::Lost, to.as_ref()))
            }
        }
    }

    async fn rename_opts(
        &self,
        from: &Path,
        to: &Path,
        options: RenameOptions,
    ) -> object_store::Result<()> {
        match self.plan.check(Kind::Put) {
            None | Some(Mode::Latency) => self.inner.rename_opts(from, to, options).await,
            Some(Mode::Error) => Err(injected(Kind::Put, Mode::Error, to.as_ref())),
            Some(Mode::Lost) => {
                self.inner.rename_opts(from, to, options).await?;
                Err(injected(Kind::Put, Mode::Lost, to.as_ref()))
            }
        }
    }
}
