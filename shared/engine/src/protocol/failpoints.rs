//! Failpoints: named places in the write protocol where a test can make the process die
//! (or the operation fail) to prove crash safety.
//!
//! Compiled only with the cargo feature `failpoints` of `omnigraph-engine`; without it the
//! [`failpoint!`] macro expands to nothing, so release builds pay nothing. Armed by the
//! environment:
//!
//! ```text
//! OMNIGRAPH_FAILPOINTS="write.after_commit_item=abort,branch.create.before_publish=error"
//! ```
//!
//! - `abort`: the process dies on the spot (`std::process::abort`, SIGABRT): no destructor,
//!   no cleanup, no flush: a real crash.
//! - `error`: the operation returns `unavailable` ("failpoint <name>") from that point.
//!
//! In process, [`armed`] arms failpoints in `error` mode for one future only (a task-local,
//! so concurrent tasks — e.g. simulation seeds on several threads — do not see each other's):
//! the operation stops there with `unavailable`, leaving behind exactly what a crash at that
//! point leaves (sidecar, staged versions, orphan commit…). The environment variable keeps
//! working alongside.
//!
//! Every name is in [`CATALOG`]; the crash tests run one case per catalogued failpoint and
//! fail if a failpoint has no case.

use std::future::Future;

/// The environment variable that arms failpoints.
pub const ENV: &str = "OMNIGRAPH_FAILPOINTS";

/// A: after validation, before the sidecar is written (nothing written yet).
pub const WRITE_BEFORE_SIDECAR: &str = "write.before_sidecar";
/// A: the sidecar is written, no table touched yet.
pub const WRITE_AFTER_SIDECAR: &str = "write.after_sidecar";
/// B: after each table's detached Lance commit (with `abort`, the first one: a partial B).
pub const WRITE_AFTER_TABLE_COMMIT: &str = "write.after_table_commit";
/// B: every written table is committed detached; the sidecar does not list them yet.
pub const WRITE_AFTER_STAGE: &str = "write.after_stage";
/// B: the sidecar was rewritten with the staged versions.
pub const WRITE_AFTER_SIDECAR_REWRITE: &str = "write.after_sidecar_rewrite";
/// C: the commit item is stored, the head not yet moved (an orphan commit).
pub const WRITE_AFTER_COMMIT_ITEM: &str = "write.after_commit_item";
/// C: the head CAS succeeded (the write is committed), the sidecar is still there.
pub const WRITE_AFTER_HEAD_CAS: &str = "write.after_head_cas";
/// D: the sidecar is deleted, the write not yet acknowledged.
pub const WRITE_AFTER_SIDECAR_DELETE: &str = "write.after_sidecar_delete";
/// Branch create: the source head is read, the new head not yet published.
pub const BRANCH_CREATE_BEFORE_PUBLISH: &str = "branch.create.before_publish";
/// Branch create: the new head is published, not yet acknowledged.
pub const BRANCH_CREATE_AFTER_PUBLISH: &str = "branch.create.after_publish";

/// Every failpoint, in protocol order.
pub const CATALOG: &[&str] = &[
    WRITE_BEFORE_SIDECAR,
    WRITE_AFTER_SIDECAR,
    WRITE_AFTER_TABLE_COMMIT,
    WRITE_AFTER_STAGE,
    WRITE_AFTER_SIDECAR_REWRITE,
    WRITE_AFTER_COMMIT_ITEM,
    WRITE_AFTER_HEAD_CAS,
    WRITE_AFTER_SIDECAR_DELETE,
    BRANCH_CREATE_BEFORE_PUBLISH,
    BRANCH_CREATE_AFTER_PUBLISH,
];

/// Whether this build has failpoints compiled in.
pub const ENABLED: bool = cfg!(feature = "failpoints");

tokio::task_local! {
    /// Failpoints armed in `error` mode for the current task by [`armed`].
    static ARMED: Vec<&'static str>;
}

/// Runs `fut` with the failpoints `names` armed in `error` mode for it alone. Without the
/// `failpoints` feature nothing fires.
pub async fn armed<F: Future>(names: Vec<&'static str>, fut: F) -> F::Output {
    ARMED.scope(names, fut).await
}

/// Fires failpoint `name` if [`armed`] or [`ENV`] arms it: aborts the process, or returns an
/// error.
#[cfg(feature = "failpoints")]
pub(crate) fn hit(name: &'static str) -> Result<(), crate::EngineError> {
    if ARMED.try_with(|a| a.contains(&name)).unwrap_or(false) {
        return Err(crate::EngineError::Unavailable(format!("failpoint {name}")));
    }
    let Ok(spec) = std::env::var(ENV) else {
        return Ok(());
    };
    for item in spec.split(',') {
        let Some((armed, action)) = item.split_once('=') else {
            continue;
        };
        if armed.trim() != name {
            continue;
        }
        match action.trim() {
            "abort" => {
                eprintln!("failpoint {name}: abort");
                std::process::abort();
            }
            "error" => {
                return Err(crate::EngineError::Unavailable(format!("failpoint {name}")));
            }
            other => tracing::warn!(failpoint = name, action = other, "unknown failpoint action"),
        }
    }
    Ok(())
}

/// `failpoint!(WRITE_AFTER_SIDECAR)` (a constant of this module) in a function returning
/// `Result<_, E>` with `E: From<EngineError>`: nothing unless the `failpoints` feature is on.
macro_rules! failpoint {
    ($name:ident) => {
        #[cfg(feature = "failpoints")]
        {
            $crate::protocol::failpoints::hit($crate::protocol::failpoints::$name)?;
        }
    };
}
pub(crate) use failpoint;
