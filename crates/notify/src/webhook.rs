//! Signed webhooks: an HTTP POST of the notification's JSON with
//!
//! - `X-Vigie-Delivery`: the notification's id (a receiver deduplicates by it: delivery is
//!   at least once),
//! - `X-Vigie-Timestamp`: Unix seconds when it was signed,
//! - `X-Vigie-Signature`: `sha256=` and the hex HMAC-SHA256, keyed by the webhook's secret,
//!   of `<timestamp>.<body>` (a receiver refuses an old timestamp: no replay).

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use sha2::Sha256;

use crate::config::{WebhookConfig, secret, webhook_secret_env};
use crate::send::Failure;

/// One configured webhook.
#[derive(Clone)]
pub struct Webhook {
    /// Its name.
    pub name: String,
    url: reqwest::Url,
    secret: Vec<u8>,
    client: reqwest::Client,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("name", &self.name)
            .field("url", &self.url.as_str())
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
    /// The webhook of a configuration entry, its secret read and its TLS trust built (ring
    /// provider; system roots plus the entry's CA file).
    pub fn new(config: &WebhookConfig) -> anyhow::Result<Self> {
        let what = format!("[[notify.webhooks]] {}", config.name);
        let secret = secret(
            &webhook_secret_env(&config.name),
            config.secret_file.as_deref(),
            &what,
        )?
        .ok_or_else(|| anyhow::anyhow!("{what}: no secret"))?;
        let url = reqwest::Url::parse(&config.url)
            .map_err(|e| anyhow::anyhow!("{what}: url {:?}: {e}", config.url))?;
        let mut roots = rustls::RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
        if let Some(path) = &config.ca_file {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|i| i.collect::<Result<Vec<_>, _>>())
                .map_err(|e| anyhow::anyhow!("{what}: ca_file {}: {e}", path.display()))?;
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|e| anyhow::anyhow!("{what}: ca_file {}: {e}", path.display()))?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .timeout(Duration::from_secs(config.timeout_seconds.max(1)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("vigie/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
        Ok(Self {
            name: config.name.clone(),
            url,
            secret: secret.into_bytes(),
            client,
        })
    }

    /// The URL without its query (what the outbox and the audit show).
    pub fn shown_url(&self) -> String {
        let mut url = self.url.clone();
        url.set_query(None);
        let _ = url.set_password(None);
        url.to_string()
    }

    /// Posts `body` (JSON) signed now; 2xx is delivered, 408/429/5xx and network errors may
    /// be retried, other statuses are permanent.
    pub async fn send(&self, delivery: &str, body: &str) -> Result<(), Failure> {
        let timestamp = jiff::Timestamp::now().as_second();
        let response = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Vigie-Delivery", delivery)
            .header("X-Vigie-Timestamp", timestamp.to_string())
            .header(
                "X-Vigie-Signature",
                signature(&self.secret, timestamp, body.as_bytes()),
            )
            .body(body.to_owned())
            .send()
            .await
            .map_err(|e| Failure::transient(format!("webhook {}: {e}", self.name)))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let message = format!("webhook {}: HTTP {status}", self.name);
        if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
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
