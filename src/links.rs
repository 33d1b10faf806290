//! Signed links put in messages: acknowledging an alert without signing in. A link carries
//! what it grants and when it expires, signed with HMAC-SHA256 under the links key derived from
//! the deployment's secret key (`keys::Keys::links`), so nothing is stored and nothing can be
//! forged or extended.

use crate::domain::{AccountId, AlertId, ContactId};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The paths of the pages that links in messages open. The router serves these same
/// constants, so a link and its page cannot drift apart.
pub mod paths {
    pub const ACK: &str = "/ack/{token}";
    pub const VERIFY: &str = "/verify/{token}";
    pub const UNSUBSCRIBE: &str = "/unsubscribe/{token}";
    pub const SET_PASSWORD: &str = "/set-password/{token}";
    pub const ALERT: &str = "/alerts/{id}";
    pub const ICAL: &str = "/ical/{token}";
    pub const SETUP: &str = "/setup/{token}";
}

/// A path of [`paths`] with its one parameter filled in.
pub fn fill(path: &str, value: &str) -> String {
    path.replace("{token}", value).replace("{id}", value)
}

/// How long an acknowledge link works.
pub const ACK_LINK_LIFETIME: Duration = Duration::days(7);

/// Makes and checks signed links.
#[derive(Clone)]
pub struct LinkSigner {
    /// HMAC-SHA256 keyed with the links key, cloned for each signature (keying it is half the
    /// work of signing a short payload).
    key: Hmac<Sha256>,
    /// The secret key itself, which signed links before keys were derived per purpose: links
    /// sent then (acknowledge 7 days, unsubscribe 90 days) are still accepted. New links are
    /// never signed with it; it can go once the longest of them has expired.
    legacy: Vec<u8>,
    public_url: String,
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkSigner")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

/// What an acknowledge link grants: this contact may acknowledge this alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckGrant {
    pub account_id: AccountId,
    pub alert_id: AlertId,
    pub contact_id: ContactId,
    pub expires_at: DateTime<Utc>,
}

/// Why a link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    /// Not a link we made (or altered).
    Invalid,
    Expired,
}

impl LinkSigner {
    /// Signs with the links key derived from `secret_key`; `public_url` without its trailing
    /// slash.
    pub fn new(secret_key: &str, public_url: &str) -> Self {
        Self::with_keys(
            &crate::keys::Keys::derive(secret_key),
            secret_key,
            public_url,
        )
    }

    /// Signs with `keys.links()`; `secret_key` is the one they were derived from (it checks
    /// links signed before keys were derived).
    pub fn with_keys(keys: &crate::keys::Keys, secret_key: &str, public_url: &str) -> Self {
        Self {
            key: <Hmac<Sha256> as Mac>::new_from_slice(keys.links())
                .unwrap_or_else(|_| unreachable!("HMAC accepts any key length")),
            legacy: secret_key.as_bytes().to_vec(),
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    fn mac(&self, payload: &str) -> Hmac<Sha256> {
        let mut mac = self.key.clone();
        mac.update(payload.as_bytes());
        mac
    }

    /// How a verification code is kept: HMAC-SHA256 under the secret key, bound to its method,
    /// so the stored value tells nothing without the key.
    pub fn code_hash(&self, method_id: &str, code: &str) -> String {
        let digest = self
            .mac(&format!("code.{method_id}.{code}"))
            .finalize()
            .into_bytes();
        URL_SAFE_NO_PAD.encode(digest)
    }

    /// A token carrying `payload`, signed.
    fn seal(&self, payload: &str) -> String {
        let signature = self.mac(payload).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(signature)
        )
    }

    /// The payload of a token (`base64url(payload).base64url(HMAC)`) whose signature is ours.
    fn signed_payload(&self, token: &str) -> Result<String, LinkError> {
        let (payload, signature) = token.split_once('.').ok_or(LinkError::Invalid)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|p| String::from_utf8(p).ok())
            .ok_or(LinkError::Invalid)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| LinkError::Invalid)?;
        self.mac(&payload)
            .verify_slice(&signature)
            .or_else(|_| mac_with(&self.legacy, &payload).verify_slice(&signature))
            .map_err(|_| LinkError::Invalid)?;
        Ok(payload)
    }

    /// A signed token for `purpose` carrying `fields` until `expires_at` (base64url of a JSON
    /// array, a dot, base64url of its HMAC).
    pub fn token(&self, purpose: &str, fields: &[&str], expires_at: DateTime<Utc>) -> String {
        let payload = serde_json::json!([purpose, fields, expires_at.timestamp()]).to_string();
        self.seal(&payload)
    }

    /// The fields of a token made by [`Self::token`] for `purpose`, if it is ours and valid.
    pub fn check(
        &self,
        purpose: &str,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, LinkError> {
        let payload = self.signed_payload(token)?;
        let (found, fields, expires): (String, Vec<String>, i64) =
            serde_json::from_str(&payload).map_err(|_| LinkError::Invalid)?;
        if found != purpose {
            return Err(LinkError::Invalid);
        }
        if now.timestamp() >= expires {
            return Err(LinkError::Expired);
        }
        Ok(fields)
    }

    /// `public_url` + `path` with its one parameter (`{token}` or `{id}`) filled in.
    fn url(&self, path: &str, value: &str) -> String {
        format!("{}{}", self.public_url, fill(path, value))
    }

    /// The page of an alert (in messages; the reader signs in to see it).
    pub fn alert_url(&self, alert_id: &AlertId) -> String {
        self.url(paths::ALERT, alert_id.as_str())
    }

    /// A one-time set-password link with its token.
    pub fn set_password_url(&self, token: &str) -> String {
        self.url(paths::SET_PASSWORD, token)
    }

    /// The link in a verification email: opening it (and confirming) verifies the method, as
    /// long as its address is still the one the email went to.
    pub fn verify_url(
        &self,
        account: &str,
        contact: &str,
        method: &str,
        address: &str,
        expires_at: DateTime<Utc>,
    ) -> String {
        let token = self.token("verify", &[account, contact, method, address], expires_at);
        self.url(paths::VERIFY, &token)
    }

    /// The secret iCalendar feed of a schedule: no expiry; a new `feed_key` ends it.
    pub fn feed_url(&self, schedule: &str, feed_key: &str) -> String {
        let never = DateTime::<Utc>::MAX_UTC;
        let token = self.token("ical", &[schedule, feed_key], never);
        format!("{}.ics", self.url(paths::ICAL, &token))
    }

    /// The schedule id and feed key of a feed token (`.ics` may end it).
    pub fn check_feed(&self, token: &str) -> Result<(String, String), LinkError> {
        let token = token.strip_suffix(".ics").unwrap_or(token);
        let mut fields = self.check("ical", token, Utc::now())?.into_iter();
        match (fields.next(), fields.next(), fields.next()) {
            (Some(schedule), Some(key), None) => Ok((schedule, key)),
            _ => Err(LinkError::Invalid),
        }
    }

    /// The first-run setup link `reach serve` prints while there is no account. It works
    /// until it expires or any account exists, whichever comes first.
    pub fn setup_url(&self, expires_at: DateTime<Utc>) -> String {
        let nonce = crate::auth::generate_token().0;
        self.url(paths::SETUP, &self.token("setup", &[&nonce], expires_at))
    }

    /// Whether a setup token is ours and unexpired.
    pub fn check_setup(&self, token: &str, now: DateTime<Utc>) -> bool {
        self.check("setup", token, now).is_ok()
    }

    /// The unsubscribe link of a report email: turns `reports` off for that method.
    pub fn unsubscribe_url(
        &self,
        account: &str,
        contact: &str,
        method: &str,
        expires_at: DateTime<Utc>,
    ) -> String {
        let token = self.token("unsubscribe", &[account, contact, method], expires_at);
        self.url(paths::UNSUBSCRIBE, &token)
    }

    /// The token of an acknowledge link.
    pub fn ack_token(&self, grant: &AckGrant) -> String {
        let payload = format!(
            "ack.{}.{}.{}.{}",
            grant.account_id,
            grant.alert_id,
            grant.contact_id,
            grant.expires_at.timestamp()
        );
        self.seal(&payload)
    }

    /// The whole acknowledge link.
    pub fn ack_url(&self, grant: &AckGrant) -> String {
        self.url(paths::ACK, &self.ack_token(grant))
    }

    /// Checks a token from a link; the grant if it is ours and still valid at `now`.
    pub fn check_ack(&self, token: &str, now: DateTime<Utc>) -> Result<AckGrant, LinkError> {
        let payload = self.signed_payload(token)?;
        let mut parts = payload.split('.');
        let (Some("ack"), Some(account), Some(alert), Some(contact), Some(expires), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(LinkError::Invalid);
        };
        let expires_at = expires
            .parse::<i64>()
            .ok()
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or(LinkError::Invalid)?;
        if now >= expires_at {
            return Err(LinkError::Expired);
        }
        Ok(AckGrant {
            account_id: AccountId::from_string(account),
            alert_id: AlertId::from_string(alert),
            contact_id: ContactId::from_string(contact.to_owned()),
            expires_at,
        })
    }
}

/// HMAC-SHA256 of `payload` under `key`.
fn mac_with(key: &[u8], payload: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(payload.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(now: DateTime<Utc>) -> AckGrant {
        AckGrant {
            account_id: AccountId::from_string("x1"),
            alert_id: AlertId::from_string("a1"),
            contact_id: ContactId::from_string("c1"),
            expires_at: now + ACK_LINK_LIFETIME,
        }
    }

    #[test]
    fn a_link_works_until_it_expires_and_cannot_be_altered() {
        let now = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let signer = LinkSigner::new("k", "http://x/");
        let token = signer.ack_token(&grant(now));
        assert_eq!(signer.check_ack(&token, now), Ok(grant(now)));
        assert!(signer.ack_url(&grant(now)).starts_with("http://x/ack/"));
        assert_eq!(
            signer.check_ack(&token, now + ACK_LINK_LIFETIME),
            Err(LinkError::Expired)
        );
        let other_key = LinkSigner::new("other", "http://x");
        assert_eq!(other_key.check_ack(&token, now), Err(LinkError::Invalid));
        // Another alert's id with this signature.
        let (_, signature) = token.split_once('.').unwrap();
        let forged = format!(
            "{}.{signature}",
            URL_SAFE_NO_PAD.encode(format!(
                "ack.x1.a2.c1.{}",
                (now + ACK_LINK_LIFETIME).timestamp()
            ))
        );
        assert_eq!(signer.check_ack(&forged, now), Err(LinkError::Invalid));
        // Signed under the derived key, not under the secret key itself.
        let (payload, _) = token.split_once('.').unwrap();
        let raw = URL_SAFE_NO_PAD.encode(
            mac_with(
                b"k",
                &String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap(),
            )
            .finalize()
            .into_bytes(),
        );
        assert_ne!(token, format!("{payload}.{raw}"));
        for junk in ["", ".", "a.b", "%%%.%%%", &token[1..]] {
            assert_eq!(
                signer.check_ack(junk, now),
                Err(LinkError::Invalid),
                "{junk}"
            );
        }
    }

    #[test]
    fn links_signed_before_keys_were_derived_still_work_until_they_expire() {
        let now = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let key = "an-old-secret-key-an-old-secret-key";
        let signer = LinkSigner::new(key, "http://x");
        // What the previous version made: the payload signed with the secret key itself.
        let payload = format!("ack.x1.a1.c1.{}", (now + ACK_LINK_LIFETIME).timestamp());
        let old = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(mac_with(key.as_bytes(), &payload).finalize().into_bytes())
        );
        assert_eq!(signer.check_ack(&old, now), Ok(grant(now)));
        assert_eq!(
            signer.check_ack(&old, now + ACK_LINK_LIFETIME),
            Err(LinkError::Expired)
        );
        assert_eq!(
            LinkSigner::new("another-key", "http://x").check_ack(&old, now),
            Err(LinkError::Invalid)
        );
    }
}
