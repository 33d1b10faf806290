//! The deployment's keys. There is one secret key (`REACH_SECRET_KEY`, or generated once and
//! kept in the database: [`deployment`]); from it a key per purpose is derived with HKDF-SHA256,
//! so the key that signs links tells nothing about the one that binds CSRF tokens or the one
//! that seals secrets at rest.
//!
//! [`Sealer`] seals a secret kept in the database (a webhook's `whsec_` secret) with
//! XChaCha20-Poly1305 under a random nonce, bound to what it belongs to (the associated data),
//! as `sealed:v1:<base64url(nonce ‖ ciphertext)>`; the prefix tells sealed values from the
//! plain ones written before sealing existed.

pub mod deployment;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::RngCore as _;
use sha2::Sha256;

/// What a sealed value starts with.
const SEALED_V1: &str = "sealed:v1:";
const NONCE_LEN: usize = 24;

/// The keys derived from the deployment's secret key, one per purpose.
#[derive(Clone)]
pub struct Keys {
    links: [u8; 32],
    csrf: [u8; 32],
    sealing: Sealer,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys([redacted])")
    }
}

/// The 32-byte key for `purpose`, derived from `secret_key` (HKDF-SHA256, RFC 5869).
fn derive(secret_key: &str, purpose: &str) -> [u8; 32] {
    let hkdf = Hkdf::<Sha256>::new(Some(b"reach/keys/v1"), secret_key.as_bytes());
    let mut key = [0_u8; 32];
    // HKDF-SHA256 gives up to 8160 bytes; 32 always fits.
    if hkdf.expand(purpose.as_bytes(), &mut key).is_err() {
        unreachable!("HKDF-SHA256 expands to 32 bytes");
    }
    key
}

impl Keys {
    pub fn derive(secret_key: &str) -> Self {
        Self {
            links: derive(secret_key, "links"),
            csrf: derive(secret_key, "csrf"),
            sealing: Sealer::new(derive(secret_key, "sealing")),
        }
    }

    /// Signs links put in messages and keeps verification codes (`links::LinkSigner`).
    pub fn links(&self) -> &[u8; 32] {
        &self.links
    }

    /// The HMAC key that binds a CSRF token to its session (web forms).
    pub fn csrf(&self) -> &[u8; 32] {
        &self.csrf
    }

    /// Seals the secrets kept in the database (webhook secrets).
    pub fn sealing(&self) -> &Sealer {
        &self.sealing
    }
}

/// Why a sealed value could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the value is not sealed")]
    NotSealed,
    /// Altered, sealed for something else, or sealed under another key.
    #[error("the sealed value cannot be opened with this key")]
    Unopenable,
}

/// Seals and opens values kept at rest.
#[derive(Clone)]
pub struct Sealer {
    key: [u8; 32],
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer([redacted])")
    }
}

impl Sealer {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.key.into())
    }

    /// Whether `stored` is a sealed value (else it is a plain one from before sealing).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(SEALED_V1)
    }

    /// `plain` sealed for `context` (what it belongs to, e.g. the method's id): it opens only
    /// with this key and this context.
    pub fn seal(&self, plain: &str, context: &str) -> String {
        let mut nonce = [0_u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plain.as_bytes(),
            aad: context.as_bytes(),
        };
        // Encryption into a Vec fails only past the cipher's length limit (256 GiB).
        let Ok(sealed) = self.cipher().encrypt(XNonce::from_slice(&nonce), payload) else {
            unreachable!("XChaCha20-Poly1305 seals any secret of ours");
        };
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("{SEALED_V1}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The plain value of a sealed one, if it was sealed with this key for `context`.
    pub fn open(&self, stored: &str, context: &str) -> Result<String, SealError> {
        let encoded = stored.strip_prefix(SEALED_V1).ok_or(SealError::NotSealed)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| SealError::Unopenable)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError::Unopenable);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let payload = Payload {
            msg: sealed,
            aad: context.as_bytes(),
        };
        let plain = self
            .cipher()
            .decrypt(XNonce::from_slice(nonce), payload)
            .map_err(|_| SealError::Unopenable)?;
        String::from_utf8(plain).map_err(|_| SealError::Unopenable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "a-secret-key-a-secret-key-a-secret-key";

    #[test]
    fn each_purpose_has_its_own_key_fixed_by_the_secret_key() {
        let keys = Keys::derive(KEY);
        let again = Keys::derive(KEY);
        let other = Keys::derive("another-secret-key-another-secret-key");
        assert_eq!(keys.links(), again.links());
        assert_eq!(keys.csrf(), again.csrf());
        assert_ne!(keys.links(), keys.csrf());
        assert_ne!(keys.links(), other.links());
        assert_ne!(keys.csrf(), other.csrf());
        assert_ne!(&keys.links()[..], KEY.as_bytes());
        // Fixed across releases: sealed secrets and signed links depend on it.
        assert_eq!(
            URL_SAFE_NO_PAD.encode(derive("k", "links")),
            "gAoEVaD1pgMyMfkeXUPEnihPaiZXY9x_B5USr5T43Wo"
        );
        assert_eq!(format!("{keys:?}"), "Keys([redacted])");
    }

    #[test]
    fn sealed_values_open_only_with_their_key_and_context() {
        let keys = Keys::derive(KEY);
        let sealer = keys.sealing();
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let sealed = sealer.seal(secret, "method-1");
        assert!(Sealer::is_sealed(&sealed));
        assert!(!sealed.contains("MfKQ9r8"));
        assert_eq!(sealer.open(&sealed, "method-1").as_deref(), Ok(secret));
        // A fresh nonce each time.
        assert_ne!(sealer.seal(secret, "method-1"), sealed);
        assert_eq!(
            sealer.open(&sealed, "method-2"),
            Err(SealError::Unopenable),
            "another method's"
        );
        let other = Keys::derive("another-secret-key-another-secret-key");
        assert_eq!(
            other.sealing().open(&sealed, "method-1"),
            Err(SealError::Unopenable)
        );
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        assert_eq!(
            sealer.open(&altered, "method-1"),
            Err(SealError::Unopenable)
        );
        assert!(!Sealer::is_sealed(secret));
        assert_eq!(sealer.open(secret, "method-1"), Err(SealError::NotSealed));
        for junk in ["sealed:v1:", "sealed:v1:%%%", "sealed:v1:AAAA"] {
            assert_eq!(sealer.open(junk, "x"), Err(SealError::Unopenable), "{junk}");
        }
    }
}
