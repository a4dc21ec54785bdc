//! The rule index: which rules an event can match, found without trying the others.
//!
//! Two steps narrow the rules down before any detection runs:
//!
//! 1. **Routing.** The event is classified once: by its source type when it has one (other
//!    than `windows.*`) and the type's event id, else the first Windows mapping source whose
//!    channel field it has, its channel (case-insensitive) and event id. Each (type, event
//!    id) and (source, channel, event id) has a precomputed *bucket* holding the (rule,
//!    route) pairs that can run there; an event of a type no rule serves gets an empty
//!    bucket, and events with neither go to the bucket of custom rules.
//! 2. **Required literals.** For most rules the condition implies that one of a few literals
//!    occurs in one field (`Image|endswith: '\whoami.exe'` and'ed with anything needs
//!    `\whoami.exe` in the image path). Within a bucket, the literals of all rules keyed on
//!    the same event path form one list, scanned once per event over that field by a SIMD
//!    searcher whose matches name the literals (an Aho-Corasick automaton for long lists and
//!    texts with many occurrences); only rules whose literal was found, plus the rules
//!    without such a set, are evaluated.
//!
//! Nothing is allocated per event: the candidate list and the marks live in a per-thread
//! scratch buffer.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde_json::Value as Json;
use vigie_event::Event;

use crate::detection::{KEYWORDS, lookup_first};
use crate::mapping::Mapping;
use crate::rule::Rule;

/// Shortest literal worth prefiltering on; rules whose best required set has a shorter one
/// are always evaluated.
const MIN_LITERAL: usize = 3;

/// One way a rule can run: the rule and which of its variants.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target {
    pub(crate) rule: u32,
    pub(crate) variant: u32,
}

/// The rules that can run on one kind of event.
#[derive(Debug, Default)]
pub(crate) struct Bucket {
    /// Targets evaluated on every event of the bucket.
    always: Vec<u32>,
    /// Targets evaluated when a literal is found in a field.
    keyed: Vec<KeyFilter>,
    /// Every target of the bucket, for reports.
    pub(crate) size: usize,
}

#[derive(Debug)]
struct KeyFilter {
    /// The event paths of the field scanned; empty for keyword literals (every string).
    paths: Box<[String]>,
    /// The literals' automata, shared by every bucket with the same literal list.
    matcher: Arc<Literals>,
    /// Clauses satisfied by pattern `i`: `clauses[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
    clauses: Vec<u32>,
    /// Every clause of this filter, deduplicated (for non-string field values).
    all: Vec<u32>,
}

/// A map keyed by what the rules name (channels, event ids), looked up with every event:
/// hashed with [`FastHasher`] rather than SipHash. Its keys come from the rules only; event
/// data only probes it, so no sender can make its buckets collide.
type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;

/// The multiply-rotate hash of the Firefox and rustc hash maps, eight bytes at a time. Not
/// resistant to chosen collisions: for tables whose keys the data cannot choose, or where a
/// collision costs only a comparison (the event store's tokenizer uses it so).
#[derive(Debug, Default)]
pub struct FastHasher(u64);

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            // The rest as a zero-padded little-endian word, gathered byte by byte: copying
            // it into a padded array was a `memcpy` call per hashed word.
            let word = rest
                .iter()
                .rev()
                .fold(0u64, |word, &b| (word << 8) | u64::from(b));
            self.add(word);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_i64(&mut self, n: i64) {
        self.add(n as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[derive(Debug, Default)]
struct ChannelIndex {
    by_id: FastMap<i64, Bucket>,
    rest: Bucket,
}

#[derive(Debug, Default)]
struct SourceIndex {
    channels: FastMap<Box<[u8]>, ChannelIndex>,
    other: Bucket,
}

/// The compiled index of a rule set.
#[derive(Debug, Default)]
pub(crate) struct Index {
    pub(crate) targets: Vec<Target>,
    /// Number of literal clauses each target needs satisfied (0: evaluated always).
    clause_count: Vec<u8>,
    /// The target of each clause.
    clause_target: Vec<u32>,
    sources: Vec<SourceIndex>,
    /// By source type (`linux.sysmon`) or custom product alone (`myapp`).
    types: FastMap<Box<[u8]>, ChannelIndex>,
    /// Events of a source type no rule runs on.
    empty: Bucket,
    generic: Bucket,
    /// Every distinct literal list of the buckets (their automata are built on first use).
    literal_sets: Vec<Arc<Literals>>,
}

/// Most literal clauses kept per rule (the longest literals first).
const MAX_CLAUSES: usize = 3;

/// A target's clauses resolved to event paths: (clause id, [(paths id, literal id)]), ids
/// from [`Interned`].
type Resolved = Vec<(u32, Vec<(u32, u32)>)>;

/// Event path lists and lowercase literals of an index being built, each stored once and
/// named by its number (buckets repeat the same ones thousands of times).
#[derive(Default)]
struct Interned {
    paths: Vec<Box<[String]>>,
    path_ids: HashMap<Box<[String]>, u32>,
    literals: Vec<String>,
    literal_ids: HashMap<String, u32>,
}

impl Interned {
    fn path(&mut self, paths: &[String]) -> u32 {
        if let Some(&id) = self.path_ids.get(paths) {
            return id;
        }
        let id = self.paths.len() as u32;
        self.paths.push(paths.into());
        self.path_ids.insert(paths.into(), id);
        id
    }

    fn literal(&mut self, literal: &str) -> u32 {
        let lower = literal.to_ascii_lowercase();
        if let Some(&id) = self.literal_ids.get(&lower) {
            return id;
        }
        let id = self.literals.len() as u32;
        self.literals.push(lower.clone());
        self.literal_ids.insert(lower, id);
        id
    }
}

/// Figures about the index, for benchmarks and reports.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct IndexStats {
    /// (rule, route) pairs.
    pub targets: usize,
    /// Buckets (kinds of events with their own rule list).
    pub buckets: usize,
    /// Targets evaluated on every event of their bucket (summed over buckets).
    pub unkeyed: usize,
    /// Targets behind a literal prefilter (summed over buckets).
    pub keyed: usize,
    /// Literal automata (one per bucket and field).
    pub automata: usize,
    /// Distinct literal lists among them (buckets share the automata of equal lists).
    pub distinct_automata: usize,
}

/// A list of lowercase literals and their automata, built on first use (an index has
/// hundreds; a stream usually reaches a few kinds of events).
#[derive(Debug)]
struct Literals {
    patterns: Vec<String>,
    built: OnceLock<Automata>,
}

/// The automata finding a list of lowercase literals.
#[derive(Debug)]
struct Automata {
    automaton: Option<AhoCorasick>,
    /// A SIMD searcher over the same literals (when they are few enough), reporting one
    /// literal at each position where literals start: most texts contain none and are done
    /// after one vectorised pass.
    quick: Option<aho_corasick::packed::Searcher>,
    /// For each literal, the literals it starts with (itself included), found wherever it
    /// is, and the longer literals starting with it, compared where it is found.
    related: Vec<Related>,
}

/// The literals found, or worth comparing, where one literal is found.
#[derive(Debug, Default)]
struct Related {
    prefixes: Vec<u32>,
    extensions: Vec<u32>,
}

/// Literal occurrences taken from the SIMD searcher (one call each) before the rest of the
/// text is scanned by the automaton in one pass.
const GUIDED_MATCHES: usize = 16;

impl Literals {
    fn automata(&self) -> &Automata {
        self.built.get_or_init(|| Automata::new(&self.patterns))
    }
}

impl Automata {
    fn new(patterns: &[String]) -> Automata {
        // Literals are lowercase and texts are lowercased before the scan.
        // `None`: too large for an automaton; every text then satisfies every literal.
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .kind(crate::pattern::automaton_kind(
                patterns.iter().map(String::len).sum(),
            ))
            .build(patterns)
            .ok();
        let quick = automaton
            .as_ref()
            .and_then(|_| aho_corasick::packed::Searcher::new(patterns));
        // The searcher reports one literal per start; any other literal starting at the same
        // position is a prefix of it or starts with it.
        let related = match quick {
            Some(_) => patterns
                .iter()
                .map(|p| {
                    let mut related = Related::default();
                    for (q, other) in patterns.iter().enumerate() {
                        if p.starts_with(other.as_str()) {
                            related.prefixes.push(q as u32);
                        } else if other.starts_with(p.as_str()) {
                            related.extensions.push(q as u32);
                        }
                    }
                    related
                })
                .collect(),
            None => Vec::new(),
        };
        Automata {
            automaton,
            quick,
            related,
        }
    }
}

/// Literal lists already compiled while building an index.
type LiteralCache = HashMap<Vec<u32>, Arc<Literals>>;

#[derive(Default)]
struct Scratch {
    /// Per clause: the epoch it was last satisfied in.
    clause_marks: Vec<u32>,
    /// Per target: the epoch of `counts`, and how many clauses are satisfied.
    target_epoch: Vec<u32>,
    counts: Vec<u8>,
    epoch: u32,
    candidates: Vec<u32>,
    /// The text being scanned, ASCII-lowercased (the automata are case-sensitive over
    /// lowercase literals, which lets them use their SIMD prefilters).
    lower: Vec<u8>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Where an event goes: its source type, or the Windows source that claims it, its channel
/// and id (neither: events of custom rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Class {
    pub(crate) source: Option<usize>,
    pub(crate) channel: Option<String>,
    pub(crate) event_id: Option<i64>,
    pub(crate) typed: Option<String>,
}

/// The source type that routes `event`: its own, unless a Windows one (Windows events are
/// routed by channel).
pub(crate) fn routed_type(event: &Event) -> Option<&str> {
    event
        .source_type
        .as_deref()
        .filter(|t| !t.starts_with("windows."))
}

/// Whether a variant keyed `key` (a source type, or a product alone) runs on events of
/// source type `typed`.
pub(crate) fn type_key_matches(key: &str, typed: &str) -> bool {
    key == typed
        || (!key.contains('.')
            && typed
                .strip_prefix(key)
                .is_some_and(|rest| rest.starts_with('.')))
}

/// The product part of a source type (`linux` of `linux.sysmon`).
fn product_of(typed: &str) -> &str {
    typed.split('.').next().unwrap_or(typed)
}

/// Reads an event id: a JSON integer or a string of digits.
fn event_id(value: &Json) -> Option<i64> {
    match value {
        Json::Number(n) => n.as_i64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The event id of an event of source type `typed`, read where the mapping says that type
/// keeps it.
fn typed_event_id(mapping: &Mapping, event: &Event, typed: &str) -> Option<i64> {
    mapping
        .types
        .get(typed)
        .and_then(|t| lookup_first(event, &t.event_id))
        .and_then(event_id)
}

/// Classifies an event against the mapping's sources.
pub(crate) fn classify(mapping: &Mapping, event: &Event) -> Class {
    if let Some(typed) = routed_type(event) {
        return Class {
            source: None,
            channel: None,
            event_id: typed_event_id(mapping, event, typed),
            typed: Some(typed.to_owned()),
        };
    }
    for (index, source) in mapping.sources.iter().enumerate() {
        if let Some(channel) = lookup_first(event, &source.channel).and_then(Json::as_str) {
            return Class {
                source: Some(index),
                channel: Some(channel.to_ascii_lowercase()),
                event_id: lookup_first(event, &source.event_id).and_then(event_id),
                typed: None,
            };
        }
    }
    Class {
        source: None,
        channel: None,
        event_id: None,
        typed: None,
    }
}

impl Index {
    /// Builds the index of `rules` (their variants already resolved).
    pub(crate) fn build(mapping: &Mapping, rules: &[Rule]) -> Index {
        let mut index = Index {
            sources: (0..mapping.sources.len())
                .map(|_| SourceIndex::default())
                .collect(),
            ..Index::default()
        };
        let mut interned = Interned::default();
        // Per rule: its clauses, each a list of (field slot, literal id).
        let clauses: Vec<Vec<Vec<(u16, u32)>>> = rules
            .iter()
            .map(|rule| {
                let shortest = |c: &crate::detection::Required| {
                    c.iter().map(|(_, l)| l.len()).min().unwrap_or(0)
                };
                let mut list = rule.required();
                list.retain(|c| shortest(c) >= MIN_LITERAL);
                list.sort_by_key(|c| std::cmp::Reverse(shortest(c)));
                list.truncate(MAX_CLAUSES);
                list.iter()
                    .map(|clause| {
                        clause
                            .iter()
                            .map(|(slot, literal)| (*slot, interned.literal(literal)))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let keywords = interned.path(&[]);
        // Target lists per key, in rule order.
        type Key = (usize, Option<String>, Option<i64>);
        let mut keyed: BTreeMap<Key, Vec<u32>> = BTreeMap::new();
        let mut everywhere: Vec<Vec<u32>> = vec![Vec::new(); mapping.sources.len()];
        let mut generic = Vec::new();
        // Per source type (or custom product) and event id (`None`: every event of it).
        let mut typed: BTreeMap<(Box<str>, Option<i64>), Vec<u32>> = BTreeMap::new();
        for (r, rule) in rules.iter().enumerate() {
            for (v, variant) in rule.variants.iter().enumerate() {
                let id = index.targets.len() as u32;
                index.targets.push(Target {
                    rule: r as u32,
                    variant: v as u32,
                });
                if let Some(key) = &variant.source_type {
                    match &variant.event_ids {
                        Some(ids) => {
                            for event_id in ids {
                                typed
                                    .entry((key.clone(), Some(*event_id)))
                                    .or_default()
                                    .push(id);
                            }
                        }
                        None => typed.entry((key.clone(), None)).or_default().push(id),
                    }
                    continue;
                }
                match (variant.source, &variant.channels) {
                    (None, _) => generic.push(id),
                    (Some(s), None) => everywhere[s].push(id),
                    (Some(s), Some(channels)) => {
                        for channel in channels {
                            match &variant.event_ids {
                                Some(ids) => {
                                    for event_id in ids {
                                        keyed
                                            .entry((s, Some(channel.clone()), Some(*event_id)))
                                            .or_default()
                                            .push(id);
                                    }
                                }
                                None => keyed
                                    .entry((s, Some(channel.clone()), None))
                                    .or_default()
                                    .push(id),
                            }
                        }
                    }
                }
            }
        }
        // Each target's clauses on the paths of its variant; `None`: it cannot match.
        let mut resolved: Vec<Option<Resolved>> = Vec::with_capacity(index.targets.len());
        for (t, target) in index.targets.iter().enumerate() {
            let rule = &rules[target.rule as usize];
            let table = &rule.tables[rule.variants[target.variant as usize].table];
            let mut list = Vec::new();
            let mut possible = true;
            for clause in &clauses[target.rule as usize] {
                let usable: Vec<(u32, u32)> = clause
                    .iter()
                    .filter_map(|&(slot, literal)| {
                        // Keywords: no path, every string of the event is scanned.
                        if slot == KEYWORDS {
                            return Some((keywords, literal));
                        }
                        // A literal in a field this kind of event does not carry is never found.
                        let paths = table.paths.get(usize::from(slot))?.as_ref()?;
                        Some((interned.path(paths), literal))
                    })
                    .collect();
                if usable.is_empty() {
                    possible = false;
                    break;
                }
                list.push((index.clause_target.len() as u32, usable));
                index.clause_target.push(t as u32);
            }
            index
                .clause_count
                .push(if possible { list.len() as u8 } else { 0 });
            resolved.push(possible.then_some(list));
        }
        let mut cache = LiteralCache::new();
        let mut make = |mut ids: Vec<u32>| -> Bucket {
            ids.sort_unstable();
            ids.dedup();
            Bucket::build(ids, &resolved, &interned, &mut cache)
        };
        let mut sources: Vec<SourceIndex> = (0..mapping.sources.len())
            .map(|_| SourceIndex::default())
            .collect();
        for (s, source) in sources.iter_mut().enumerate() {
            source.other = make(everywhere[s].clone());
        }
        // Channel-wide targets first, then the per-id buckets that include them.
        let mut channel_wide: HashMap<(usize, String), Vec<u32>> = HashMap::new();
        for ((s, channel, id), ids) in &keyed {
            if id.is_none()
                && let Some(channel) = channel
            {
                channel_wide.insert((*s, channel.clone()), ids.clone());
            }
        }
        for ((s, channel, id), ids) in &keyed {
            let Some(channel) = channel else { continue };
            let wide = channel_wide
                .get(&(*s, channel.clone()))
                .cloned()
                .unwrap_or_default();
            let entry = sources[*s]
                .channels
                .entry(channel.as_bytes().into())
                .or_insert_with(|| ChannelIndex {
                    by_id: FastMap::default(),
                    rest: make(wide.iter().chain(&everywhere[*s]).copied().collect()),
                });
            if let Some(id) = id {
                let all: Vec<u32> = ids
                    .iter()
                    .chain(&wide)
                    .chain(&everywhere[*s])
                    .copied()
                    .collect();
                entry.by_id.insert(*id, make(all));
            }
        }
        // Each type's bucket holds its own whole-type targets, those of its product alone
        // (custom rules naming no service), and per event id the targets of that id too.
        let whole = |key: &str| -> Vec<u32> {
            let mut ids = typed
                .get(&(Box::from(key), None))
                .cloned()
                .unwrap_or_default();
            if key.contains('.')
                && let Some(product) = typed.get(&(Box::from(product_of(key)), None))
            {
                ids.extend(product);
            }
            ids
        };
        let keys: std::collections::BTreeSet<Box<str>> =
            typed.keys().map(|(k, _)| k.clone()).collect();
        let mut types: FastMap<Box<[u8]>, ChannelIndex> = FastMap::default();
        for key in &keys {
            let rest = whole(key);
            let mut entry = ChannelIndex {
                by_id: FastMap::default(),
                rest: make(rest.clone()),
            };
            for ((k, id), ids) in typed.range((key.clone(), None)..) {
                if k != key {
                    break;
                }
                if let Some(id) = id {
                    entry
                        .by_id
                        .insert(*id, make(ids.iter().chain(&rest).copied().collect()));
                }
            }
            types.insert(key.as_bytes().into(), entry);
        }
        index.types = types;
        index.generic = make(generic);
        index.sources = sources;
        index.literal_sets = cache.into_values().collect();
        index
    }

    /// Builds every literal automaton now rather than on first use.
    pub(crate) fn build_automata(&self) {
        for set in &self.literal_sets {
            set.automata();
        }
    }

    /// Figures about the index.
    pub(crate) fn stats(&self) -> IndexStats {
        let mut stats = IndexStats {
            targets: self.targets.len(),
            distinct_automata: self.literal_sets.len(),
            ..IndexStats::default()
        };
        let mut add = |bucket: &Bucket| {
            stats.buckets += 1;
            stats.unkeyed += bucket.always.len();
            stats.keyed += bucket.size - bucket.always.len();
            stats.automata += bucket.keyed.len();
        };
        add(&self.generic);
        for typed in self.types.values() {
            add(&typed.rest);
            typed.by_id.values().for_each(&mut add);
        }
        for source in &self.sources {
            add(&source.other);
            for channel in source.channels.values() {
                add(&channel.rest);
                channel.by_id.values().for_each(&mut add);
            }
        }
        stats
    }

    /// The bucket of an event.
    pub(crate) fn bucket(&self, mapping: &Mapping, event: &Event) -> &Bucket {
        if let Some(typed) = routed_type(event) {
            let Some(index) = self
                .types
                .get(typed.as_bytes())
                .or_else(|| self.types.get(product_of(typed).as_bytes()))
            else {
                return &self.empty;
            };
            if index.by_id.is_empty() {
                return &index.rest;
            }
            return typed_event_id(mapping, event, typed)
                .and_then(|id| index.by_id.get(&id))
                .unwrap_or(&index.rest);
        }
        for (s, source) in mapping.sources.iter().enumerate() {
            let Some(channel) = lookup_first(event, &source.channel).and_then(Json::as_str) else {
                continue;
            };
            let index = &self.sources[s];
            let mut buffer = [0u8; 128];
            let lowered: std::borrow::Cow<'_, [u8]> = if channel.len() <= buffer.len() {
                let slot = &mut buffer[..channel.len()];
                slot.copy_from_slice(channel.as_bytes());
                slot.make_ascii_lowercase();
                std::borrow::Cow::Borrowed(&buffer[..channel.len()])
            } else {
                std::borrow::Cow::Owned(channel.to_ascii_lowercase().into_bytes())
            };
            let Some(channel) = index.channels.get(lowered.as_ref()) else {
                return &index.other;
            };
            let id = lookup_first(event, &source.event_id).and_then(event_id);
            return id
                .and_then(|id| channel.by_id.get(&id))
                .unwrap_or(&channel.rest);
        }
        &self.generic
    }

    /// Calls `visit` with each candidate target of the event, in rule order, each once.
    pub(crate) fn candidates(
        &self,
        mapping: &Mapping,
        event: &Event,
        visit: &mut dyn FnMut(Target),
    ) {
        let bucket = self.bucket(mapping, event);
        if bucket.keyed.is_empty() {
            for &t in &bucket.always {
                visit(self.targets[t as usize]);
            }
            return;
        }
        SCRATCH.with(|cell| {
            let mut guard = cell.borrow_mut();
            let scratch = &mut *guard;
            if scratch.clause_marks.len() < self.clause_target.len() {
                scratch.clause_marks.resize(self.clause_target.len(), 0);
            }
            if scratch.target_epoch.len() < self.targets.len() {
                scratch.target_epoch.resize(self.targets.len(), 0);
                scratch.counts.resize(self.targets.len(), 0);
            }
            scratch.epoch = scratch.epoch.wrapping_add(1);
            if scratch.epoch == 0 {
                scratch.clause_marks.iter_mut().for_each(|m| *m = 0);
                scratch.target_epoch.iter_mut().for_each(|m| *m = 0);
                scratch.epoch = 1;
            }
            scratch.candidates.clear();
            scratch.candidates.extend_from_slice(&bucket.always);
            for filter in &bucket.keyed {
                filter.collect(event, scratch, self);
            }
            let mut candidates = std::mem::take(&mut scratch.candidates);
            drop(guard);
            candidates.sort_unstable();
            candidates.dedup();
            for &t in &candidates {
                visit(self.targets[t as usize]);
            }
            cell.borrow_mut().candidates = candidates;
        });
    }
}

impl KeyFilter {
    fn collect(&self, event: &Event, scratch: &mut Scratch, index: &Index) {
        if self.paths.is_empty() {
            // Keyword literals: every string value of the event, as keyword searches see it,
            // lowercased into one buffer and scanned once. Strings are separated by 0xFF,
            // a byte that UTF-8 text (and so no literal) contains: no match spans two.
            let mut lower = std::mem::take(&mut scratch.lower);
            lower.clear();
            for value in event.fields.values() {
                append_strings(value, &mut lower);
            }
            self.scan_lowercase(&lower, scratch, index);
            scratch.lower = lower;
            return;
        }
        let Some(value) = lookup_first(event, &self.paths) else {
            return;
        };
        match value {
            Json::String(text) => self.scan(text, scratch, index),
            Json::Array(items) => {
                for item in items {
                    match item {
                        Json::String(text) => self.scan(text, scratch, index),
                        Json::Null => {}
                        _ => self.satisfy_all(scratch, index),
                    }
                }
            }
            Json::Null => {}
            Json::Bool(b) => self.scan(if *b { "true" } else { "false" }, scratch, index),
            Json::Number(n) => match n.as_i64() {
                // Integers (event ids, ports) are scanned as their decimal text, formatted
                // on the stack.
                Some(i) => {
                    let mut buffer = [0u8; 24];
                    self.scan(decimal(i, &mut buffer), scratch, index);
                }
                None => self.satisfy_all(scratch, index),
            },
            Json::Object(_) => self.satisfy_all(scratch, index),
        }
    }

    fn scan(&self, text: &str, scratch: &mut Scratch, index: &Index) {
        let mut lower = std::mem::take(&mut scratch.lower);
        lower.clear();
        lower.extend_from_slice(text.as_bytes());
        lower.make_ascii_lowercase();
        self.scan_lowercase(&lower, scratch, index);
        scratch.lower = lower;
    }

    /// Satisfies the clauses of every literal found in `lower` (ASCII-lowercased text).
    fn scan_lowercase(&self, lower: &[u8], scratch: &mut Scratch, index: &Index) {
        let automata = self.matcher.automata();
        let Some(automaton) = &automata.automaton else {
            self.satisfy_all(scratch, index);
            return;
        };
        let mut at = 0;
        if let Some(quick) = &automata.quick {
            // The SIMD searcher finds, from `at`, the leftmost position where literals start
            // and one literal starting there; the others starting there are its prefixes
            // (found too) or longer literals starting with it (compared). Restarting one
            // byte further visits every position where a literal starts, so nothing is
            // missed; a text with many occurrences (a literal every event contains, e.g.
            // `ntdll.dll` in a call trace) gets the automaton over the rest.
            let patterns = &self.matcher.patterns;
            for _ in 0..GUIDED_MATCHES {
                let span = aho_corasick::Span::from(at..lower.len());
                let Some(found) = quick.find_in(lower, span) else {
                    return;
                };
                let related = &automata.related[found.pattern().as_usize()];
                for &p in &related.prefixes {
                    self.satisfy_pattern(p as usize, scratch, index);
                }
                let rest = &lower[found.start()..];
                for &p in &related.extensions {
                    if rest.starts_with(patterns[p as usize].as_bytes()) {
                        self.satisfy_pattern(p as usize, scratch, index);
                    }
                }
                at = found.start() + 1;
                if at >= lower.len() {
                    return;
                }
            }
        }
        self.satisfy_found(automaton, &lower[at..], scratch, index);
    }

    /// Satisfies the clauses of literal `p`.
    fn satisfy_pattern(&self, p: usize, scratch: &mut Scratch, index: &Index) {
        let range = self.starts[p] as usize..self.starts[p + 1] as usize;
        for &clause in &self.clauses[range] {
            satisfy(clause, scratch, index);
        }
    }

    /// Satisfies the clauses of every literal the automaton finds in `text`.
    fn satisfy_found(
        &self,
        automaton: &AhoCorasick,
        text: &[u8],
        scratch: &mut Scratch,
        index: &Index,
    ) {
        for found in automaton.find_overlapping_iter(text) {
            self.satisfy_pattern(found.pattern().as_usize(), scratch, index);
        }
    }

    fn satisfy_all(&self, scratch: &mut Scratch, index: &Index) {
        for &clause in &self.all {
            satisfy(clause, scratch, index);
        }
    }
}

/// Appends every string in `value` (nested ones included), ASCII-lowercased as it is
/// copied, each followed by 0xFF.
fn append_strings(value: &Json, lower: &mut Vec<u8>) {
    match value {
        Json::String(text) => {
            lower.extend(text.bytes().map(|b| b.to_ascii_lowercase()));
            lower.push(0xFF);
        }
        Json::Array(items) => items.iter().for_each(|item| append_strings(item, lower)),
        Json::Object(map) => map.values().for_each(|item| append_strings(item, lower)),
        _ => {}
    }
}

/// The decimal text of `n`, written at the end of `buffer`.
fn decimal(n: i64, buffer: &mut [u8; 24]) -> &str {
    let mut at = buffer.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        buffer[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        at -= 1;
        buffer[at] = b'-';
    }
    std::str::from_utf8(&buffer[at..]).unwrap_or_default()
}

/// Records a satisfied clause; its target becomes a candidate when all its clauses are.
fn satisfy(clause: u32, scratch: &mut Scratch, index: &Index) {
    let mark = &mut scratch.clause_marks[clause as usize];
    if *mark == scratch.epoch {
        return;
    }
    *mark = scratch.epoch;
    let t = index.clause_target[clause as usize] as usize;
    if scratch.target_epoch[t] != scratch.epoch {
        scratch.target_epoch[t] = scratch.epoch;
        scratch.counts[t] = 0;
    }
    scratch.counts[t] += 1;
    if scratch.counts[t] == index.clause_count[t] {
        scratch.candidates.push(t as u32);
    }
}

impl Bucket {
    fn build(
        ids: Vec<u32>,
        resolved: &[Option<Resolved>],
        interned: &Interned,
        cache: &mut LiteralCache,
    ) -> Bucket {
        let mut bucket = Bucket {
            size: ids.len(),
            ..Bucket::default()
        };
        // Event paths → literal → clauses (by interned id).
        let mut by_path: BTreeMap<u32, BTreeMap<u32, Vec<u32>>> = BTreeMap::new();
        for id in ids {
            match &resolved[id as usize] {
                // The rule cannot match this kind of event.
                None => bucket.size -= 1,
                Some(clauses) if clauses.is_empty() => bucket.always.push(id),
                Some(clauses) => {
                    for (clause, literals) in clauses {
                        for &(paths, literal) in literals {
                            by_path
                                .entry(paths)
                                .or_default()
                                .entry(literal)
                                .or_default()
                                .push(*clause);
                        }
                    }
                }
            }
        }
        for (paths, literals) in by_path {
            let mut starts = vec![0u32];
            let mut list = Vec::new();
            for ids in literals.values() {
                list.extend_from_slice(ids);
                starts.push(list.len() as u32);
            }
            let mut all = list.clone();
            all.sort_unstable();
            all.dedup();
            let ids: Vec<u32> = literals.keys().copied().collect();
            let matcher = Arc::clone(cache.entry(ids).or_insert_with_key(|ids| {
                Arc::new(Literals {
                    patterns: ids
                        .iter()
                        .map(|&l| interned.literals[l as usize].clone())
                        .collect(),
                    built: OnceLock::new(),
                })
            }));
            bucket.keyed.push(KeyFilter {
                paths: interned.paths[paths as usize].clone(),
                matcher,
                starts,
                clauses: list,
                all,
            });
        }
        bucket
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimal_text() {
        let mut buffer = [0u8; 24];
        for n in [0, 7, 4688, -12, i64::MAX, i64::MIN] {
            assert_eq!(super::decimal(n, &mut buffer), n.to_string());
        }
    }
}
