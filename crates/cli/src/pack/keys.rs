//! The keys of content packs: an Ed25519 private key in a PKCS#8 PEM file (mode 0600) signs,
//! its public key in the one-line form `ed25519:<base64 of the 32 bytes>` is what a site
//! trusts, and its id (the first 16 hex digits of the SHA-256 of those 32 bytes) names it.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use base64::Engine;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The prefix of the one-line form of a public key.
const PREFIX: &str = "ed25519:";

/// An Ed25519 public key that signs packs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PublicKey(VerifyingKey);

impl From<VerifyingKey> for PublicKey {
    fn from(key: VerifyingKey) -> Self {
        PublicKey(key)
    }
}

impl std::fmt::Display for PublicKey {
    /// The one-line form, `ed25519:<base64>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(self.0.as_bytes())
        )
    }
}

impl PublicKey {
    /// Reads the one-line form `ed25519:<base64 of 32 bytes>` (surrounding spaces allowed).
    /// The error names the value and what is wrong with it.
    pub(crate) fn parse(text: &str) -> anyhow::Result<PublicKey> {
        let text = text.trim();
        let Some(encoded) = text.strip_prefix(PREFIX) else {
            bail!("{text:?} is not a pack public key: expected `{PREFIX}<base64>`");
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|e| anyhow::anyhow!("{text:?}: not base64 after `{PREFIX}`: {e}"))?;
        let bytes: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            anyhow::anyhow!(
                "{text:?}: an Ed25519 public key is 32 bytes, this is {}",
                bytes.len()
            )
        })?;
        let key = VerifyingKey::from_bytes(&bytes)
            .map_err(|e| anyhow::anyhow!("{text:?}: not an Ed25519 public key: {e}"))?;
        if key.is_weak() {
            bail!("{text:?}: a weak Ed25519 key (of small order): refused");
        }
        Ok(PublicKey(key))
    }

    /// Reads a `--trusted-key` argument: the one-line form, or the path of a file holding it
    /// (a `.pub` file `vigie pack keygen` wrote).
    pub(crate) fn from_argument(argument: &str) -> anyhow::Result<PublicKey> {
        if argument.trim_start().starts_with(PREFIX) {
            return PublicKey::parse(argument);
        }
        let text = std::fs::read_to_string(argument).with_context(|| {
            format!("--trusted-key {argument}: neither `{PREFIX}<base64>` nor a readable file")
        })?;
        PublicKey::parse(&text).with_context(|| format!("--trusted-key {argument}"))
    }

    /// The key's short id: the first 16 hex digits of the SHA-256 of its 32 bytes.
    pub(crate) fn id(&self) -> String {
        hex::encode(&Sha256::digest(self.0.as_bytes())[..8])
    }

    /// Checks `signature` (base64) over `message`, strictly (no malleable signatures, no
    /// weak keys). The error says why it does not hold.
    pub(crate) fn verify(&self, message: &[u8], signature: &str) -> Result<(), String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(signature)
            .map_err(|e| format!("the signature is not base64: {e}"))?;
        let signature = Signature::from_slice(&bytes)
            .map_err(|_| format!("a signature is 64 bytes, this is {}", bytes.len()))?;
        self.0
            .verify_strict(message, &signature)
            .map_err(|_| "the signature does not hold".to_owned())
    }
}

/// Signs `message` with `key`: the signature in base64.
pub(crate) fn sign(key: &SigningKey, message: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(key.sign(message).to_bytes())
}

/// Where the public key of the private key file `key` is written: `<key>.pub`.
pub(crate) fn public_key_path(key: &Path) -> PathBuf {
    let mut name = key.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Makes a new key pair: the private key written to `out` (PKCS#8 PEM, mode 0600), its
/// public key to `<out>.pub` (the one-line form). Refuses to overwrite either file.
pub(crate) fn generate(out: &Path) -> anyhow::Result<PublicKey> {
    let public_path = public_key_path(out);
    for path in [out, public_path.as_path()] {
        if std::fs::symlink_metadata(path).is_ok() {
            bail!(
                "{} exists: refusing to overwrite a key (move it away, or choose another --out)",
                path.display()
            );
        }
    }
    let key = SigningKey::from_bytes(&rand::random::<[u8; 32]>());
    let pem = key
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("cannot encode the private key: {e}"))?;
    write_new(out, pem.as_bytes(), 0o600)?;
    let public = PublicKey(key.verifying_key());
    write_new(&public_path, format!("{public}\n").as_bytes(), 0o644)?;
    Ok(public)
}

/// Writes a new file (never an existing one) with `mode`, synced.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).with_context(|| {
        format!(
            "cannot create {} (it must not exist already)",
            path.display()
        )
    })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    // The process mask may have taken bits off a public file's mode.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot set the mode of {}", path.display()))?;
    }
    Ok(())
}

/// Reads a private key file `vigie pack keygen` wrote. Warns (standard error) when group or
/// others may read it.
pub(crate) fn load_private(path: &Path) -> anyhow::Result<SigningKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the private key {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            eprintln!(
                "warning: the private key {} has mode {:04o}: group or others may read it \
                 (chmod 600 it)",
                path.display(),
                meta.permissions().mode() & 0o7777
            );
        }
    }
    SigningKey::from_pkcs8_pem(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: not an Ed25519 private key in PKCS#8 PEM form: {e}",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_keys_round_trip_and_bad_ones_are_named() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let public = PublicKey(key.verifying_key());
        let text = public.to_string();
        assert!(text.starts_with("ed25519:"));
        assert_eq!(PublicKey::parse(&format!(" {text}\n")).unwrap(), public);
        assert_eq!(public.id().len(), 16);
        let message = b"manifest";
        assert!(public.verify(message, &sign(&key, message)).is_ok());
        assert!(public.verify(b"other", &sign(&key, message)).is_err());
        for bad in ["ed25519:", "rsa:AAAA", "ed25519:!!!", "ed25519:AAAA"] {
            let error = PublicKey::parse(bad).unwrap_err().to_string();
            assert!(error.contains(bad), "{error}");
        }
    }

    #[test]
    fn keygen_writes_a_private_pem_file_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("signer.key");
        let public = generate(&out).unwrap();
        let key = load_private(&out).unwrap();
        assert_eq!(PublicKey(key.verifying_key()), public);
        let pem = std::fs::read_to_string(&out).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let written = std::fs::read_to_string(public_key_path(&out)).unwrap();
        assert_eq!(PublicKey::parse(&written).unwrap(), public);
        let error = generate(&out).unwrap_err().to_string();
        assert!(error.contains("refusing to overwrite"), "{error}");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), pem);
    }
}
