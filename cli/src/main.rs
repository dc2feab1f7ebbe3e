//! The `omnigraph` command-line interface: the embedded engine on a local directory or S3.
//!
//! Owns argument parsing, output formatting and exit codes; every operation is an engine call.

mod args;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;
use omnigraph_engine::{Engine, ManifestChoice, ReadTarget, StoreLocation};
use omnigraph_manifest::{BranchName, GraphId};

use args::{Cli, Command, SchemaCommand};
use commands::{graph, mutate, offline, query};
use output::{print_stats, print_value, report, resolve_format, CliError};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let format = resolve_format(cli.target.format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(3);
        }
    };
    match runtime.block_on(run(&cli)) {
        Ok(Outcome::Value(value)) => {
            print_value(&value, format);
            ExitCode::SUCCESS
        }
        Ok(Outcome::Query(result)) => {
            query::print(&result, format);
            ExitCode::SUCCESS
        }
        Ok(Outcome::Lint {
            json,
            human,
            failed,
        }) => {
            if format == args::Format::Json {
                print_value(&json, format);
            } else {
                output::print_line(&human);
            }
            ExitCode::from(u8::from(failed))
        }
        // Errors are a human sentence unless JSON was asked for explicitly.
        Err(e) => report(e, cli.target.format.unwrap_or(args::Format::Table)),
    }
}

enum Outcome {
    Value(serde_json::Value),
    /// A read query's rows, printed in the chosen format.
    Query(omnigraph_engine::QueryResult),
    Lint {
        json: serde_json::Value,
        human: String,
        failed: bool,
    },
}

async fn open(cli: &Cli) -> Result<(Engine, GraphId), CliError> {
    let location = StoreLocation::parse(&cli.target.store)?;
    let manifest = ManifestChoice::parse(&cli.target.manifest)?;
    let graph = GraphId::new(cli.target.graph.clone())?;
    Ok((Engine::open(location, manifest).await?, graph))
}

async fn run(cli: &Cli) -> Result<Outcome, CliError> {
    // Offline commands first: they never touch a store.
    match &cli.command {
        Command::Version => {
            return Ok(Outcome::Value(
                serde_json::json!({"omnigraph": env!("CARGO_PKG_VERSION"),
                    "failpoints": omnigraph_engine::failpoints::ENABLED}),
            ))
        }
        Command::Lint {
            file,
            schema: Some(schema),
        } => {
            let catalog = offline::compile(schema)?;
            let r = offline::lint(file, &catalog)?;
            return Ok(Outcome::Lint {
                json: r.json,
                human: r.human,
                failed: r.has_errors,
            });
        }
        Command::Schema(SchemaCommand::Plan {
            schema,
            from: Some(from),
        }) => {
            let accepted = offline::compile(from)?;
            return Ok(Outcome::Value(offline::plan(&accepted, schema)?));
        }
        _ => {}
    }
    let (engine, g) = open(cli).await?;
    let start = engine.stats_start();
    let value = match &cli.command {
        Command::Init { schema } => {
            let src = offline::read_source(schema)?;
            graph::init(&engine, &g, &src, &cli.target.actor).await?
        }
        Command::Snapshot { branch } => graph::snapshot(&engine, &g, branch).await?,
        Command::Query {
            expr,
            file,
            name,
            params,
            branch,
            commit,
            version,
            max_rows,
        } => {
            let source = match (expr, file) {
                (Some(e), _) => e.clone(),
                (None, Some(f)) => offline::read_source(f)?,
                (None, None) => {
                    return Err(CliError::Usage("give -e SOURCE or --file FILE".into()))
                }
            };
            let target = query::target(branch.as_deref(), commit.as_deref(), *version)?;
            let result = query::run(
                &engine,
                &g,
                &target,
                &source,
                name.as_deref(),
                params.as_deref(),
                *max_rows,
            )
            .await?;
            if cli.target.stats {
                print_stats(&engine.stats_since(&start));
            }
            return Ok(Outcome::Query(result));
        }
        Command::Load {
            data,
            mode,
            branch,
            from,
        } => {
            graph::load(
                &engine,
                &g,
                data,
                mode,
                branch,
                from.as_deref(),
                &cli.target.actor,
            )
            .await?
        }
        Command::Mutate {
            expr,
            file,
            name,
            params,
            branch,
        } => {
            let args = mutate::MutateArgs {
                expr: expr.as_deref(),
                file: file.as_deref(),
                name: name.as_deref(),
                params: params.as_deref(),
                branch: Some(branch),
            };
            mutate::run(&engine, &g, args, &cli.target.actor).await?
        }
        Command::Branch(cmd) => graph::branch_cmd(&engine, &g, cmd).await?,
        Command::Commit(cmd) => graph::commit_cmd(&engine, &g, cmd).await?,
        Command::Recover { dry_run, now } => {
            commands::recover::run(&engine, &g, now.as_deref(), *dry_run).await?
        }
        Command::Cleanup {
            keep,
            older_than,
            confirm,
            now,
            guard,
            function_timeout,
        } => {
            let args = commands::cleanup::CleanupArgs {
                keep: *keep,
                older_than: older_than.as_deref(),
                confirm: *confirm,
                now: now.as_deref(),
                guard: guard.as_deref(),
                function_timeout: function_timeout.as_deref(),
            };
            commands::cleanup::run(&engine, &g, args).await?
        }
        Command::Schema(SchemaCommand::Show { branch }) => {
            graph::schema_show(&engine, &g, branch).await?
        }
        Command::Schema(SchemaCommand::Plan { schema, from: None }) => {
            let snap = engine
                .snapshot(&g, &ReadTarget::Branch(BranchName::main()))
                .await?;
            offline::plan(&snap.catalog, schema)?
        }
        Command::Lint { file, schema: None } => {
            let snap = engine
                .snapshot(&g, &ReadTarget::Branch(BranchName::main()))
                .await?;
            let r = offline::lint(file, &snap.catalog)?;
            if cli.target.stats {
                print_stats(&engine.stats_since(&start));
            }
            return Ok(Outcome::Lint {
                json: r.json,
                human: r.human,
                failed: r.has_errors,
            });
        }
        Command::Version | Command::Lint { .. } | Command::Schema(SchemaCommand::Plan { .. }) => {
            return Err(CliError::Usage("unreachable command routing".into()))
        }
    };
    if cli.target.stats {
        print_stats(&engine.stats_since(&start));
    }
    Ok(Outcome::Value(value))
}
