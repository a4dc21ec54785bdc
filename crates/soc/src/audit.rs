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

/// Appends one checkpoint line to `path` and fsyncs it.
pub fn append_checkpoint(path: &Path, checkpoint: &Checkpoint) -> Result<(), AuditFileError> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io_err(path))?;
    let line = serde_json::to_string(checkpoint).map_err(|e| AuditFileError::Format {
        path: path.to_owned(),
        line: 0,
        reason: e.to_string(),
    })?;
    writeln!(file, "{line}").map_err(io_err(path))?;
    file.sync_all().map_err(io_err(path))
}

/// Reads every checkpoint of `path` (a missing file is an empty list).
pub fn read_checkpoints(path: &Path) -> Result<Vec<Checkpoint>, AuditFileError> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
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
    Ok(out)
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

/// Checks a chain, in stored order (by `seq`), against the signed checkpoints.
///
/// Finds: an entry whose hash does not match its fields (a flipped byte, an edited payload),
/// a gap or repeat in `seq` (deleted or inserted entry), a `prev_hash` that is not the
/// previous entry's hash (deleted, reordered or inserted entry), a checkpoint with a bad
/// signature, a checkpoint whose entry is missing (truncated tail, rollback) or whose hash
/// differs (chain rewritten from before the checkpoint).
pub fn verify(
    entries: impl IntoIterator<Item = AuditEntry>,
    checkpoints: &[Checkpoint],
    key: &VerifyingKey,
) -> VerifyReport {
    let mut report = VerifyReport::default();
    let mut wanted: std::collections::BTreeMap<i64, Vec<&Checkpoint>> = Default::default();
    for cp in checkpoints {
        report.checkpoints += 1;
        if !cp.signature_valid(key) {
            report.findings.push(Finding {
                seq: cp.seq,
                problem: "checkpoint signature is not valid for this public key".into(),
            });
            continue;
        }
        report.last_checkpoint_seq = Some(report.last_checkpoint_seq.unwrap_or(0).max(cp.seq));
        wanted.entry(cp.seq).or_default().push(cp);
    }
    let mut prev: (i64, [u8; 32]) = (0, GENESIS);
    for entry in entries {
        report.entries += 1;
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
    report
}

/// Signs the chain head into the checkpoint file when it moved.
#[derive(Debug)]
pub struct Checkpointer {
    key: SigningKey,
    path: PathBuf,
    last: Option<i64>,
}

impl Checkpointer {
    /// Signs with `key` into `path`. Remembers the newest checkpoint already in the file.
    pub fn new(key: SigningKey, path: PathBuf) -> Result<Self, AuditFileError> {
        let last = read_checkpoints(&path)?.iter().map(|c| c.seq).max();
        Ok(Self { key, path, last })
    }

    /// Appends a checkpoint for head `(seq, hash)` unless it is already signed. Returns
    /// whether one was written.
    pub fn checkpoint(&mut self, seq: i64, hash: &[u8; 32]) -> Result<bool, AuditFileError> {
        if seq == 0 || self.last == Some(seq) {
            return Ok(false);
        }
        append_checkpoint(&self.path, &Checkpoint::sign(&self.key, seq, hash))?;
        self.last = Some(seq);
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
}
