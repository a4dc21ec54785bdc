//! The tamper-evident audit log (invariant 6).
//!
//! Every login, failed authorisation and change to users, tenants, tokens, suppressions,
//! alerts and incidents is one [`AuditEntry`], written in the same transaction as the change.
//! Entries form a hash chain:
//!
//! ```text
//! hash(n) = SHA-256( "vigie-audit-v1" ‖ seq ‖ at ‖ actor ‖ tenant ‖ action ‖ object
//!                    ‖ SHA-256(payload) ‖ hash(n-1) )
//! ```
//!
//! with every field length-prefixed (u64 big-endian) so no two entries encode alike, and
//! `hash(0)` = 32 zero bytes. Editing, deleting, reordering or inserting an entry breaks the
//! chain at that point. An attacker with write access to the database but not the signing
//! key can rewrite the whole chain with fresh hashes; what catches that are the **signed
//! checkpoints**: [`Checkpointer`] signs `(seq, hash)` of the chain head with Ed25519 every
//! few seconds and appends it to a file outside the database (one JSON object per line).
//! [`verify`] checks the chain and every checkpoint against it: a checkpoint whose entry is
//! missing (truncated tail, rollback to an older copy) or whose hash differs (rewritten chain)
//! fails. A truncation inside the last checkpoint window (entries after the newest
//! checkpoint) cannot be detected; that window is the checkpoint interval
//! (`[audit] checkpoint_seconds`, default 10 s).
//!
//! The checkpoint file only helps if whoever can roll the database back cannot roll the file
//! back too: it lives outside the data directory. Checkpoints only move forward, so
//! [`verify`] also fails when one names a lower entry than a checkpoint before it (the
//! database was rolled back and the server signed the older head), and [`verify_exported`]
//! when the file is missing or empty although the chain holds entries a running server
//! would have signed. [`Checkpointer`] refuses to sign a head below its last one.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use vigie_event::TenantId;

/// What an audit entry records before it is chained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    /// Who: `user:NAME`, `token:ID`, `operator`, `system`, or `anonymous` for a failed login.
    pub actor: String,
    /// The tenant the object belongs to, `None` for platform-wide objects.
    pub tenant: Option<TenantId>,
    /// What happened: `login.success`, `incident.update`, ...
    pub action: String,
    /// What it happened to: `incident:12`, `user:alice`, ...
    pub object: String,
    /// Details (JSON), e.g. the changed fields. Never a secret.
    pub payload: serde_json::Value,
}

impl AuditRecord {
    /// A record with a JSON payload.
    pub fn new(
        actor: impl Into<String>,
        tenant: Option<TenantId>,
        action: impl Into<String>,
        object: impl Into<String>,
        payload: serde_json::Value,
    ) -> Self {
        Self {
            actor: actor.into(),
            tenant,
            action: action.into(),
            object: object.into(),
            payload,
        }
    }
}

/// One stored entry of the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// When, in microseconds since the Unix epoch.
    pub at_us: i64,
    /// Who.
    pub actor: String,
    /// Which tenant.
    pub tenant: Option<i64>,
    /// What happened.
    pub action: String,
    /// To what.
    pub object: String,
    /// The payload as stored (JSON text).
    pub payload: String,
    /// SHA-256 of `payload`.
    #[serde(with = "hex32")]
    pub payload_hash: [u8; 32],
    /// The previous entry's hash (zeros for the first).
    #[serde(with = "hex32")]
    pub prev_hash: [u8; 32],
    /// This entry's hash.
    #[serde(with = "hex32")]
    pub hash: [u8; 32],
}

mod hex32 {
    pub(super) fn serialize<S: serde::Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }
}

/// The hash before the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

fn field(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

/// SHA-256 of a payload's stored text.
pub fn payload_hash(payload: &str) -> [u8; 32] {
    Sha256::digest(payload.as_bytes()).into()
}

/// The hash of an entry from its fields (see the module documentation).
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    seq: i64,
    at_us: i64,
    actor: &str,
    tenant: Option<i64>,
    action: &str,
    object: &str,
    payload_hash: &[u8; 32],
    prev_hash: &[u8; 32],
) -> [u8; 32] {
    let mut hasher = Sha256::new();
    field(&mut hasher, b"vigie-audit-v1");
    field(&mut hasher, &seq.to_be_bytes());
    field(&mut hasher, &at_us.to_be_bytes());
    field(&mut hasher, actor.as_bytes());
    match tenant {
        Some(t) => field(&mut hasher, &t.to_be_bytes()),
        None => field(&mut hasher, b""),
    }
    field(&mut hasher, action.as_bytes());
    field(&mut hasher, object.as_bytes());
    field(&mut hasher, payload_hash);
    field(&mut hasher, prev_hash);
    hasher.finalize().into()
}

impl AuditEntry {
    /// Builds the entry that follows `prev` (`(0, GENESIS)` for the first).
    pub fn chain(prev: (i64, [u8; 32]), at_us: i64, record: &AuditRecord) -> Self {
        let payload = record.payload.to_string();
        let payload_hash = payload_hash(&payload);
        let seq = prev.0 + 1;
        let tenant = record.tenant.map(|t| t.0);
        let hash = entry_hash(
            seq,
            at_us,
            &record.actor,
            tenant,
            &record.action,
            &record.object,
            &payload_hash,
            &prev.1,
        );
        Self {
            seq,
            at_us,
            actor: record.actor.clone(),
            tenant,
            action: record.action.clone(),
            object: record.object.clone(),
            payload,
            payload_hash,
            prev_hash: prev.1,
            hash,
        }
    }

    /// The hash recomputed from the stored fields (payload included).
    pub fn recomputed_hash(&self) -> [u8; 32] {
        entry_hash(
            self.seq,
            self.at_us,
            &self.actor,
            self.tenant,
            &self.action,
            &self.object,
            &payload_hash(&self.payload),
            &self.prev_hash,
        )
    }
}

/// A signed statement "the chain had `hash` at `seq`", one line of the checkpoint file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Sequence number of the head entry.
    pub seq: i64,
    /// Its hash, hex.
    pub hash: String,
    /// When it was signed, RFC 3339.
    pub signed_at: Timestamp,
    /// Ed25519 signature over [`Checkpoint::message`], hex.
    pub signature: String,
}

impl Checkpoint {
    /// The signed bytes: `vigie-audit-checkpoint-v1 ‖ seq ‖ hash`.
    pub fn message(seq: i64, hash: &[u8; 32]) -> Vec<u8> {
        let mut m = b"vigie-audit-checkpoint-v1".to_vec();
        m.extend_from_slice(&seq.to_be_bytes());
        m.extend_from_slice(hash);
        m
    }

    /// Signs the head `(seq, hash)`.
    pub fn sign(key: &SigningKey, seq: i64, hash: &[u8; 32]) -> Self {
        let signature = key.sign(&Self::message(seq, hash));
        Self {
            seq,
            hash: hex::encode(hash),
            signed_at: Timestamp::now(),
            signature: hex::encode(signature.to_bytes()),
        }
    }

    /// Whether the signature is `key`'s over this checkpoint's `(seq, hash)`.
    pub fn signature_valid(&self, key: &VerifyingKey) -> bool {
        let Ok(hash) = hex::decode(&self.hash) else {
            return false;
        };
        let Ok(hash) = <[u8; 32]>::try_from(hash.as_slice()) else {
            return false;
        };
        let Ok(sig) = hex::decode(&self.signature) else {
            return false;
        };
        let Ok(sig) = Signature::from_slice(&sig) else {
            return false;
        };
        key.verify(&Self::message(self.seq, &hash), &sig).is_ok()
    }
}

/// Errors of the key and checkpoint files.
#[derive(Debug, thiserror::Error)]
pub enum AuditFileError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file's content is not what it should be.
    #[error("{path} line {line}: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// 1-based line number (0 for the whole file).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The head to sign does not continue the newest checkpoint of the file.
    #[error(
        "{path}: refusing to sign entry {head}: the newest checkpoint is at entry {last} {why} \
         (the database was rolled back or its chain rewritten; `vigie audit verify` shows it)"
    )]
    Backwards {
        /// The checkpoint file.
        path: PathBuf,
        /// The head offered.
        head: i64,
        /// The newest checkpoint's entry.
        last: i64,
        /// How it conflicts.
        why: &'static str,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> AuditFileError + '_ {
    move |source| AuditFileError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Loads the signing key (64 hex digits: the Ed25519 seed), creating it (mode 0600) with a
/// fresh random seed when absent, and writes the public key beside it (`<key>.pub`, hex).
pub fn load_or_create_key(path: &Path) -> Result<SigningKey, AuditFileError> {
    let key = match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes = hex::decode(text.trim()).map_err(|e| AuditFileError::Format {
                path: path.to_owned(),
                line: 1,
                reason: format!("not hex: {e}"),
            })?;
            let seed: [u8; 32] =
                bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| AuditFileError::Format {
                        path: path.to_owned(),
                        line: 1,
                        reason: format!("expected 32 bytes, found {}", bytes.len()),
                    })?;
            SigningKey::from_bytes(&seed)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io_err(parent))?;
            }
            let seed: [u8; 32] = rand::random();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(path).map_err(io_err(path))?;
            writeln!(file, "{}", hex::encode(seed)).map_err(io_err(path))?;
            file.sync_all().map_err(io_err(path))?;
            SigningKey::from_bytes(&seed)
        }
        Err(e) => return Err(io_err(path)(e)),
    };
    let public = public_key_path(path);
    let text = format!("{}\n", hex::encode(key.verifying_key().to_bytes()));
    if std::fs::read_to_string(&public).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(&public, text).map_err(io_err(&public))?;
    }
    Ok(key)
}

/// Where the public key of `key_path` is written.
pub fn public_key_path(key_path: &Path) -> PathBuf {
    let mut name = key_path.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Reads a public key file (64 hex digits).
pub fn load_public_key(path: &Path) -> Result<VerifyingKey, AuditFileError> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    let bad = |reason: String| AuditFileError::Format {
        path: path.to_owned(),
        line: 1,
        reason,
    };
    let bytes = hex::decode(text.trim()).map_err(|e| bad(format!("not hex: {e}")))?;
    let bytes: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| bad(format!("expected 32 bytes, found {}", bytes.len())))?;
    VerifyingKey::from_bytes(&bytes).map_err(|e| bad(e.to_string()))
}

/// Opens (creating it with mode 0600 if absent) the checkpoint file for appending.
fn open_checkpoints(path: &Path) -> Result<std::fs::File, AuditFileError> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(io_err(path))
}

/// Creates an empty checkpoint file (mode 0600) if there is none, and fsyncs it: a file that
/// exists from the first start on makes its later disappearance visible.
pub fn create_checkpoint_file(path: &Path) -> Result<(), AuditFileError> {
    open_checkpoints(path)?.sync_all().map_err(io_err(path))
}

/// Appends one checkpoint line to `path` (created with mode 0600) and fsyncs it.
pub fn append_checkpoint(path: &Path, checkpoint: &Checkpoint) -> Result<(), AuditFileError> {
    let mut file = open_checkpoints(path)?;
    let line = serde_json::to_string(checkpoint).map_err(|e| AuditFileError::Format {
        path: path.to_owned(),
        line: 0,
        reason: e.to_string(),
    })?;
    writeln!(file, "{line}").map_err(io_err(path))?;
    file.sync_all().map_err(io_err(path))
}

/// Reads every checkpoint of `path` (a missing file is an empty list; see
/// [`read_checkpoints_if_present`] to tell the two apart).
pub fn read_checkpoints(path: &Path) -> Result<Vec<Checkpoint>, AuditFileError> {
    Ok(read_checkpoints_if_present(path)?.unwrap_or_default())
}

/// Reads every checkpoint of `path`, in file order; `None` if the file does not exist.
pub fn read_checkpoints_if_present(path: &Path) -> Result<Option<Vec<Checkpoint>>, AuditFileError> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path)(e)),
    };
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io_err(path))?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(&line).map_err(|e| AuditFileError::Format {
                path: path.to_owned(),
                line: n + 1,
                reason: e.to_string(),
            })?,
        );
    }
    Ok(Some(out))
}

/// One thing [`verify`] found wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The entry (or checkpoint) sequence number concerned.
    pub seq: i64,
    /// What is wrong.
    pub problem: String,
}

/// The outcome of [`verify`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Entries checked.
    pub entries: u64,
    /// Checkpoints checked.
    pub checkpoints: u64,
    /// Sequence number of the newest checkpoint (entries after it are only chain-checked).
    pub last_checkpoint_seq: Option<i64>,
    /// Everything wrong, in order. Empty means the log is intact.
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    /// Whether nothing is wrong.
    pub fn ok(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Checks a chain, in stored order (by `seq`), against the signed checkpoints (in file
/// order).
///
/// Finds: an entry whose hash does not match its fields (a flipped byte, an edited payload),
/// a gap or repeat in `seq` (deleted or inserted entry), a `prev_hash` that is not the
/// previous entry's hash (deleted, reordered or inserted entry), a checkpoint with a bad
/// signature, a checkpoint whose entry is missing (truncated tail, rollback) or whose hash
/// differs (chain rewritten from before the checkpoint), and checkpoints that go backwards:
/// one names a lower entry than a checkpoint before it, or the same entry with another hash
/// (the database was rolled back or rewritten and the older head signed again).
pub fn verify(
    entries: impl IntoIterator<Item = AuditEntry>,
    checkpoints: &[Checkpoint],
    key: &VerifyingKey,
) -> VerifyReport {
    verify_chain(entries, checkpoints, key).0
}

/// [`verify`], and the sequence number and time (µs) of the first entry.
fn verify_chain(
    entries: impl IntoIterator<Item = AuditEntry>,
    checkpoints: &[Checkpoint],
    key: &VerifyingKey,
) -> (VerifyReport, Option<(i64, i64)>) {
    let mut report = VerifyReport::default();
    let mut wanted: std::collections::BTreeMap<i64, Vec<&Checkpoint>> = Default::default();
    // The newest valid checkpoint so far, in file order.
    let mut newest: Option<&Checkpoint> = None;
    for (n, cp) in checkpoints.iter().enumerate() {
        report.checkpoints += 1;
        if !cp.signature_valid(key) {
            report.findings.push(Finding {
                seq: cp.seq,
                problem: "checkpoint signature is not valid for this public key".into(),
            });
            continue;
        }
        match newest {
            Some(before) if cp.seq < before.seq => report.findings.push(Finding {
                seq: cp.seq,
                problem: format!(
                    "checkpoint {} of the file (entry {}, signed {}) goes back from entry {} \
                     (signed {}): the database was rolled back and its older head signed again",
                    n + 1,
                    cp.seq,
                    cp.signed_at,
                    before.seq,
                    before.signed_at
                ),
            }),
            Some(before) if cp.seq == before.seq && cp.hash != before.hash => {
                report.findings.push(Finding {
                    seq: cp.seq,
                    problem: format!(
                        "checkpoint {} of the file signs entry {} with another hash than the \
                         checkpoint before it: the chain was rewritten and signed again",
                        n + 1,
                        cp.seq
                    ),
                });
            }
            Some(before) if cp.seq <= before.seq => {}
            _ => newest = Some(cp),
        }
        report.last_checkpoint_seq = Some(report.last_checkpoint_seq.unwrap_or(0).max(cp.seq));
        wanted.entry(cp.seq).or_default().push(cp);
    }
    let mut first = None;
    let mut prev: (i64, [u8; 32]) = (0, GENESIS);
    for entry in entries {
        report.entries += 1;
        if first.is_none() {
            first = Some((entry.seq, entry.at_us));
        }
        if entry.seq != prev.0 + 1 {
            report.findings.push(Finding {
                seq: entry.seq,
                problem: format!(
                    "sequence jumps from {} to {} (entry deleted, inserted or reordered)",
                    prev.0, entry.seq
                ),
            });
        }
        if entry.prev_hash != prev.1 {
            report.findings.push(Finding {
                seq: entry.seq,
                problem: "previous-hash link does not match the entry before it".into(),
            });
        }
        if entry.payload_hash != payload_hash(&entry.payload) {
            report.findings.push(Finding {
                seq: entry.seq,
                problem: "payload does not match its stored hash".into(),
            });
        }
        if entry.recomputed_hash() != entry.hash {
            report.findings.push(Finding {
                seq: entry.seq,
                problem: "entry hash does not match its fields".into(),
            });
        }
        if let Some(cps) = wanted.remove(&entry.seq) {
            for cp in cps {
                if cp.hash != hex::encode(entry.hash) {
                    report.findings.push(Finding {
                        seq: entry.seq,
                        problem: "entry differs from the signed checkpoint (chain rewritten)"
                            .into(),
                    });
                }
            }
        }
        prev = (entry.seq, entry.hash);
    }
    for (seq, _) in wanted {
        report.findings.push(Finding {
            seq,
            problem: format!(
                "signed checkpoint at entry {seq} but the chain ends at {} (tail truncated or database rolled back)",
                prev.0
            ),
        });
    }
    (report, first)
}

/// [`verify`], with what the exported checkpoint file itself must show: `checkpoints` is the
/// file's content, `None` when the file does not exist.
///
/// A server signs the head every checkpoint interval and at shutdown, so a chain whose first
/// entry is older than `window` (twice the interval: one for the server to sign, one of
/// slack) must have checkpoints. A missing or empty file then fails: the checkpoints were
/// deleted, moved or rolled back with the data directory (and a chain rewritten meanwhile
/// would pass everything else).
pub fn verify_exported(
    entries: impl IntoIterator<Item = AuditEntry>,
    checkpoints: Option<&[Checkpoint]>,
    key: &VerifyingKey,
    window: std::time::Duration,
    now: Timestamp,
) -> VerifyReport {
    let (mut report, first) = verify_chain(entries, checkpoints.unwrap_or_default(), key);
    let window_us = i64::try_from(window.as_micros()).unwrap_or(i64::MAX);
    if let Some((seq, at_us)) = first
        && checkpoints.is_none_or(<[Checkpoint]>::is_empty)
        && now.as_microsecond().saturating_sub(at_us) > window_us
    {
        let since = Timestamp::from_microsecond(at_us)
            .map_or_else(|_| format!("{at_us} µs"), |t| t.to_string());
        let what = if checkpoints.is_none() {
            "the checkpoint file is missing"
        } else {
            "the checkpoint file holds no checkpoint"
        };
        report.findings.push(Finding {
            seq,
            problem: format!(
                "{what}, but the chain has {} entries since {since}, more than {} s ago: the \
                 checkpoints were deleted, moved or rolled back, or no server ever signed \
                 this chain",
                report.entries,
                window.as_secs()
            ),
        });
    }
    report
}

/// Signs the chain head into the checkpoint file when it moved.
#[derive(Debug)]
pub struct Checkpointer {
    key: SigningKey,
    path: PathBuf,
    /// The newest checkpoint of the file: its entry and hash (hex).
    last: Option<(i64, String)>,
}

impl Checkpointer {
    /// Signs with `key` into `path`. Remembers the newest checkpoint already in the file.
    pub fn new(key: SigningKey, path: PathBuf) -> Result<Self, AuditFileError> {
        let last = read_checkpoints(&path)?
            .into_iter()
            .max_by_key(|c| c.seq)
            .map(|c| (c.seq, c.hash));
        Ok(Self { key, path, last })
    }

    /// Appends a checkpoint for head `(seq, hash)` unless it is already signed. Returns
    /// whether one was written. Refuses ([`AuditFileError::Backwards`]) a head below the
    /// newest checkpoint, or that entry with another hash: signing it would record a
    /// rollback as if it were history.
    pub fn checkpoint(&mut self, seq: i64, hash: &[u8; 32]) -> Result<bool, AuditFileError> {
        if seq == 0 {
            return Ok(false);
        }
        if let Some((last, last_hash)) = &self.last {
            let backwards = |why| AuditFileError::Backwards {
                path: self.path.clone(),
                head: seq,
                last: *last,
                why,
            };
            if seq < *last {
                return Err(backwards("(the chain is shorter than what was signed)"));
            }
            if seq == *last {
                if *last_hash != hex::encode(hash) {
                    return Err(backwards("with another hash"));
                }
                return Ok(false);
            }
        }
        append_checkpoint(&self.path, &Checkpoint::sign(&self.key, seq, hash))?;
        self.last = Some((seq, hex::encode(hash)));
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut out = Vec::new();
        let mut prev = (0, GENESIS);
        for i in 0..n {
            let rec = AuditRecord::new(
                "user:a",
                Some(TenantId(1)),
                "incident.update",
                format!("incident:{i}"),
                serde_json::json!({"n": i}),
            );
            let e = AuditEntry::chain(prev, 1000 + i, &rec);
            prev = (e.seq, e.hash);
            out.push(e);
        }
        out
    }

    #[test]
    fn intact_chain_verifies_and_each_mutation_is_found() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let entries = chain(6);
        let cps = vec![Checkpoint::sign(&key, 5, &entries[4].hash)];
        let vk = key.verifying_key();
        assert!(verify(entries.clone(), &cps, &vk).ok());

        let mut edited = entries.clone();
        edited[2].payload = "{\"n\":99}".into();
        assert!(!verify(edited, &cps, &vk).ok());

        let mut deleted = entries.clone();
        deleted.remove(3);
        assert!(!verify(deleted, &cps, &vk).ok());

        let mut reordered = entries.clone();
        reordered.swap(1, 2);
        assert!(!verify(reordered, &cps, &vk).ok());

        let truncated = entries[..4].to_vec();
        assert!(!verify(truncated, &cps, &vk).ok());
        // Truncation after the newest checkpoint is the published window.
        assert!(verify(entries[..5].to_vec(), &cps, &vk).ok());

        // Rewritten from entry 2 with fresh hashes: the chain is consistent but the checkpoint
        // no longer matches.
        let mut rewritten = entries[..1].to_vec();
        let mut prev = (rewritten[0].seq, rewritten[0].hash);
        for i in 1..6 {
            let rec = AuditRecord::new("user:x", None, "forged", "x", serde_json::json!(i));
            let e = AuditEntry::chain(prev, 5000 + i, &rec);
            prev = (e.seq, e.hash);
            rewritten.push(e);
        }
        let report = verify(rewritten, &cps, &vk);
        assert_eq!(report.findings.len(), 1, "{report:?}");

        let other = SigningKey::from_bytes(&[8; 32]);
        let forged = vec![Checkpoint::sign(&other, 5, &entries[4].hash)];
        assert!(!verify(entries, &forged, &vk).ok());
    }

    #[test]
    fn checkpoints_only_move_forward() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let vk = key.verifying_key();
        let entries = chain(6);
        let at = |seq: usize| Checkpoint::sign(&key, seq as i64, &entries[seq - 1].hash);
        assert!(verify(entries.clone(), &[at(3), at(3), at(5), at(6)], &vk).ok());
        // Entry 3 signed after entry 5: the head went back (a rollback signed again).
        let report = verify(entries.clone(), &[at(3), at(5), at(3), at(6)], &vk);
        assert_eq!(report.findings.len(), 1, "{report:?}");
        assert!(
            report.findings[0]
                .problem
                .contains("goes back from entry 5")
        );
        // The same entry with two heads.
        let twice = [at(5), Checkpoint::sign(&key, 5, &entries[1].hash)];
        assert!(!verify(entries.clone(), &twice, &vk).ok());
        // The chain shorter than the newest checkpoint: a rollback.
        let report = verify(entries[..4].to_vec(), &[at(3), at(5)], &vk);
        assert!(
            report.findings[0].problem.contains("rolled back"),
            "{report:?}"
        );
    }

    #[test]
    fn a_missing_checkpoint_file_fails_once_the_chain_is_older_than_the_window() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let vk = key.verifying_key();
        // The test chain's entries are from 1970.
        let entries = chain(3);
        let window = std::time::Duration::from_secs(20);
        let young = Timestamp::from_microsecond(entries[0].at_us + 19_000_000).unwrap();
        let old = Timestamp::from_microsecond(entries[0].at_us + 21_000_000).unwrap();
        assert!(verify_exported(entries.clone(), None, &vk, window, young).ok());
        assert!(verify_exported(Vec::new(), None, &vk, window, old).ok());
        let report = verify_exported(entries.clone(), None, &vk, window, old);
        assert_eq!(report.findings.len(), 1, "{report:?}");
        assert!(report.findings[0].problem.contains("file is missing"));
        let report = verify_exported(entries.clone(), Some(&[]), &vk, window, old);
        assert!(report.findings[0].problem.contains("holds no checkpoint"));
        let cps = [Checkpoint::sign(&key, 2, &entries[1].hash)];
        assert!(verify_exported(entries, Some(&cps), &vk, window, old).ok());
    }

    #[test]
    fn the_checkpointer_refuses_a_head_below_its_last_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoints.jsonl");
        let key = SigningKey::from_bytes(&[7; 32]);
        let entries = chain(6);
        let mut cp = Checkpointer::new(key.clone(), path.clone()).unwrap();
        assert!(cp.checkpoint(5, &entries[4].hash).unwrap());
        assert!(!cp.checkpoint(5, &entries[4].hash).unwrap());
        // A new process reads the file and refuses as well.
        let mut cp = Checkpointer::new(key, path.clone()).unwrap();
        let error = cp.checkpoint(3, &entries[2].hash).unwrap_err().to_string();
        assert!(
            error.contains("entry 3") && error.contains("entry 5"),
            "{error}"
        );
        assert!(cp.checkpoint(5, &entries[1].hash).is_err());
        assert!(cp.checkpoint(6, &entries[5].hash).unwrap());
        assert_eq!(read_checkpoints(&path).unwrap().len(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
    }
}
