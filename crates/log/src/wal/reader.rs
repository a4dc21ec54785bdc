//! The embedded log's [`LogReader`]: an offset that moves through the one partition, committed
//! with [`Shared::commit`] under the consumer's name.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::Shared;
use crate::{LogError, LogReader, Offset, Record};

/// One consumer's reader of the embedded log.
pub(super) struct WalReader {
    shared: Arc<Shared>,
    consumer: String,
    /// The offset after the last record returned.
    next: Offset,
    /// The offset after the last record committed.
    committed: Offset,
}

impl WalReader {
    pub(super) fn new(shared: Arc<Shared>, consumer: String, at: Offset) -> Self {
        Self {
            shared,
            consumer,
            next: at,
            committed: at,
        }
    }
}

#[async_trait::async_trait]
impl LogReader for WalReader {
    async fn next(&mut self, max: usize, wait: Duration) -> Result<Vec<Record>, LogError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        // Retention may have moved the start past `next` only if this consumer is not
        // registered (a registered one holds its records): start at what is left.
        let mut records = self.shared.read(self.next, max).await?;
        if records.is_empty() && !wait.is_zero() && self.shared.wait_for(self.next, wait).await {
            records = self.shared.read(self.next, max).await?;
        }
        if let Some(last) = records.last() {
            self.next = last.offset + 1;
        }
        Ok(records)
    }

    async fn commit(&mut self, next: Offset) -> Result<(), LogError> {
        if next > self.next {
            return Err(LogError::CommitBeyondEnd {
                consumer: self.consumer.clone(),
                next,
                end: self.next,
            });
        }
        if next == self.committed
            && super::lock(&self.shared.consumers).get(&self.consumer) == Some(&next)
        {
            return Ok(());
        }
        self.shared.commit(&self.consumer, next).await?;
        self.committed = next;
        Ok(())
    }

    fn position(&self) -> Offset {
        self.next
    }

    fn committed(&self) -> Offset {
        self.committed
    }

    fn lag(&self) -> u64 {
        self.shared
            .end
            .load(Ordering::Acquire)
            .saturating_sub(self.next)
    }

    async fn close(self: Box<Self>) -> Result<(), LogError> {
        Ok(())
    }
}
