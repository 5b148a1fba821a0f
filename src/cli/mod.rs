//! The command line: clap definitions only. `commands` turns them into stage calls.

pub mod commands;

use crate::state::StageId;
use clap::{ArgAction, Parser, Subcommand};
use std::path::PathBuf;

const EXIT_CODES: &str = "\
Exit codes:
  0    success
  1    a negative answer: precheck failed, verify found differences
  2    usage or project-file error
  3    environment error: cannot connect, missing privilege, wrong server setting
  4    transient failure that persisted after retries (safe to re-run)
  5    replication position lost on the source (re-copy needed)
  70   internal error (a bug: please report it)
  130  interrupted (SIGINT/SIGTERM); progress is checkpointed, re-run to resume";

/// Online database migration: precheck, schema, full copy and verify, resumable after any crash.
#[derive(Debug, Parser)]
#[command(name = "omsctl", version, about, long_about = None, after_long_help = EXIT_CODES, after_help = EXIT_CODES)]
pub struct Cli {
    /// Project file.
    #[arg(
        short = 'c',
        long = "project",
        global = true,
        value_name = "PROJECT.toml",
        env = "OMSCTL_PROJECT"
    )]
    pub project: Option<PathBuf>,
    /// State directory [default: .omsctl/<project name>/ beside the project file].
    #[arg(long, global = true, value_name = "DIR", env = "OMSCTL_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Machine-readable output: one JSON object on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// More log output (-v debug, -vv trace).
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Only warnings and errors on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Answer yes to confirmations (required when stdin is not a terminal).
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented project file.
    Init {
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Check connectivity, privileges, settings, keys, conversions and target contents.
    Precheck,
    /// Convert and create tables, indexes, constraints, triggers and views on the target.
    Schema {
        /// Write the DDL files and the conversion report and print the DDL; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Mark an object as skipped (repeatable), e.g. view:shop.v_sales.
        #[arg(long, value_name = "KEY")]
        skip_object: Vec<String>,
    },
    /// Copy existing rows in parallel, chunk by chunk; resumes where it stopped.
    Full,
    /// Replay the source's binlog on the target; follows until interrupted (exit 130).
    Incr {
        /// Catch up to the source position current at start, then exit 0 (for cron and CI).
        #[arg(long, conflicts_with = "until")]
        once: bool,
        /// Stop at this binlog position (FILE:POS), or before the first source transaction
        /// committed after this UTC time ("2026-11-22 10:00:00").
        #[arg(long, value_name = "FILE:POS|TIME", value_parser = parse_until)]
        until: Option<Until>,
        /// Skip the one unsupported DDL statement the stage stopped at.
        #[arg(long)]
        skip_ddl: bool,
    },
    /// Cut over to the target: the OMS forward-switchover steps, each resumable.
    Switchover {
        /// Mark a step as skipped (repeatable).
        #[arg(long, value_name = "STEP")]
        skip_step: Vec<String>,
        /// Run a completed or skipped step again.
        #[arg(long, value_name = "STEP")]
        retry_step: Option<String>,
    },
    /// Replay the target's binlog back onto the source (rollback path after switchover).
    Reverse {
        /// Catch up to the target position current at start, then exit 0.
        #[arg(long)]
        once: bool,
    },
    /// Compare source and target with chunked checksums and a row-level diff.
    Verify {
        /// Apply the repair SQL (source is the truth), then re-verify.
        #[arg(long)]
        repair: bool,
        /// Recheck only the chunks that differed in the last run.
        #[arg(long)]
        only_inconsistent: bool,
    },
    /// Run every stage the project selects, in order, skipping completed ones.
    Run,
    /// Show every stage and per-table progress.
    Status,
    /// Run a failed or paused stage again, resuming its progress.
    Retry {
        #[arg(value_parser = parse_stage)]
        stage: StageId,
    },
    /// Mark a stage as skipped so that later stages may run.
    Skip {
        #[arg(value_parser = parse_stage)]
        stage: StageId,
    },
    /// Forget a stage's progress so that it starts over (asks for confirmation).
    Reset {
        #[arg(value_parser = parse_stage)]
        stage: StageId,
    },
    /// Drop what the servers keep for this project's incremental and reverse sync (PostgreSQL
    /// replication slots and publications, which hold WAL); asks for confirmation.
    Release,
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// Where `incr --until` stops.
#[derive(Debug, Clone)]
pub enum Until {
    Position(crate::model::position::Position),
    /// Unix seconds.
    Time(u64),
}

/// Parses a UTC time as `2026-11-22 10:00:00` or RFC 3339 into unix seconds.
pub fn parse_time(s: &str) -> Result<u64, String> {
    humantime::parse_rfc3339_weak(s.trim())
        .map_err(|e| format!("{s:?} is not a time ({e}); write \"2026-11-22 10:00:00\" (UTC)"))?
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| format!("{s:?} is before 1970"))
}

fn parse_until(s: &str) -> Result<Until, String> {
    if s.contains(':') && !s.contains(' ') && !s.contains('T') {
        return s.parse().map(Until::Position);
    }
    parse_time(s).map(Until::Time)
}

fn parse_stage(s: &str) -> Result<StageId, String> {
    s.parse()
}

/// The clap command, for completions, man page and tests.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
