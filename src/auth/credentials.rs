//! Credentials: password hashing (argon2id) and API tokens (random, stored as SHA-256).

use crate::domain::Password;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::{Digest, Sha256};

/// The argon2id PHC string of a password.
pub fn hash_password(password: &Password) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password failed: {e}"))
}

/// Whether `candidate` matches a stored PHC string. A malformed hash matches nothing.
pub fn verify_password(candidate: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(candidate.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

fn random_text(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// A password for someone who did not choose one: 20 letters and digits (about 119 bits).
pub fn generate_password() -> String {
    random_text(20)
}

/// A new API token (shown once) and the hash that is stored.
pub fn generate_token() -> (String, String) {
    let token = format!("reach_{}", random_text(40));
    let hash = hash_token(&token);
    (token, hash)
}

/// Tokens carry about 238 random bits, so one fast hash is enough to keep them unusable
/// if the database leaks.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A random secret key, for deployments that do not set `REACH_SECRET_KEY`.
pub fn generate_secret_key() -> String {
    random_text(64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() -> anyhow::Result<()> {
        let password = Password::parse("correct horse battery").map_err(anyhow::Error::msg)?;
        let hash = hash_password(&password)?;
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse battery!", &hash));
        assert!(!verify_password("anything", "not a hash"));
        Ok(())
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, hash_a) = generate_token();
        let (b, _) = generate_token();
        assert_ne!(a, b);
        assert!(a.starts_with("reach_") && a.len() == 46);
        assert_eq!(hash_token(&a), hash_a);
        assert_eq!(hash_a.len(), 64);
        assert!(!hash_a.contains(&a));
        assert_eq!(generate_password().len(), 20);
    }
}
