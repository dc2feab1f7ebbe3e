//! Command-line arguments: global targets (`--store`, `--manifest`, `--graph`), output
//! options (`--format`, `--stats`) and the subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// OmniGraph: an object-store-native typed property-graph database.
#[derive(Parser, Debug)]
#[command(name = "omnigraph", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub target: Target,
    #[command(subcommand)]
    pub command: Command,
}

/// Where the graph lives and how to print results (valid with every command).
#[derive(Args, Debug, Clone)]
pub struct Target {
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
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
}

#[derive(Subcommand, Debug)]
pub enum Command {
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
        #[arg(long, conflicts_with_all = ["commit", "version"])]
        branch: Option<String>,
        /// Read at a commit id.
        #[arg(long, conflicts_with = "version")]
        commit: Option<String>,
        /// Read at an earlier head version of the branch.
        #[arg(long)]
        version: Option<u64>,
        /// Most rows returned.
        #[arg(long, default_value_t = 10_000)]
        max_rows: usize,
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

#[derive(Subcommand, Debug)]
pub enum BranchCommand {
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
pub enum CommitCommand {
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
pub enum SchemaCommand {
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
