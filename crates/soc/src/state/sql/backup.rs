//! What backup, restore and `vigie audit verify` read on either engine: summary counts and
//! the whole audit chain, verified.

use std::time::Duration;

use ed25519_dalek::{SigningKey, VerifyingKey};
use jiff::Timestamp;
use sqlx::Row;

use super::{CrossTenant, Reach, SqlStore};
use crate::SocError;
use vigie_access::AuditLog;
use vigie_access::audit::{self, AuditEntry, Checkpoint, VerifyReport};

/// The tables a restore summary counts: the name it shows and the query.
const COUNTED: &[(&str, &str)] = &[
    ("tenants", "SELECT COUNT(*) FROM tenants"),
    ("users", "SELECT COUNT(*) FROM users"),
    ("alerts", "SELECT COUNT(*) FROM alerts"),
    ("incidents", "SELECT COUNT(*) FROM incidents"),
    ("audit entries", "SELECT COUNT(*) FROM audit_log"),
];

impl SqlStore {
    /// Rows of the tables a restore summary shows, as (name, count): tenants, users, alerts,
    /// incidents and audit entries, across every tenant (an operator's view).
    pub async fn summary_counts(&self) -> Result<Vec<(&'static str, i64)>, SocError> {
        let context = "counting rows for the summary";
        let mut tx = self
            .read(Reach::Across(CrossTenant::Operator), context)
            .await?;
        let mut counts = Vec::with_capacity(COUNTED.len());
        for (name, sql) in COUNTED {
            let count: i64 = sqlx::query(*sql)
                .fetch_one(&mut *tx)
                .await
                .and_then(|row| row.try_get(0))
                .map_err(SocError::storage(context))?;
            counts.push((*name, count));
        }
        tx.commit(context).await?;
        Ok(counts)
    }

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
    use vigie_access::TenantStore;
    use vigie_event::TenantSlug;

    #[tokio::test]
    async fn a_snapshot_opens_intact_with_the_same_rows() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SqlStore::open(&tmp.path().join("state.sqlite"))
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
        let restored = SqlStore::open(&copy).await.unwrap();
        assert!(restored.integrity_problems().await.unwrap().is_empty());
        let counts = restored.summary_counts().await.unwrap();
        assert_eq!(counts[0], ("tenants", 1));
        assert_eq!(counts.len(), COUNTED.len());
    }
}
