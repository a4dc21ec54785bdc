//! The hunting query language: parsing ([`parse`]), meaning ([`Expr::matches`]) and the
//! pipe stages run over matching events ([`run`]), with field names in both native Windows
//! and ECS naming ([`FieldAliases`]). The language is documented for users in
//! `docs/hunting.md`.

mod alias;
mod ast;
mod eval;
mod exec;
mod parse;

pub use alias::FieldAliases;
pub use ast::{Agg, AggFunc, Bound, Cmp, Expr, Pattern, Query, Stage, Test};
pub use eval::Subject;
pub use exec::{HuntOptions, HuntResult, TenantNames, event_row, run};
pub use parse::{Limits, ParseError, parse, parse_duration, parse_time};

/// The words of a text as the language and the index see them: maximal runs of letters and
/// digits, lowercased. `C:\Windows\cmd.exe` has the words `c`, `windows`, `cmd`, `exe`.
pub fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            if word.is_ascii() {
                word.to_ascii_lowercase()
            } else {
                word.to_lowercase()
            }
        })
        .collect()
}
