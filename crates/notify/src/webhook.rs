//! Signed webhooks: an HTTP POST of the notification's JSON with
//!
//! - `X-Vigie-Delivery`: the notification's id (a receiver deduplicates by it: delivery is
//!   at least once),
//! - `X-Vigie-Timestamp`: Unix seconds when it was signed,
//! - `X-Vigie-Signature`: `sha256=` and the hex HMAC-SHA256, keyed by the webhook's secret,
//!   of `<timestamp>.<body>` (a receiver refuses an old timestamp: no replay).

use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use vigie_http::{Client, Method, Url};

use crate::config::{WebhookConfig, webhook_secret_env};
use crate::send::Failure;

/// Bytes of a receiver's answer read at most (only its status matters).
const MAX_ANSWER: usize = 64 * 1024;

/// One configured webhook.
#[derive(Clone)]
pub struct Webhook {
    /// Its name.
    pub name: String,
    url: Url,
    secret: Vec<u8>,
    client: Client,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("name", &self.name)
            .field("url", &self.shown_url())
            .finish_non_exhaustive()
    }
}

/// The signature header's value of `body` signed at `timestamp` with `secret`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl Webhook {
    /// The webhook of a configuration entry, its secret read and its TLS trust built
    /// (system roots plus the entry's CA file).
    pub fn new(config: &WebhookConfig) -> anyhow::Result<Self> {
        let what = format!("[[notify.webhooks]] {}", config.name);
        let secret = vigie_http::credential(
            &webhook_secret_env(&config.name),
            config.secret_file.as_deref(),
            &what,
        )?
        .ok_or_else(|| anyhow::anyhow!("{what}: no secret"))?;
        let url = Url::parse(&config.url)
            .map_err(|e| anyhow::anyhow!("{what}: url {:?}: {e}", config.url))?;
        anyhow::ensure!(
            url.host_str().is_some() && matches!(url.scheme(), "http" | "https"),
            "{what}: url {:?} is not an http(s) URL with a host",
            config.url
        );
        let client = Client::new(
            config.ca_file.as_deref(),
            Duration::from_secs(config.timeout_seconds.max(1)),
            MAX_ANSWER,
        )
        .map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
        Ok(Self {
            name: config.name.clone(),
            url,
            secret: secret.into_bytes(),
            client,
        })
    }

    /// The URL without its query or password (what the outbox and the audit show).
    pub fn shown_url(&self) -> String {
        vigie_http::shown(&self.url)
    }

    /// Posts `body` (JSON) signed now; 2xx is delivered, 408/429/5xx and network errors may
    /// be retried, other statuses are permanent.
    pub async fn send(&self, delivery: &str, body: &str) -> Result<(), Failure> {
        let timestamp = jiff::Timestamp::now().as_second();
        let headers = [
            ("content-type", "application/json".to_owned()),
            ("x-vigie-delivery", delivery.to_owned()),
            ("x-vigie-timestamp", timestamp.to_string()),
            (
                "x-vigie-signature",
                signature(&self.secret, timestamp, body.as_bytes()),
            ),
        ];
        let response = self
            .client
            .send(
                Method::POST,
                &self.url,
                &headers,
                Some(Bytes::from(body.to_owned())),
            )
            .await
            .map_err(|e| Failure::transient(format!("webhook {}: {e}", self.name)))?;
        let status = response.status.as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let message = format!("webhook {}: HTTP {status}", self.name);
        if status >= 500 || status == 408 || status == 429 {
            Err(Failure::transient(message))
        } else {
            Err(Failure::permanent(message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_timestamp_dot_body() {
        let sig = signature(b"Jefe", 1, b"{}");
        assert!(sig.starts_with("sha256="));
        assert_eq!(sig.len(), 7 + 64);
        assert_ne!(sig, signature(b"Jefe", 2, b"{}"));
        assert_ne!(sig, signature(b"jefe", 1, b"{}"));
        // The value Python's hmac module gives for the same key and message.
        assert_eq!(
            signature(b"secret", 1_700_000_000, b"{\"a\":1}"),
            "sha256=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
        );
    }
}
