//! Signed webhooks: an HTTP POST of the notification's JSON with
//!
//! - `X-Vigie-Delivery`: the notification's id (a receiver deduplicates by it: delivery is
//!   at least once),
//! - `X-Vigie-Timestamp`: Unix seconds when it was signed,
//! - `X-Vigie-Signature`: `sha256=` and the hex HMAC-SHA256, keyed by the webhook's secret,
//!   of `<timestamp>.<body>` (a receiver refuses an old timestamp: no replay).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::Full;
use hyper::Request;
use hyper_util::rt::TokioIo;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use sha2::Sha256;

use crate::config::{WebhookConfig, secret, webhook_secret_env};
use crate::send::Failure;

/// One configured webhook.
///
/// Each call opens its own HTTP/1.1 connection (TLS by tokio-rustls with the ring provider):
/// notifications are few, and a pooled client would bring a second TLS stack whose default
/// provider the rest of the binary does not install.
#[derive(Clone)]
pub struct Webhook {
    /// Its name.
    pub name: String,
    url: url::Url,
    secret: Vec<u8>,
    tls: Option<tokio_rustls::TlsConnector>,
    timeout: Duration,
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
    /// The webhook of a configuration entry, its secret read and, for `https`, its TLS trust
    /// built (system roots plus the entry's CA file).
    pub fn new(config: &WebhookConfig) -> anyhow::Result<Self> {
        let what = format!("[[notify.webhooks]] {}", config.name);
        let secret = secret(
            &webhook_secret_env(&config.name),
            config.secret_file.as_deref(),
            &what,
        )?
        .ok_or_else(|| anyhow::anyhow!("{what}: no secret"))?;
        let url = url::Url::parse(&config.url)
            .map_err(|e| anyhow::anyhow!("{what}: url {:?}: {e}", config.url))?;
        anyhow::ensure!(
            url.host_str().is_some() && matches!(url.scheme(), "http" | "https"),
            "{what}: url {:?} is not an http(s) URL with a host",
            config.url
        );
        let tls = if url.scheme() == "https" {
            let mut roots = rustls::RootCertStore::empty();
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
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
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Some(tokio_rustls::TlsConnector::from(Arc::new(config)))
        } else {
            None
        };
        Ok(Self {
            name: config.name.clone(),
            url,
            secret: secret.into_bytes(),
            tls,
            timeout: Duration::from_secs(config.timeout_seconds.max(1)),
        })
    }

    /// The URL without its query or password (what the outbox and the audit show).
    pub fn shown_url(&self) -> String {
        let mut url = self.url.clone();
        url.set_query(None);
        let _ = url.set_password(None);
        url.to_string()
    }

    /// Posts `body` (JSON) signed now; 2xx is delivered, 408/429/5xx and network errors may
    /// be retried, other statuses are permanent.
    pub async fn send(&self, delivery: &str, body: &str) -> Result<(), Failure> {
        let fail =
            |e: &dyn std::fmt::Display| Failure::transient(format!("webhook {}: {e}", self.name));
        let status = tokio::time::timeout(self.timeout, self.post(delivery, body))
            .await
            .map_err(|_| fail(&format!("no answer within {:?}", self.timeout)))??;
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

    async fn post(&self, delivery: &str, body: &str) -> Result<u16, Failure> {
        let fail =
            |e: &dyn std::fmt::Display| Failure::transient(format!("webhook {}: {e}", self.name));
        let host = self.url.host_str().unwrap_or_default().to_owned();
        let port = self.url.port_or_known_default().unwrap_or(80);
        let tcp = tokio::net::TcpStream::connect((host.trim_matches(['[', ']']), port))
            .await
            .map_err(|e| fail(&e))?;
        let timestamp = jiff::Timestamp::now().as_second();
        let mut path = self.url.path().to_owned();
        if let Some(query) = self.url.query() {
            path.push('?');
            path.push_str(query);
        }
        let authority = match self.url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.clone(),
        };
        let request = Request::post(path)
            .header(hyper::header::HOST, authority)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(
                hyper::header::USER_AGENT,
                concat!("vigie/", env!("CARGO_PKG_VERSION")),
            )
            .header("X-Vigie-Delivery", delivery)
            .header("X-Vigie-Timestamp", timestamp.to_string())
            .header(
                "X-Vigie-Signature",
                signature(&self.secret, timestamp, body.as_bytes()),
            )
            .body(Full::new(Bytes::from(body.to_owned())))
            .map_err(|e| Failure::permanent(format!("webhook {}: {e}", self.name)))?;
        match &self.tls {
            Some(tls) => {
                let name = ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
                    .map_err(|e| Failure::permanent(format!("webhook {}: {e}", self.name)))?;
                let stream = tls.connect(name, tcp).await.map_err(|e| fail(&e))?;
                exchange(TokioIo::new(stream), request)
                    .await
                    .map_err(|e| fail(&e))
            }
            None => exchange(TokioIo::new(tcp), request)
                .await
                .map_err(|e| fail(&e)),
        }
    }
}

/// One request on a fresh HTTP/1.1 connection; the response's status.
async fn exchange<S>(io: S, request: Request<Full<Bytes>>) -> Result<u16, hyper::Error>
where
    S: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await?;
    let driver = tokio::spawn(connection);
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    drop(response);
    drop(sender);
    driver.abort();
    Ok(status)
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
