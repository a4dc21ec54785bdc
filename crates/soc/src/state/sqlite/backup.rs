//! Online backup of the state database and the checks of a restore (`vigie backup`,
//! `vigie restore`).

use std::path::Path;
use std::time::Duration;

use ed25519_dalek::{SigningKey, VerifyingKey};
use jiff::Timestamp;
use sqlx::Row;

use super::SqliteStore;
use crate::SocError;
use crate::StateStore;
use crate::audit::{self, AuditEntry, Checkpoint, VerifyReport};

/// The tables a restore summary counts: the name it shows and the query.
const COUNTED: &[(&str, &str)] = &[
    ("tenants", "SELECT COUNT(*) FROM tenants"),
    ("users", "SELECT COUNT(*) FROM users"),
    ("alerts", "SELECT COUNT(*) FROM alerts"),
    ("incidents", "SELECT COUNT(*) FROM incidents"),
    ("audit entries", "SELECT COUNT(*) FROM audit_log"),
];

impl SqliteStore {
    /// Writes a consistent copy of the database to `dest` (a file that must not exist yet)
    /// with `VACUUM INTO`, then fsyncs it. The copy runs in one read transaction: writers
    /// go on meanwhile (WAL mode), and the copy holds every transaction committed before it
    /// started and none after. It is a plain database file (no `-wal` file beside it).
    pub async fn snapshot_into(&self, dest: &Path) -> Result<(), SocError> {
        let Some(target) = dest.to_str() else {
            return Err(SocError::InvalidValue {
                what: "snapshot path",
                message: format!("{} is not UTF-8", dest.display()),
            });
        };
        sqlx::query("VACUUM INTO ?1")
            .bind(target)
            .execute(&self.pool)
            .await
            .map_err(SocError::storage("writing a snapshot with VACUUM INTO"))?;
        std::fs::File::open(dest)
            .and_then(|file| file.sync_all())
            .map_err(|e| SocError::InvalidValue {
                what: "snapshot",
                message: format!("cannot fsync {}: {e}", dest.display()),
            })
    }

    /// `PRAGMA integrity_check`: an empty list when the database is intact, else the
    /// problems SQLite reports (each names the table or index and the page or row).
    pub async fn integrity_problems(&self) -> Result<Vec<String>, SocError> {
        let rows = sqlx::query("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await
            .map_err(SocError::storage("running PRAGMA integrity_check"))?;
        let mut problems = Vec::new();
        for row in rows {
            let line: String = row
                .try_get(0)
                .map_err(SocError::storage("reading PRAGMA integrity_check"))?;
            if line != "ok" {
                problems.push(line);
            }
        }
        Ok(problems)
    }

    /// Rows of the tables a restore summary shows, as (name, count): tenants, users, alerts,
    /// incidents and audit entries, across every tenant (an operator's view).
    pub async fn summary_counts(&self) -> Result<Vec<(&'static str, i64)>, SocError> {
        let mut counts = Vec::with_capacity(COUNTED.len());
        for (name, sql) in COUNTED {
            let count: i64 = sqlx::query(*sql)
                .fetch_one(&self.pool)
                .await
                .and_then(|row| row.try_get(0))
                .map_err(SocError::storage("counting rows for the summary"))?;
            counts.push((*name, count));
        }
        Ok(counts)
    }
}

impl SqliteStore {
    /// Every audit entry, in chain order.
    pub async fn audit_chain(&self) -> Result<Vec<AuditEntry>, SocError> {
        let mut entries = Vec::new();
        let mut after = 0;
        loop {
            let page = self.audit_entries(after, 50_000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            entries.extend(page);
        }
        Ok(entries)
    }

    /// Verifies the audit chain as `vigie audit verify` does, at `now`: against `exported`
    /// (the checkpoint file's checkpoints, `None` when the file is missing, and the public key
    /// that signed them) with [`audit::verify_exported`]; without it, the chain alone (each
    /// entry's hash and link: an edit, deletion, insertion or reordering is found, a rewrite
    /// of the whole chain with fresh hashes is not).
    pub async fn verify_audit(
        &self,
        exported: Option<(Option<&[Checkpoint]>, &VerifyingKey)>,
        window: Duration,
        now: Timestamp,
    ) -> Result<VerifyReport, SocError> {
        let entries = self.audit_chain().await?;
        Ok(match exported {
            Some((checkpoints, key)) => {
                audit::verify_exported(entries, checkpoints, key, window, now)
            }
            // No checkpoint to check a signature of: the key is never used.
            None => audit::verify(
                entries,
                &[],
                &SigningKey::from_bytes(&[0; 32]).verifying_key(),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_event::TenantSlug;

    #[tokio::test]
    async fn a_snapshot_opens_intact_with_the_same_rows() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&tmp.path().join("state.sqlite"))
            .await
            .unwrap();
        store
            .create_tenant(&TenantSlug::new("alpha").unwrap(), "Alpha")
            .await
            .unwrap();
        let copy = tmp.path().join("copy.sqlite");
        store.snapshot_into(&copy).await.unwrap();
        // A second snapshot onto an existing file is refused, not merged.
        assert!(store.snapshot_into(&copy).await.is_err());
        store
            .create_tenant(&TenantSlug::new("beta").unwrap(), "Beta")
            .await
            .unwrap();
        let restored = SqliteStore::open(&copy).await.unwrap();
        assert!(restored.integrity_problems().await.unwrap().is_empty());
        let counts = restored.summary_counts().await.unwrap();
        assert_eq!(counts[0], ("tenants", 1));
        assert_eq!(counts.len(), COUNTED.len());
    }
}
