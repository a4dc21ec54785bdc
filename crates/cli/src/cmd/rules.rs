//! `vigie rules check DIR`: loads every rule file and reports each one loaded or rejected.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use vigie_detect::{LoadReport, RuleSet};

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Load every rule under DIR and print each rejected rule with its reason; exits
    /// non-zero if any rule is rejected.
    Check {
        /// Directory of Sigma rules (searched recursively for .yml/.yaml).
        dir: PathBuf,
        /// Also list every loaded rule.
        #[arg(long)]
        verbose: bool,
    },
}

pub(crate) fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Check { dir, verbose } => {
            let (_rules, report) = RuleSet::load_dir(&dir)?;
            print_report(&report, verbose);
            Ok(if report.rejected.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

/// Prints a load report: one line per rejection, then the totals.
pub(crate) fn print_report(report: &LoadReport, verbose: bool) {
    if verbose {
        for rule in &report.loaded {
            let path = rule
                .path
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            println!(
                "loaded   {path}: {} [{}] {}",
                rule.id, rule.level, rule.title
            );
        }
    }
    for rejection in &report.rejected {
        println!("rejected {rejection}");
    }
    println!(
        "{} file(s): {} rule(s) loaded, {} rejected",
        report.files,
        report.loaded.len(),
        report.rejected.len()
    );
}
