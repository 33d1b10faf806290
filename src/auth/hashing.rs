//! Password hashing (argon2id), off the async workers: every hash and verification runs on
//! tokio's blocking pool, at most one per core at a time (a global semaphore), so a flood of
//! sign-ins queues for CPU instead of stalling every other request. The API is async, so no
//! caller can run a hash on a request worker by mistake.

use crate::domain::Password;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::{Arc, LazyLock};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// An argon2id hash of a random password, checked against when there is no stored hash, so
/// an unknown email takes as long as a known one.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$YWJjZGVmZ2hpamtsbW5vcA$Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy";

/// One permit per core: how many hashes may run at once in this process.
static HASHERS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| Arc::new(Semaphore::new(slots())));

fn slots() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}

/// Runs `work` on the blocking pool once a hasher is free. The permit travels with the work,
/// so a request that gives up waiting does not free a slot its hash is still using.
async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    let permit = Arc::clone(&HASHERS).acquire_owned().await?;
    let answer = tokio::task::spawn_blocking(move || {
        let answer = work();
        drop(permit);
        answer
    })
    .await?;
    Ok(answer)
}

/// The argon2id PHC string of a password.
pub async fn hash_password(password: &Password) -> anyhow::Result<String> {
    let password = password.expose().to_owned();
    run(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password failed: {e}"))
    })
    .await?
}

/// Whether `candidate` matches the stored PHC string. With no stored hash (an unknown email,
/// a user without a password) a dummy hash is checked, so the answer (`false`) takes as long.
/// A malformed hash matches nothing.
pub async fn verify_password(candidate: &str, phc: Option<&str>) -> anyhow::Result<bool> {
    let candidate = candidate.to_owned();
    let (phc, real) = match phc {
        Some(phc) => (phc.to_owned(), true),
        None => (DUMMY_HASH.to_owned(), false),
    };
    run(move || {
        let matches = PasswordHash::new(&phc).is_ok_and(|hash| {
            Argon2::default()
                .verify_password(candidate.as_bytes(), &hash)
                .is_ok()
        });
        real && matches
    })
    .await
}

/// Holds every hasher until the guard is dropped: hashes and verifications started meanwhile
/// wait. For tests that show a request answers without hashing.
#[doc(hidden)]
pub async fn hold_all_hashers() -> anyhow::Result<OwnedSemaphorePermit> {
    let all = u32::try_from(slots())?;
    Ok(Arc::clone(&HASHERS).acquire_many_owned(all).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify_only_themselves() -> anyhow::Result<()> {
        let password = Password::parse("correct horse battery").map_err(anyhow::Error::msg)?;
        let hash = hash_password(&password).await?;
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&hash)).await?);
        assert!(!verify_password("correct horse battery!", Some(&hash)).await?);
        assert!(!verify_password("anything", Some("not a hash")).await?);
        assert!(!verify_password("anything", None).await?);
        Ok(())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hashing_waits_for_a_free_hasher() -> anyhow::Result<()> {
        let held = hold_all_hashers().await?;
        let password = Password::parse("correct horse battery").map_err(anyhow::Error::msg)?;
        let hashing = tokio::spawn(async move { hash_password(&password).await });
        tokio::task::yield_now().await;
        assert_eq!(HASHERS.available_permits(), 0);
        assert!(!hashing.is_finished(), "no hasher is free");
        drop(held);
        assert!(hashing.await??.starts_with("$argon2id$"));
        Ok(())
    }
}
