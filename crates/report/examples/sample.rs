//! Writes the sample month ([`vigie_report::sample::month`]) as a PDF, to look at the layout:
//! `cargo run -p vigie-report --example sample -- fr report.pdf` (`empty` as a third argument
//! for the month without alerts).

use std::process::ExitCode;

use vigie_report::{Language, render_pdf, sample};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let language = match args.first().map(String::as_str) {
        Some("fr") => Language::Fr,
        Some("nl") => Language::Nl,
        Some("de") => Language::De,
        Some("en") => Language::En,
        other => {
            eprintln!("usage: sample fr|nl|de|en OUT.pdf [empty] (got {other:?})");
            return ExitCode::from(2);
        }
    };
    let Some(out) = args.get(1) else {
        eprintln!("usage: sample fr|nl|de|en OUT.pdf [empty]");
        return ExitCode::from(2);
    };
    let data = if args.get(2).is_some_and(|a| a == "empty") {
        sample::empty_month(language)
    } else {
        sample::month(language)
    };
    let pdf = match render_pdf(&data) {
        Ok(pdf) => pdf,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::write(out, &pdf) {
        eprintln!("{out}: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
