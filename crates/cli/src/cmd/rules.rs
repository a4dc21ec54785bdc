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
            let (rules, mut report) = RuleSet::load_dir(&dir)?;
            report.rejected.retain(|r| !is_correlation_rejection(r));
            print_report(&report, verbose);
            let (correlations, rejected) = load_correlations(&dir, &rules);
            for rejection in &rejected {
                println!("rejected {rejection}");
            }
            if verbose {
                for rule in correlations.rules() {
                    println!(
                        "loaded   correlation {} [{}] {}",
                        rule.id, rule.level, rule.title
                    );
                }
            }
            println!(
                "{} correlation rule(s) loaded, {} rejected",
                correlations.len(),
                rejected.len()
            );
            Ok(if report.rejected.is_empty() && rejected.is_empty() {
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

/// Loads the correlation rules of `dir`, resolving their references against `rules`.
pub(crate) fn load_correlations(
    dir: &std::path::Path,
    rules: &RuleSet,
) -> (
    vigie_detect::correlation::CorrelationSet,
    Vec<vigie_detect::correlation::CorrelationRejection>,
) {
    let known: std::collections::HashSet<String> =
        rules.rules().iter().map(|r| r.meta.id.clone()).collect();
    let (set, rejected, _found) = vigie_detect::correlation::load_dir(
        dir,
        &known,
        vigie_detect::correlation::CorrelationLimits::default(),
    );
    (set, rejected)
}

/// Whether the base loader set a document aside because it is a correlation rule (the
/// correlation loader reports on those documents itself).
pub(crate) fn is_correlation_rejection(rejection: &vigie_detect::Rejection) -> bool {
    rejection.reason.starts_with("correlation rule")
}
