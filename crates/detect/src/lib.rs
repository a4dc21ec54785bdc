//! vigie-detect: the Sigma detection engine.
//!
//! Loads [Sigma](https://github.com/SigmaHQ/sigma-specification) rules from YAML and matches
//! them against [`vigie_event::Event`]s. Synchronous, and free of I/O except reading rule
//! files in [`RuleSet::load_dir`].
//!
//! # Main types
//!
//! - [`RuleSet`]: the compiled rules with unique ids. [`RuleSet::load_dir`] reads a directory
//!   recursively, [`RuleSet::from_yaml`] one text; [`RuleSet::evaluate`] returns every rule
//!   matching an event.
//! - [`Rule`]: one compiled rule; [`Rule::matches`] tests one event. Its [`RuleMeta`] holds
//!   id, title, [`Level`], status, description, author, tags, references, false positives,
//!   [`LogSource`], date, modified, fields and the file path.
//! - [`LoadReport`]: how many files were read, the metadata of the loaded rules and a
//!   [`Rejection`] (file, 1-based document, reason) for each document that did not load. One
//!   bad rule never stops the others; [`DetectError`] is returned only when the rule directory
//!   itself is unreadable.
//!
//! # Supported
//!
//! - Files `*.yml` / `*.yaml`, found recursively; several YAML documents per file (`---`).
//! - Search identifiers as maps (AND of fields), lists of maps (OR), keyword lists (OR, or AND
//!   under a `'|all'` key). Keywords are substring matches (wildcards allowed) against every
//!   string value of the event, nested ones included; keys and non-string values are not
//!   searched.
//! - Field values: single or list (OR; AND with `all`), strings, integers, booleans, `''`,
//!   `null` (field missing or null). Field names are looked up with
//!   [`vigie_event::Event::field`] (flat or nested dotted paths). A list-valued event field
//!   matches when one of its elements does.
//! - Wildcards `*` and `?`, with `\` escaping exactly as the specification's "Escape
//!   Character" section says (`\*`, `\?`, `\\`; a backslash before anything else is a plain
//!   backslash). Matching is case-insensitive unless `cased` (or `re`) says otherwise.
//! - Modifiers: `contains`, `startswith`, `endswith`, `all`, `exists`, `cased`, `neq` (the
//!   check holds when none of the values match, a missing field included), `re` with `i`,
//!   `m`, `s` (Rust `regex` syntax: PCRE look-around and back-references are rejected at
//!   load), `windash` (a `-` or `/` starting a flag matches `-`, `/`, en dash, em dash and
//!   horizontal bar, like pySigma), `gt`, `gte`, `lt`, `lte` (numbers, or strings parsing as
//!   numbers), `cidr` (IPv4 and IPv6), `base64`, `base64offset` (pySigma's three variants),
//!   `utf16le`/`wide`, `utf16be`, `utf16` (with BOM), and `fieldref` (equal to another
//!   field, case-insensitive unless `cased`), `expand` (per-tenant placeholders, below).
//!   Modifiers apply in the order written
//!   (`wide|base64offset|contains`). An unknown, misplaced or conflicting modifier is a
//!   load error naming the modifier and the field.
//! - Conditions: `and`, `or`, `not`, parentheses, `1 of`/`any of`/`N of`/`all of` a pattern
//!   (`*` wildcards) or `them` (identifiers starting with `_` excluded), with the
//!   specification's precedence (`or` < `and` < `not` < `x of` < parentheses). A condition
//!   list is an OR of its items. A condition naming a missing identifier, or a pattern
//!   matching none, is a load error naming it.
//! - Rules without `id:` get a stable derived id (see [`derive_rule_id`]): `derived-` and the
//!   hex FNV-1a hash of the file path relative to the rule directory and the title. Moving
//!   the file or editing the title changes it (and therefore alert identity).
//! - Missing `level:` means [`Level::Medium`].
//!
//! Compilation does the work once: literals keep their text and compare ASCII
//! case-insensitively in place; all `contains` literals of an OR-list share one Aho-Corasick
//! automaton; a regex is built only for wildcards in the middle of a value, case-insensitive
//! text with non-ASCII letters (caseless characters such as emoji stay on the fast path),
//! `windash` and `re`. Matching allocates nothing on the common path
//! (numbers compared against non-integer literals, and `fieldref`, format a string).
//!
//! # Routing, field mapping and the index
//!
//! [`RuleSet::evaluate`] runs a rule only on events of its `logsource`, as a declarative
//! [`Mapping`] says (`mappings/windows.yml`, pySigma's Windows, Sysmon and ECS pipelines):
//! an event is claimed by the first source whose channel field it has (flat native
//! `Channel`, or ECS `winlog.channel`), and its channel and event id pick a bucket of
//! (rule, route) pairs, each with the event paths of the rule's fields for that kind of
//! event (e.g. `Image` is `NewProcessName` on Security 4688 and `process.executable` in ECS).
//! A field a kind of event does not carry is named per rule in [`LoadReport::warnings`].
//! Non-Windows rules run on events no source claims, fields as written. Within a bucket, the
//! literals each rule needs (see `index.rs`) are matched by one Aho-Corasick automaton per
//! event field, so only rules whose literals are present are evaluated.
//!
//! # pySigma processing pipelines
//!
//! [`RuleSet::with_pipelines`] puts every rule and filter through [`Pipeline`]s (pySigma
//! processing pipeline files) before routing: field name mappings, prefixes and suffixes,
//! dropped detection items, added conditions and changed logsources, each under pySigma's
//! rule, field name and detection item conditions. [`Pipeline::from_yaml`] refuses a file
//! using anything else (see [`pipeline`]).
//!
//! # Per-tenant tuning
//!
//! One rule set serves every tenant; [`RuleSet::evaluate`] applies the tuning of the event's
//! tenant and no other:
//!
//! - **Filters** (Sigma filter meta-rules, `filter: rules/selection/condition`):
//!   [`RuleSet::add_tenant_filters`] compiles them (routed and mapped like rules) as
//!   exclusions of the rules they name. [`RuleSet::load_dir`] leaves the top-level
//!   [`FILTERS_DIR`] folder (`filters/<tenant-slug>/`) to the caller, who reads it; a filter
//!   document anywhere else is rejected with the reason.
//! - **Content packs** installed with `vigie pack import` live in `packs/<name>/`, laid out
//!   like a rules directory; [`packs`] says how the loaders read them.
//! - **`expand` placeholders** (`%name%`): a rule using them loads with a warning naming
//!   them; [`RuleSet::set_tenant_placeholders`] resolves them for one tenant (values are
//!   Sigma strings, then the rest of the modifier chain applies). Unresolved, the check is
//!   false.
//!
//! # Speed
//!
//! Keyword searches give literals to the index too (scanned over every string of the event
//! at once). Index texts are lowercased into a reused buffer and scanned by a SIMD (Teddy)
//! searcher whose matches name the literals; automata (for long literal lists, and texts
//! with many occurrences) are built on first use and shared between buckets with the same
//! literals, and a rule's own substring automata are built on first use too
//! ([`RuleSet::compile_all`] builds everything now). [`RuleSet::load_dir`] reads and
//! compiles rule files on up to 4 threads and adds them in path order. [`RuleSet::evaluate_unindexed`] is the
//! reference the index is tested against.
//!
//! # Not supported yet (rejected with a reason, never silently)
//!
//! - Correlation documents are set aside by this loader and loaded by [`correlation`].
//! - Sigma 1.0 leftovers: aggregations in conditions (`| count() by x > 5`), `near`,
//!   rule collections (`action: global` multi-document files).
//! - The time modifiers (`minute`, `hour`, `day`, `week`, `month`, `year`).
//! - Rules with `status: deprecated` or `status: unsupported` are rejected on purpose.

mod condition;
pub mod correlation;
mod detection;
mod error;
mod index;
pub mod intel;
pub mod lint;
pub mod mapping;
mod meta;
pub mod packs;
mod pattern;
pub mod pipeline;
mod rule;
mod ruleset;

pub use condition::{MAX_CONDITION_BYTES, MAX_CONDITION_NESTING};
pub use error::DetectError;
pub use index::{FastHasher, IndexStats};
pub use mapping::Mapping;
pub use meta::{Level, LevelError, LogSource, RuleMeta};
pub use pipeline::Pipeline;
pub use rule::{Rule, derive_rule_id};
pub use ruleset::{
    Explanation, FILTERS_DIR, FilterMeta, LoadReport, MAX_RULE_TEXT_BYTES, Rejection, RuleSet,
    Warning,
};

#[cfg(test)]
mod tests;
