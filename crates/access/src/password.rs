//! Password hashing for users: Argon2id with the OWASP parameters (m = 19456 KiB, t = 2,
//! p = 1), stored as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
//!
//! Hashing costs tens of milliseconds of CPU and 19 MiB, so it runs on tokio's blocking pool.
//! Verification takes its parameters from the stored PHC string, so stronger parameters can
//! be adopted later without invalidating existing hashes.

use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::SocError;

/// OWASP memory cost, KiB.
pub const M_COST_KIB: u32 = 19_456;
/// OWASP iterations.
pub const T_COST: u32 = 2;
/// OWASP parallelism.
pub const P_COST: u32 = 1;

fn hasher() -> Result<Argon2<'static>, SocError> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None)
        .map_err(|e| SocError::Password(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(password: &str) -> Result<String, SocError> {
    let hash = hasher()?
        .hash_password(password.as_bytes())
        .map_err(|e| SocError::Password(e.to_string()))?;
    Ok(hash.to_string())
}

fn verify_blocking(password: &str, phc: &str) -> Result<bool, SocError> {
    let parsed = PasswordHash::new(phc).map_err(|e| SocError::Corrupt {
        what: "password hash",
        detail: e.to_string(),
    })?;
    match hasher()?.verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(e) => Err(SocError::Password(e.to_string())),
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SocError> + Send + 'static,
) -> Result<T, SocError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| SocError::Password(format!("hashing task failed: {e}")))?
}

/// Hashes `password` with a fresh random salt into a PHC string.
pub async fn hash_password(password: &str) -> Result<String, SocError> {
    let password = password.to_owned();
    blocking(move || hash_blocking(&password)).await
}

/// Whether `password` matches the PHC string `phc`. A wrong password is `Ok(false)`.
pub async fn verify_password(password: &str, phc: &str) -> Result<bool, SocError> {
    let (password, phc) = (password.to_owned(), phc.to_owned());
    blocking(move || verify_blocking(&password, &phc)).await
}

/// Spends the same work as a real verification and returns `false`: used for unknown users so
/// response time does not reveal which usernames exist.
pub async fn verify_unknown_user(password: &str) -> Result<bool, SocError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let password = password.to_owned();
    blocking(move || {
        let dummy = match DUMMY.get() {
            Some(dummy) => dummy.clone(),
            None => {
                let dummy = hash_blocking("vigie: no such user")?;
                DUMMY.get_or_init(|| dummy).clone()
            }
        };
        verify_blocking(&password, &dummy)?;
        Ok(false)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_is_argon2id_owasp_and_verifies() {
        let phc = hash_password("correct horse").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password("correct horse", &phc).await.unwrap());
        assert!(!verify_password("wrong horse", &phc).await.unwrap());
        assert!(!verify_unknown_user("correct horse").await.unwrap());
        assert!(matches!(
            verify_password("x", "not a phc").await,
            Err(SocError::Corrupt { .. })
        ));
    }
}
