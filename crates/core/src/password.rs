//! Passwords: the length rules, and argon2id hashing and verification,
//! bounded in how many run at once.

use crate::error::{Error, Result};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::OnceLock;
use tokio::sync::Semaphore;

pub const MIN_PASSWORD_CHARS: usize = 10;
/// Long enough for any passphrase, short enough that hashing cannot be abused.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// A password that passed the length rules. Never logged, never `Debug`-printed.
pub struct NewPassword(SecretString);

impl NewPassword {
    pub fn parse(field: &str, raw: String) -> Result<NewPassword> {
        if raw.chars().count() < MIN_PASSWORD_CHARS {
            return Err(Error::invalid(
                field,
                format!("must be at least {MIN_PASSWORD_CHARS} characters"),
            ));
        }
        if raw.len() > MAX_PASSWORD_BYTES {
            return Err(Error::invalid(
                field,
                format!("must be at most {MAX_PASSWORD_BYTES} bytes"),
            ));
        }
        Ok(NewPassword(SecretString::from(raw)))
    }
}

/// argon2id with the OWASP-recommended parameters (19 MiB, 2 passes, 1 lane).
fn argon2() -> &'static Argon2<'static> {
    static A: OnceLock<Argon2<'static>> = OnceLock::new();
    A.get_or_init(|| {
        let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    })
}

/// At most this many hashes are computed at once, whatever the load: each
/// holds 19 MiB and a core, and a flood of sign-ins should queue here rather
/// than take the blocking pool's 512 threads (and 9.5 GiB).
fn permits() -> &'static Semaphore {
    static P: OnceLock<Semaphore> = OnceLock::new();
    P.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Semaphore::new(cores * 2)
    })
}

/// Run one argon2 computation on a blocking thread, once a permit is free.
async fn with_permit<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    let _permit = permits()
        .acquire()
        .await
        .map_err(|e| Error::internal(format!("password hashing is closed: {e}")))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::internal(format!("password hashing task failed: {e}")))
}

/// Hash on a blocking thread: argon2 takes tens of milliseconds of CPU.
pub(crate) async fn hash_password(password: NewPassword) -> Result<String> {
    with_permit(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.0.expose_secret().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::internal(format!("password hashing failed: {e}")))
    })
    .await?
}

pub(crate) async fn verify_password(password: SecretString, stored: String) -> bool {
    with_permit(move || {
        PasswordHash::new(&stored)
            .map(|h| {
                argon2()
                    .verify_password(password.expose_secret().as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A hash to verify against when the email is unknown, so that the answer
/// takes as long as for a known email (no user enumeration by timing).
pub(crate) fn dummy_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(b"not a real password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A burst far beyond the permits still hashes and verifies every
    /// password: callers queue, none is refused.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_of_hashes_queues_for_permits_and_all_verify() {
        let burst = permits().available_permits() * 3;
        let mut work = tokio::task::JoinSet::new();
        for i in 0..burst {
            work.spawn(async move {
                let password = format!("burst password {i}");
                let hash = hash_password(NewPassword::parse("p", password.clone()).unwrap())
                    .await
                    .unwrap();
                verify_password(SecretString::from(password), hash).await
            });
        }
        let verified = work.join_all().await;
        assert_eq!(verified.len(), burst);
        assert!(verified.iter().all(|ok| *ok), "{verified:?}");
        assert_eq!(
            permits().available_permits(),
            burst / 3,
            "every permit is back"
        );
    }
}
