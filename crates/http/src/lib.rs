//! vigie's outbound HTTP: the webhooks of notifications and the threat-intelligence pulls
//! (TAXII 2.1, MISP). One HTTP/1.1 exchange per call on a fresh connection, TLS by
//! tokio-rustls with the ring provider and the system's trust store plus an operator's CA
//! file; the whole exchange bounded in time and the response body in size.
//!
//! Written on hyper's connection API rather than a pooled client: calls are few (a
//! notification, a pull every hour), and the pooled clients bring their own TLS stack with
//! a process-wide default provider the rest of the binary does not install.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::Request;
use hyper_util::rt::TokioIo;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};

pub use hyper::{HeaderMap, Method, StatusCode, header};
pub use url::Url;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The URL cannot be called.
    #[error("URL {url:?}: {reason}")]
    Url {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// Connecting, TLS or the exchange failed.
    #[error("{0}")]
    Transport(String),
    /// No complete answer within the time allowed.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The answer's body is larger than allowed.
    #[error("the answer is larger than {0} bytes")]
    TooLarge(usize),
    /// The trust configuration cannot be read.
    #[error("{0}")]
    Trust(String),
    /// A credential (password, key, shared secret) cannot be read.
    #[error("{0}")]
    Credential(String),
}

/// The credential of an outbound connection (an SMTP password, a webhook's secret, a feed's
/// password or key): the environment variable `env` when it is set and not blank, else the
/// first line of `file`, else none. `what` names the setting in errors, which never show
/// the value.
pub fn credential(env: &str, file: Option<&Path>, what: &str) -> Result<Option<String>, HttpError> {
    if let Ok(value) = std::env::var(env)
        && !value.trim().is_empty()
    {
        return Ok(Some(value.trim().to_owned()));
    }
    let Some(path) = file else { return Ok(None) };
    let text = std::fs::read_to_string(path).map_err(|e| {
        HttpError::Credential(format!("{what}: cannot read {}: {e}", path.display()))
    })?;
    let line = text.lines().next().unwrap_or("").trim().to_owned();
    if line.is_empty() {
        return Err(HttpError::Credential(format!(
            "{what}: {} is empty",
            path.display()
        )));
    }
    Ok(Some(line))
}

/// An answer.
#[derive(Debug)]
pub struct Response {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body (at most the client's limit).
    pub body: Bytes,
}

/// A client: trust, time and size limits.
#[derive(Clone)]
pub struct Client {
    tls: tokio_rustls::TlsConnector,
    timeout: Duration,
    max_body: usize,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("timeout", &self.timeout)
            .field("max_body", &self.max_body)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client trusting the system's CA certificates and those of `ca_file` (PEM), with
    /// `timeout` for a whole exchange and `max_body` bytes for an answer's body.
    pub fn new(
        ca_file: Option<&Path>,
        timeout: Duration,
        max_body: usize,
    ) -> Result<Self, HttpError> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        if let Some(path) = ca_file {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|i| i.collect::<Result<Vec<_>, _>>())
                .map_err(|e| HttpError::Trust(format!("ca_file {}: {e}", path.display())))?;
            require_certs(&certs, path)?;
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|e| HttpError::Trust(format!("ca_file {}: {e}", path.display())))?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| HttpError::Trust(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self {
            tls: tokio_rustls::TlsConnector::from(Arc::new(config)),
            timeout: timeout.max(Duration::from_secs(1)),
            max_body,
        })
    }

    /// Sends one request (`headers` besides `Host` and `Content-Length`) and reads the
    /// answer.
    pub async fn send(
        &self,
        method: Method,
        url: &Url,
        headers: &[(&str, String)],
        body: Option<Bytes>,
    ) -> Result<Response, HttpError> {
        tokio::time::timeout(self.timeout, self.exchange(method, url, headers, body))
            .await
            .map_err(|_| HttpError::Timeout(self.timeout))?
    }

    async fn exchange(
        &self,
        method: Method,
        url: &Url,
        headers: &[(&str, String)],
        body: Option<Bytes>,
    ) -> Result<Response, HttpError> {
        let bad = |reason: &str| HttpError::Url {
            url: shown(url),
            reason: reason.to_owned(),
        };
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            _ => return Err(bad("not an http(s) URL")),
        };
        let host = url
            .host_str()
            .ok_or_else(|| bad("no host"))?
            .trim_matches(['[', ']'])
            .to_owned();
        let port = url.port_or_known_default().unwrap_or(80);
        let mut target = url.path().to_owned();
        if let Some(query) = url.query() {
            target.push('?');
            target.push_str(query);
        }
        let authority = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        let mut request = Request::builder()
            .method(method)
            .uri(target)
            .header(header::HOST, authority)
            .header(
                header::USER_AGENT,
                concat!("vigie/", env!("CARGO_PKG_VERSION")),
            );
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        let request = request
            .body(Full::new(body.unwrap_or_default()))
            .map_err(|e| bad(&e.to_string()))?;
        let transport =
            |e: &dyn std::fmt::Display| HttpError::Transport(format!("{}: {e}", shown(url)));
        let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| transport(&e))?;
        if https {
            let name = ServerName::try_from(host).map_err(|e| bad(&e.to_string()))?;
            let stream = self
                .tls
                .connect(name, tcp)
                .await
                .map_err(|e| transport(&e))?;
            self.round_trip(TokioIo::new(stream), request, url).await
        } else {
            self.round_trip(TokioIo::new(tcp), request, url).await
        }
    }

    async fn round_trip<S>(
        &self,
        io: S,
        request: Request<Full<Bytes>>,
        url: &Url,
    ) -> Result<Response, HttpError>
    where
        S: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let transport =
            |e: &dyn std::fmt::Display| HttpError::Transport(format!("{}: {e}", shown(url)));
        let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|e| transport(&e))?;
        let driver = tokio::spawn(connection);
        let result = async {
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| transport(&e))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, self.max_body)
                .collect()
                .await
                .map_err(|e| {
                    if e.downcast_ref::<http_body_util::LengthLimitError>()
                        .is_some()
                    {
                        HttpError::TooLarge(self.max_body)
                    } else {
                        transport(&e)
                    }
                })?
                .to_bytes();
            Ok(Response {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        }
        .await;
        driver.abort();
        result
    }
}

fn require_certs(certs: &[CertificateDer<'_>], path: &Path) -> Result<(), HttpError> {
    if certs.is_empty() {
        return Err(HttpError::Trust(format!(
            "ca_file {}: no certificate in it",
            path.display()
        )));
    }
    Ok(())
}

/// A URL as logs and errors show it: without its query and password.
pub fn shown(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    let _ = url.set_password(None);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A one-shot HTTPS server on 127.0.0.1 answering `body`; its CA's PEM file.
    async fn server(dir: &Path, body: &'static [u8]) -> (u16, std::path::PathBuf) {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone()],
                rustls_pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
            )
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut buf = [0u8; 4096];
                    let _ = tls.read(&mut buf).await;
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = tls.write_all(head.as_bytes()).await;
                    let _ = tls.write_all(body).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        (port, ca_file)
    }

    #[tokio::test]
    async fn https_is_trusted_through_the_ca_file_only_and_bodies_are_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let (port, ca_file) = server(dir.path(), b"{\"ok\":true}").await;
        let url = Url::parse(&format!("https://127.0.0.1:{port}/x?secret=1")).unwrap();
        let timeout = Duration::from_secs(5);
        let trusted = Client::new(Some(&ca_file), timeout, 1024).unwrap();
        let answer = trusted.send(Method::GET, &url, &[], None).await.unwrap();
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(&answer.body[..], b"{\"ok\":true}");
        let untrusted = Client::new(None, timeout, 1024).unwrap();
        let error = untrusted
            .send(Method::GET, &url, &[], None)
            .await
            .unwrap_err();
        assert!(matches!(error, HttpError::Transport(_)), "{error}");
        assert!(!error.to_string().contains("secret"), "{error}");
        let small = Client::new(Some(&ca_file), timeout, 4).unwrap();
        let error = small.send(Method::GET, &url, &[], None).await.unwrap_err();
        assert!(matches!(error, HttpError::TooLarge(4)), "{error}");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        assert!(Client::new(Some(&empty), timeout, 4).is_err());
        let ftp = Url::parse("ftp://127.0.0.1/").unwrap();
        assert!(matches!(
            trusted.send(Method::GET, &ftp, &[], None).await,
            Err(HttpError::Url { .. })
        ));
    }
}
