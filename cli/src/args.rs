//! Command-line arguments: global targets (`--store`, `--manifest`, `--graph`), output
//! options (`--format`, `--stats`) and the subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use omnigraph_engine::QueryLimits;

/// OmniGraph: an object-store-native typed property-graph database.
#[derive(Parser, Debug)]
#[command(name = "omnigraph", version, about)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub target: Target,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the graph lives and how to print results (valid with every command).
#[derive(Args, Debug, Clone)]
pub(crate) struct Target {
    /// A local directory or s3://bucket/prefix holding graphs.
    #[arg(
        long,
        global = true,
        env = "OMNIGRAPH_STORE",
        default_value = "./omnigraph-data"
    )]
    pub store: String,
    /// Where branch heads live: `object-store` (default) or `dynamodb://TABLE`.
    #[arg(
        long,
        global = true,
        env = "OMNIGRAPH_MANIFEST",
        default_value = "object-store"
    )]
    pub manifest: String,
    /// The graph id under the store.
    #[arg(
        long,
        global = true,
        env = "OMNIGRAPH_GRAPH",
        default_value = "default"
    )]
    pub graph: String,
    /// Output format (default: table on a terminal, json otherwise).
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
    /// Print the storage requests the command made, as JSON on stderr.
    #[arg(long, global = true)]
    pub stats: bool,
    /// The actor recorded on commits.
    #[arg(long, global = true, env = "OMNIGRAPH_ACTOR", default_value = "cli")]
    pub actor: String,
    /// A deployed API (or `omnigraph serve`) to send the command to instead of a local store.
    #[arg(long, global = true, env = "OMNIGRAPH_ENDPOINT")]
    pub endpoint: Option<String>,
    /// Bearer token for --endpoint (and the token `serve` requires, when given).
    #[arg(long, global = true, env = "OMNIGRAPH_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Seconds after which a crash sidecar this process writes counts as a dead writer's
    /// (must exceed the longest write).
    #[arg(long, global = true, env = "OMNIGRAPH_RECOVERY_DEADLINE_SECS")]
    pub recovery_deadline_secs: Option<u64>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Create a graph with a schema (branch `main`).
    Init {
        #[arg(long)]
        schema: PathBuf,
    },
    /// Bulk-load JSONL records as one commit.
    Load {
        /// The JSONL file (`-` for standard input).
        #[arg(long)]
        data: PathBuf,
        #[arg(long, default_value = "overwrite", value_parser = ["overwrite", "append", "merge"])]
        mode: String,
        #[arg(long, default_value = "main")]
        branch: String,
        /// Create `--branch` from this branch first.
        #[arg(long)]
        from: Option<String>,
        /// Records buffered per table before they are written as one batch.
        #[arg(long, default_value_t = omnigraph_engine::DEFAULT_BATCH_ROWS)]
        batch_rows: usize,
    },
    /// Write a branch head, a commit or an earlier version as NDJSON to stdout (the shape
    /// `load` reads).
    Export {
        #[arg(long, conflicts_with = "commit")]
        branch: Option<String>,
        /// Export at a commit id.
        #[arg(long, conflicts_with = "version")]
        commit: Option<String>,
        /// Export an earlier head version of the branch (default main).
        #[arg(long)]
        version: Option<u64>,
        /// Only this node or edge type (repeatable).
        #[arg(long = "type")]
        types: Vec<String>,
    },
    /// Run a read query.
    Query {
        /// Query source text.
        #[arg(short = 'e', long = "expr", conflicts_with = "file")]
        expr: Option<String>,
        /// A `.gq` file.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Which query of the file to run (optional when it holds one).
        #[arg(long)]
        name: Option<String>,
        /// Parameters as a JSON object.
        #[arg(long)]
        params: Option<String>,
        /// Read this branch (default main); with `--version`, at that version of it.
        #[arg(long, conflicts_with = "commit")]
        branch: Option<String>,
        /// Read at a commit id.
        #[arg(long, conflicts_with = "version")]
        commit: Option<String>,
        /// Read at an earlier head version of the branch (`--branch`, default main).
        #[arg(long)]
        version: Option<u64>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Run a mutation (insert/update/delete statements) as one commit.
    Mutate {
        /// Mutation source text.
        #[arg(short = 'e', long = "expr", conflicts_with = "file")]
        expr: Option<String>,
        /// A `.gq` file.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Which query of the file to run (optional when it holds one).
        #[arg(long)]
        name: Option<String>,
        /// Parameters as a JSON object.
        #[arg(long)]
        params: Option<String>,
        #[arg(long, default_value = "main")]
        branch: String,
    },
    /// Show a branch head: version, commit, per-table version and row count.
    Snapshot {
        #[arg(long, default_value = "main")]
        branch: String,
    },
    /// Branches: create, list, delete.
    #[command(subcommand)]
    Branch(BranchCommand),
    /// History: list and show commits.
    #[command(subcommand)]
    Commit(CommitCommand),
    /// Schema tools.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Parse, typecheck and lint a query file offline.
    Lint {
        #[arg(long)]
        file: PathBuf,
        /// The schema to check against (offline); without it, the graph's schema is used.
        #[arg(long)]
        schema: Option<PathBuf>,
    },
    /// Resolve the crash sidecars of dead writers (past their deadline).
    Recover {
        /// Report what would be done without changing anything.
        #[arg(long)]
        dry_run: bool,
        /// The current time: milliseconds since the epoch or RFC 3339 (default: the clock).
        #[arg(long)]
        now: Option<String>,
    },
    /// Serve the deployed API's routes over the embedded engine on a local address.
    Serve {
        /// Address to listen on (`127.0.0.1:0` picks a free port; the address is printed).
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        /// Largest request body accepted (bytes).
        #[arg(long, env = "OMNIGRAPH_MAX_BODY_BYTES", default_value_t = omnigraph_api::DEFAULT_MAX_BODY_BYTES)]
        max_body_bytes: usize,
        /// Most rows a query answers.
        #[arg(long, env = "OMNIGRAPH_MAX_ROWS", default_value_t = omnigraph_api::DEFAULT_MAX_ROWS)]
        max_rows: usize,
        /// Largest export answered inline; larger ones are stored under the graph's
        /// `__exports/` and answered with their location.
        #[arg(long, env = "OMNIGRAPH_MAX_INLINE_EXPORT_BYTES", default_value_t = omnigraph_api::DEFAULT_MAX_INLINE_EXPORT_BYTES)]
        max_inline_export_bytes: usize,
    },
    /// The social-graph benchmark: generate data, run and report.
    #[command(subcommand)]
    Bench(crate::commands::bench::BenchCommand),
    /// Garbage-collect the graph: expire commits outside the retention window and delete the
    /// table objects nothing live references (a dry run unless --confirm).
    Cleanup {
        /// Keep the newest N commits of every branch.
        #[arg(long)]
        keep: Option<usize>,
        /// Keep commits younger than this (e.g. 7d, 12h); older ones beyond --keep expire.
        #[arg(long)]
        older_than: Option<String>,
        /// Delete for real (without it, print what would be deleted).
        #[arg(long)]
        confirm: bool,
        /// The current time: milliseconds since the epoch or RFC 3339 (default: the clock).
        #[arg(long)]
        now: Option<String>,
        /// Never delete anything younger than this (default and minimum: twice the function
        /// timeout).
        #[arg(long)]
        guard: Option<String>,
        /// The longest timeout of any writer to this store (default 15m).
        #[arg(long)]
        function_timeout: Option<String>,
    },
    /// Print the version.
    Version,
}

/// Query-time limits (exceeding one is a `bad_request` with code E-L001, E-L002 or E-L003). One
/// not given takes the engine's default on a local store and the server's own limit with
/// `--endpoint`; a server applies at most its own limits.
#[derive(Args, Debug, Clone)]
pub(crate) struct LimitArgs {
    #[arg(long, help = format!(
        "Most rows a result may have (E-L001 above it) [local default: {}]",
        QueryLimits::DEFAULT_MAX_ROWS
    ))]
    pub max_rows: Option<usize>,
    #[arg(long, help = format!(
        "Most traversal and join steps one query may take (E-L002 above it) [local default: {}]",
        QueryLimits::DEFAULT_MAX_EXPANSION
    ))]
    pub max_expansion: Option<u64>,
    #[arg(long, help = format!(
        "Wall-clock budget of one query in milliseconds (E-L003 past it) [local default: {}]",
        QueryLimits::DEFAULT_TIMEOUT_MS
    ))]
    pub timeout_ms: Option<u64>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum BranchCommand {
    /// Create a branch from another branch's head or from a commit.
    Create {
        name: String,
        /// Source branch (default main).
        #[arg(long, conflicts_with = "commit")]
        from: Option<String>,
        /// Source commit id.
        #[arg(long)]
        commit: Option<String>,
    },
    /// List branches.
    List,
    /// Delete a branch (never `main`).
    Delete { name: String },
}

#[derive(Subcommand, Debug)]
pub(crate) enum CommitCommand {
    /// Commits reachable from a branch, newest first.
    List {
        #[arg(long, default_value = "main")]
        branch: String,
        #[arg(long)]
        actor: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Continue after this commit id (from a previous page).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// One commit.
    Show { id: String },
}

#[derive(Subcommand, Debug)]
pub(crate) enum SchemaCommand {
    /// Plan the evolution from an accepted schema to a desired one (offline with --from).
    Plan {
        /// The desired schema.
        #[arg(long)]
        schema: PathBuf,
        /// The accepted schema (offline); without it, the graph's current schema is used.
        #[arg(long)]
        from: Option<PathBuf>,
    },
    /// Show the graph's current schema.
    Show {
        #[arg(long, default_value = "main")]
        branch: String,
    },
}
