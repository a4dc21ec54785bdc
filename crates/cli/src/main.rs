//! `vigie`: the binary. Flags, configuration loading, `serve`, and the offline commands.
//! The only crate that uses `anyhow`; every library below it returns typed errors.

mod cmd;
mod config;
mod pack;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: the event store's indexing and the JSON
/// decoding of every event allocate and free many small values, and glibc's malloc and
/// free took about a fifth of the indexer's CPU time in profiles.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// vigie: a sovereign, multi-tenant Security Operations Center in one binary.
#[derive(Parser)]
#[command(name = "vigie", version, about, propagate_version = true)]
struct Cli {
    /// Configuration file (TOML, version 1). Without it, built-in defaults are used.
    #[arg(long, global = true, env = "VIGIE_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory; overrides `data_dir` of the configuration.
    #[arg(long, global = true, env = "VIGIE_DATA_DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: ingest, durable log, detection pipeline and API.
    Serve(cmd::serve::Args),
    /// Work with the configuration file.
    #[command(subcommand)]
    Config(cmd::config::Command),
    /// Manage tenants (client organisations).
    #[command(subcommand)]
    Tenant(cmd::tenant::Command),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(cmd::token::Command),
    /// Work with Sigma rules.
    #[command(subcommand)]
    Rules(cmd::rules::Command),
    /// Import .evtx, JSONL and gzip JSONL files (or directories) for a tenant.
    Import(cmd::import::Args),
    /// Run Sigma rules and correlations over .evtx, JSONL and gzip files or directories,
    /// on every core, with the live stream's engine: a timeline and a summary per rule.
    Scan(cmd::scan::Args),
    /// Threat intelligence: import IOC sets from MISP feeds and STIX 2.1 bundles, check them.
    #[command(subcommand)]
    Intel(cmd::intel::Command),
    /// Signed offline content packs: make keys, build, sign, verify and import packs of
    /// rules, filters, pipelines and IOC sets (see docs/packs.md).
    #[command(subcommand)]
    Pack(cmd::pack::Command),
    /// Monthly client reports: the PDF (or its figures as JSON) of a tenant's month.
    #[command(subcommand)]
    Report(cmd::report::Command),
    /// Manage users of the SOC desk.
    #[command(subcommand)]
    User(cmd::user::Command),
    /// Verify or checkpoint the tamper-evident audit log.
    #[command(subcommand)]
    Audit(cmd::audit::Command),
    /// Back up the data directory while the server runs (log, state, event store, audit).
    Backup(cmd::backup::BackupArgs),
    /// Restore a backup into an empty data directory, and check it.
    Restore(cmd::backup::RestoreArgs),
    /// Measure vigie on this machine.
    #[command(subcommand)]
    Bench(cmd::bench::Command),
    /// Search stored events with the hunting language (see docs/hunting.md).
    Hunt(cmd::hunt::Args),
    /// NIS2 Article 23 clocks and reminders.
    #[command(subcommand)]
    Nis2(cmd::nis2::Command),
    /// E-mail and webhook notifications: a test message, the outbox, retries.
    #[command(subcommand)]
    Notify(cmd::notify::Command),
    /// The shared engines of cluster mode (`[cluster]`): create and inspect them.
    #[command(subcommand)]
    Cluster(cmd::cluster::Command),
}

fn main() -> ExitCode {
    private_file_modes();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VIGIE_LOG")
                // The evtx crate reports its own start-up at info.
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,evtx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("vigie: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli));
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("vigie: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Sets the process file-creation mask to 0o077 before any command runs: every file vigie
/// creates is 0600 and every directory 0700, whichever code creates it (the log's segments
/// and consumer offsets, SQLite's database and its `-wal`/`-shm` files, tantivy's segment
/// files, job files, the correlation state, the audit key and checkpoints). The data holds
/// every tenant's events and the desk's secrets (hashed tokens and passwords): nobody but the
/// account vigie runs as may read it. One mask covers the libraries that choose their own
/// modes and whatever file a later change adds; the data directory itself is created 0700,
/// and tightened with a warning when it is open to others (`cmd::private_dir`).
fn private_file_modes() {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let global = cmd::Global {
        config: cli.config,
        data_dir: cli.data_dir,
    };
    match cli.command {
        Command::Serve(args) => cmd::serve::run(&global, args).await,
        Command::Config(command) => cmd::config::run(&global, command),
        Command::Tenant(command) => cmd::tenant::run(&global, command).await,
        Command::Token(command) => cmd::token::run(&global, command).await,
        Command::Rules(command) => cmd::rules::run(&global, command).await,
        Command::Import(args) => cmd::import::run(&global, args).await,
        Command::Scan(args) => cmd::scan::run(&global, args).await,
        Command::Intel(command) => cmd::intel::run(&global, command).await,
        Command::Report(command) => cmd::report::run(&global, command).await,
        Command::Pack(command) => cmd::pack::run(&global, command).await,
        Command::User(command) => cmd::user::run(&global, command).await,
        Command::Audit(command) => cmd::audit::run(&global, command).await,
        Command::Backup(args) => cmd::backup::backup(&global, args).await,
        Command::Restore(args) => cmd::backup::restore(&global, args).await,
        Command::Bench(command) => cmd::bench::run(command).await,
        Command::Hunt(args) => cmd::hunt::run_command(&global, args).await,
        Command::Nis2(command) => cmd::nis2::run(&global, command).await,
        Command::Notify(command) => cmd::notify::run(&global, command).await,
        Command::Cluster(command) => cmd::cluster::run(&global, command).await,
    }
}
