//! `omnigraph bench`: the social-graph benchmark — `generate` writes a seeded graph,
//! `run` loads it into a fresh local store and measures load, insert and query latency
//! (cold and warm) and peak memory, printing a markdown report (docs/benchmarks.md).

pub(crate) mod generate;
pub(crate) mod rss;
pub(crate) mod run;

use std::path::PathBuf;

use clap::Subcommand;

use crate::output::CliError;

#[derive(Subcommand, Debug)]
pub(crate) enum BenchCommand {
    /// Write a seeded social graph (schema.pg, data.jsonl, queries.gq) into a directory.
    Generate {
        /// Number of people.
        #[arg(long, default_value_t = 100_000)]
        persons: u64,
        /// Mean follows per person (skewed; 24 gives ~2.4M follows for 100k people).
        #[arg(long, default_value_t = 24.0)]
        avg_degree: f64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
    },
    /// Generate (if needed), load into DIR/store and measure; prints a markdown report.
    Run {
        #[arg(long, default_value_t = 100_000)]
        persons: u64,
        #[arg(long, default_value_t = 24.0)]
        avg_degree: f64,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Working directory (generated files are reused; DIR/store is recreated).
        #[arg(long, default_value = "./omnigraph-bench")]
        dir: PathBuf,
        /// Fresh-process runs per query.
        #[arg(long, default_value_t = 5)]
        cold_runs: usize,
        /// In-process runs per query after the first.
        #[arg(long, default_value_t = 20)]
        warm_runs: usize,
        /// One-row inserts to time.
        #[arg(long, default_value_t = 100)]
        inserts: usize,
        /// Also write the report to this file.
        #[arg(long)]
        report: Option<PathBuf>,
    },
}

/// Runs a bench command; returns the text to print.
pub(crate) async fn dispatch(cmd: &BenchCommand) -> Result<String, CliError> {
    match cmd {
        BenchCommand::Generate {
            persons,
            avg_degree,
            seed,
            out,
        } => {
            let spec = generate::GenSpec {
                persons: *persons,
                avg_degree: *avg_degree,
                seed: *seed,
            };
            let s = generate::generate(spec, out)?;
            serde_json::to_string_pretty(&s).map_err(|e| CliError::Usage(e.to_string()))
        }
        BenchCommand::Run {
            persons,
            avg_degree,
            seed,
            dir,
            cold_runs,
            warm_runs,
            inserts,
            report,
        } => {
            let spec = run::RunSpec {
                gen: generate::GenSpec {
                    persons: *persons,
                    avg_degree: *avg_degree,
                    seed: *seed,
                },
                dir: dir.clone(),
                cold_runs: (*cold_runs).max(1),
                warm_runs: (*warm_runs).max(1),
                inserts: *inserts,
            };
            let text = run::run(&spec).await?;
            if let Some(path) = report {
                std::fs::write(path, &text).map_err(|e| {
                    CliError::Usage(format!("cannot write {}: {e}", path.display()))
                })?;
            }
            Ok(text)
        }
    }
}
