//! Credentials: API tokens (random, stored as SHA-256), generated passwords and secret keys.
//! Password hashing is in `hashing`.

use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::{Digest, Sha256};

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
