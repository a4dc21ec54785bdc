//! `vigie config check|example`.

use std::process::ExitCode;

use clap::Subcommand;

use super::Global;
use crate::config::VigieConfig;

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Validate the configuration (`--config FILE`) and print every problem at once.
    Check,
    /// Print the example configuration with every option and its default.
    Example,
}

pub(crate) fn run(global: &Global, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Example => {
            print!("{}", include_str!("../../../../config/vigie.example.toml"));
            Ok(ExitCode::SUCCESS)
        }
        Command::Check => {
            let Some(path) = &global.config else {
                anyhow::bail!("name the file to check with --config FILE (or VIGIE_CONFIG)");
            };
            match VigieConfig::load(path) {
                Ok(config) => {
                    println!(
                        "{}: ok (data_dir {}, listen {})",
                        path.display(),
                        config.data_dir.display(),
                        config.server.listen
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(problems) => {
                    eprint!("{problems}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
