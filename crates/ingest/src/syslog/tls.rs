//! TLS for syslog (RFC 5425): rustls with the ring provider, server certificate from files,
//! optional or required client certificates checked against a CA bundle.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

/// Why a TLS configuration could not be built; each names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read or holds nothing usable.
    #[error("{path}: {detail}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// rustls refused the combination (e.g. the key does not match the certificate).
    #[error("TLS setup: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Client certificate policy of a TLS listener.
#[derive(Clone, Debug)]
pub enum ClientAuth {
    /// No client certificates asked for.
    None,
    /// Asked for and verified against `ca` when presented; connections without one are
    /// accepted (their tenant comes from the network map or the listener).
    Optional {
        /// PEM bundle of the CAs that sign client certificates.
        ca: PathBuf,
    },
    /// Required, verified against `ca`.
    Required {
        /// PEM bundle of the CAs that sign client certificates.
        ca: PathBuf,
    },
}

impl ClientAuth {
    /// The policy a configuration names: `tls_client_auth` (`none`, `optional`,
    /// `required`) with its `tls_client_ca`; without a CA, or for any other word (refused by
    /// the configuration check), no client certificates.
    pub fn from_config(mode: &str, ca: Option<&Path>) -> Self {
        match (mode, ca) {
            ("optional", Some(ca)) => ClientAuth::Optional { ca: ca.to_owned() },
            ("required", Some(ca)) => ClientAuth::Required { ca: ca.to_owned() },
            _ => ClientAuth::None,
        }
    }
}

/// The server configuration of a TLS listener.
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_auth: &ClientAuth,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs = read_certs(cert)?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::File {
        path: key.to_owned(),
        detail: format!("no usable private key: {e}"),
    })?;
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let builder = match client_auth {
        ClientAuth::None => builder.with_no_client_auth(),
        ClientAuth::Optional { ca } | ClientAuth::Required { ca } => {
            let mut roots = RootCertStore::empty();
            for cert in read_certs(ca)? {
                roots.add(cert)?;
            }
            let verifier =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
            let verifier = if matches!(client_auth, ClientAuth::Optional { .. }) {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            let verifier = verifier.build().map_err(|e| TlsError::File {
                path: ca.clone(),
                detail: format!("cannot verify clients with these CAs: {e}"),
            })?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    Ok(Arc::new(builder.with_single_cert(certs, key)?))
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|iter| iter.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::File {
            path: path.to_owned(),
            detail: format!("cannot read certificates: {e}"),
        })?;
    if certs.is_empty() {
        return Err(TlsError::File {
            path: path.to_owned(),
            detail: "no certificate in the file".into(),
        });
    }
    Ok(certs)
}

/// The SHA-256 fingerprint of a certificate, lowercase hex without separators: how a client
/// certificate is named in the tenant map (`openssl x509 -noout -fingerprint -sha256`
/// prints the same digits with colons).
pub fn fingerprint(cert: &CertificateDer<'_>) -> String {
    hex::encode(Sha256::digest(cert.as_ref()))
}
