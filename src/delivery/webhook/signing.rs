//! Standard Webhooks signatures (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`), and the
//! signing keys of the methods, opened once: a burst to one webhook opens its sealed secret
//! and derives its HMAC key once, not once per notification.

use super::memo::Memo;
use crate::config::Secret;
use crate::keys::Sealer;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type Key = Hmac<Sha256>;

/// The HMAC key of a `whsec_` secret.
fn key_of(secret: &str) -> Result<Key, String> {
    let bytes = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| "the webhook secret is not valid base64".to_owned())?;
    Key::new_from_slice(&bytes).map_err(|_| "the webhook secret cannot be used".to_owned())
}

/// The signature of `body` sent as `id` at `timestamp` (seconds) under `key`.
pub(super) fn signature(mut key: Key, id: &str, timestamp: i64, body: &str) -> String {
    // The signed content is `id.timestamp.body`, fed in parts (the body is not copied).
    for part in [id, ".", &timestamp.to_string(), ".", body] {
        key.update(part.as_bytes());
    }
    format!("v1,{}", STANDARD.encode(key.finalize().into_bytes()))
}

/// The Standard Webhooks signature of `body` sent as `id` at `timestamp` (seconds).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, String> {
    Ok(signature(key_of(secret)?, id, timestamp, body))
}

/// The opened keys, by method id, with the secret as stored they came from: a method whose
/// secret was rotated is opened again.
#[derive(Debug, Default)]
pub(super) struct Keys {
    opened: Memo<(String, Key)>,
}

impl Keys {
    /// The signing key of `method`, whose secret is kept as `kept`: sealed for the method's
    /// id, or plain (kept before sealing existed, not sealed yet).
    pub(super) fn key(&self, sealer: &Sealer, method: &str, kept: &Secret) -> Result<Key, String> {
        let kept = kept.expose();
        if let Some((stored, key)) = self.opened.get(method)
            && stored == kept
        {
            return Ok(key);
        }
        let key = if Sealer::is_sealed(kept) {
            let plain = sealer
                .open(kept, method)
                .map_err(|e| format!("the webhook's signing secret: {e}"))?;
            key_of(&plain)?
        } else {
            key_of(kept)?
        };
        self.opened.put(method, (kept.to_owned(), key.clone()));
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn the_signature_is_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(SECRET, id, 1_614_265_330, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_kept_key_signs_as_the_secret_does_and_follows_a_new_secret() {
        let sealer = Sealer::new([7; 32]);
        let keys = Keys::default();
        let sign_with =
            |kept: &Secret| signature(keys.key(&sealer, "m1", kept).unwrap(), "n1", 1, "{}");
        let sealed = Secret::from(sealer.seal(SECRET, "m1"));
        let expected = sign(SECRET, "n1", 1, "{}").unwrap();
        // Opened, then taken from the cache: the same signature.
        assert_eq!(sign_with(&sealed), expected);
        assert_eq!(sign_with(&sealed), expected);
        // Rotated: the new secret signs, not the kept key.
        let other = "whsec_dGhlIG90aGVyIHNlY3JldCBvZiB0aGUgbWV0aG9k";
        let rotated = Secret::from(sealer.seal(other, "m1"));
        assert_eq!(sign_with(&rotated), sign(other, "n1", 1, "{}").unwrap());
        // A secret kept plain (before sealing existed) signs too.
        assert_eq!(sign_with(&Secret::from(SECRET.to_owned())), expected);
        // Sealed for another method: it does not open.
        let elsewhere = Secret::from(sealer.seal(SECRET, "m2"));
        assert!(keys.key(&sealer, "m1", &elsewhere).is_err());
    }
}
