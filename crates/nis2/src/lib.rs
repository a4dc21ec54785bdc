//! NIS2 Article 23 for every incident: the rules, without I/O.
//!
//! The specification is `NIS2.md` of the project's shared material (sections cited as §n
//! below). This crate holds what must be exactly right and testable on its own:
//!
//! - [`model`]: the vocabulary (entity category, stages, tri-state answers, TLP, languages)
//!   and the entity profile.
//! - [`deadline`]: the due dates of §6: hour-based periods as exact elapsed time (daylight
//!   saving never shifts them), the one-month period on the Europe/Brussels calendar with
//!   the end-of-month clamp, the conservative reading when a local time is ambiguous (the
//!   alternative is kept and shown), and the Regulation 1182/71 outer bound as information
//!   only.
//! - [`calendar`]: Belgian public holidays and Brussels local time.
//! - [`significance`]: the significance engine of §7: versioned rule packs as data (TOML,
//!   embedded), each criterion with its source reference, evaluated in three-valued logic
//!   on actual and projected values into a verdict with every triggered criterion and every
//!   missing input.
//! - [`lifecycle`]: the reporting state machine of §7.3 with its guards.
//! - [`report`]: report drafts of §8 in FR, NL, DE and EN (Fluent files), as HTML, PDF
//!   (TLP label on every page) and a schema-versioned JSON snapshot.
//!
//! The SOC desk stores incidents and submissions; it calls this crate to compute, never the
//! other way round.

pub mod calendar;
pub mod deadline;
pub mod lifecycle;
pub mod model;
pub mod report;
pub mod significance;
