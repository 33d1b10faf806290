//! The webhook channel: a JSON POST signed per the Standard Webhooks specification
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`).
//!
//! The address was checked when the method was saved; it is checked again here, when the
//! connection is made, with the same classifier (`domain::net`): the host name is resolved and
//! only globally routable addresses (and loopback, where the deployment allows it) are kept, so
//! a name that later points inside the network reaches nothing; a literal address, which is not
//! resolved, is checked before sending. Proxy settings are ignored, redirects are not followed
//! and at most [`ANSWER_LIMIT`] bytes of an answer are read. The method's secret is kept sealed
//! and opened here, for signing.

use super::{Channel, Message, Outcome, SendFuture};
use crate::domain::net::{self, Destination};
use crate::keys::Sealer;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use sha2::Sha256;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// At most this much of any answer is read (SPEC §4: a few KiB); the rest is never fetched.
pub const ANSWER_LIMIT: usize = 4 * 1024;

/// Sends alert notifications to webhook URLs.
#[derive(Debug, Clone)]
pub struct WebhookChannel {
    client: reqwest::Client,
    allow_loopback: bool,
    /// Opens the methods' sealed secrets.
    sealer: Sealer,
}

/// Whether a connection to `ip` is allowed: the reason when it is not.
fn refused(ip: IpAddr, allow_loopback: bool) -> Option<&'static str> {
    match net::classify(ip) {
        Destination::Refused(why) => Some(why),
        Destination::Loopback if !allow_loopback => Some("loopback addresses are not allowed"),
        Destination::Loopback | Destination::Global => None,
    }
}

/// The first [`ANSWER_LIMIT`] bytes of an answer's body, read as they come; the rest is left
/// unread (the connection is dropped). A body that fails or times out midway ends there.
pub(crate) async fn read_capped(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < ANSWER_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = ANSWER_LIMIT - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    body
}

/// Resolves host names and keeps only the addresses a webhook may reach.
#[derive(Debug)]
struct GuardedResolver {
    allow_loopback: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut why = "it resolves to no address";
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| match refused(a.ip(), allow_loopback) {
                    Some(reason) => {
                        why = reason;
                        false
                    }
                    None => true,
                })
                .collect();
            if allowed.is_empty() {
                return Err(format!("refused to connect to {host}: {why}").into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// The Standard Webhooks signature of `body` sent as `id` at `timestamp` (seconds).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, String> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .map_err(|_| "the webhook secret is not valid base64".to_owned())?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key)
        .map_err(|_| "the webhook secret cannot be used".to_owned())?;
    // The signed content is `id.timestamp.body`, fed in parts (the body is not copied).
    for part in [id, ".", &timestamp.to_string(), ".", body] {
        mac.update(part.as_bytes());
    }
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The client for URLs people typed (webhooks, chat services): host names resolved through
/// the guard, no proxy, no redirects.
pub(crate) fn guarded_client(
    allow_loopback: bool,
    timeout: Duration,
) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver { allow_loopback }))
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("Reach/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(32)
        .build()
}

/// A stored URL, parsed, with a literal address (which the resolver never sees) checked here.
pub(crate) fn checked_url(address: &str, allow_loopback: bool) -> Result<url::Url, Outcome> {
    let url = url::Url::parse(address).map_err(|e| Outcome::Failed(format!("not a URL: {e}")))?;
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        _ => None,
    };
    match literal.and_then(|ip| refused(ip, allow_loopback)) {
        Some(why) => Err(Outcome::Failed(format!(
            "refused to connect to {url}: {why}"
        ))),
        None => Ok(url),
    }
}

/// A request that got no answer: the guard's refusal is permanent, other trouble may pass.
pub(crate) fn send_error(e: &reqwest::Error) -> Outcome {
    let chain = error_chain(e);
    if chain.contains("refused to connect to") {
        Outcome::Failed(chain)
    } else if e.is_timeout() {
        Outcome::Retry(format!("timed out: {chain}"))
    } else {
        Outcome::Retry(chain)
    }
}

impl WebhookChannel {
    /// `sealer` opens the methods' secrets (`Keys::sealing`).
    pub fn new(
        allow_loopback: bool,
        timeout: Duration,
        sealer: Sealer,
    ) -> Result<Self, reqwest::Error> {
        Ok(Self {
            client: guarded_client(allow_loopback, timeout)?,
            allow_loopback,
            sealer,
        })
    }

    async fn deliver(&self, message: &Message) -> Outcome {
        let url = match checked_url(&message.notification.address, self.allow_loopback) {
            Ok(url) => url,
            Err(outcome) => return outcome,
        };
        let Some(kept) = &message.recipient.webhook_secret else {
            return Outcome::Failed("the webhook has no signing secret".to_owned());
        };
        // A plain secret is one kept before sealing, not sealed yet (the step after the
        // migrations seals it).
        let secret = if Sealer::is_sealed(kept.expose()) {
            match self
                .sealer
                .open(kept.expose(), message.notification.method_id.as_str())
            {
                Ok(plain) => crate::config::Secret::from(plain),
                Err(e) => {
                    return Outcome::Failed(format!("the webhook's signing secret: {e}"));
                }
            }
        } else {
            kept.clone()
        };
        let body = match message.webhook_text() {
            Ok(body) => body,
            Err(e) => return Outcome::Failed(format!("the message could not be written: {e}")),
        };
        let id = &message.notification.id;
        let timestamp = message.now.timestamp();
        let signature = match sign(secret.expose(), id.as_str(), timestamp, &body) {
            Ok(signature) => signature,
            Err(e) => return Outcome::Failed(e),
        };
        let sent = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", id.as_str())
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let body = read_capped(response).await;
                super::answer::outcome(status, &headers, &body)
            }
            Err(e) => send_error(&e),
        }
    }
}

/// An error and its causes on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl Channel for WebhookChannel {
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a> {
        Box::pin(self.deliver(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, id, 1_614_265_330, body).unwrap(),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn private_and_loopback_addresses_are_refused() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(refused(ip("10.1.2.3"), true).is_some());
        assert!(refused(ip("169.254.169.254"), true).is_some());
        assert!(refused(ip("::ffff:192.168.0.1"), true).is_some());
        assert!(refused(ip("100.64.0.1"), true).is_some());
        assert!(refused(ip("64:ff9b::a00:5"), true).is_some());
        assert!(refused(ip("::ffff:127.0.0.1"), false).is_some());
        assert!(refused(ip("::ffff:127.0.0.1"), true).is_none());
        assert!(refused(ip("127.0.0.1"), false).is_some());
        assert!(refused(ip("127.0.0.1"), true).is_none());
        assert!(refused(ip("93.184.216.34"), false).is_none());
    }
}
