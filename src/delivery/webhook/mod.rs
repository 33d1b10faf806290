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

mod client;
mod memo;
mod signing;

use super::{Channel, Message, Outcome, SendFuture};
use crate::domain::net::{self, Destination};
use crate::keys::Sealer;
use client::{HookClient, NoAnswer};
use hyper::http::Uri;
use memo::Memo;
use std::net::IpAddr;
use std::time::Duration;

pub(crate) use client::guarded_client;
pub use signing::sign;

/// At most this much of any answer is read (SPEC §4: a few KiB); the rest is never fetched.
pub const ANSWER_LIMIT: usize = 4 * 1024;

/// Sends alert notifications to webhook URLs.
#[derive(Debug)]
pub struct WebhookChannel {
    client: HookClient,
    allow_loopback: bool,
    /// Opens the methods' sealed secrets.
    sealer: Sealer,
    /// The methods' signing keys, once opened.
    keys: signing::Keys,
    /// The addresses sent to, parsed and checked.
    uris: Memo<Uri>,
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
    unanswered(error_chain(e), e.is_timeout())
}

/// The outcome of a request that got no answer, from its error's causes on one line.
fn unanswered(chain: String, timed_out: bool) -> Outcome {
    if chain.contains("refused to connect to") {
        Outcome::Failed(chain)
    } else if timed_out {
        Outcome::Retry(format!("timed out: {chain}"))
    } else {
        Outcome::Retry(chain)
    }
}

impl WebhookChannel {
    /// `sealer` opens the methods' secrets (`Keys::sealing`).
    pub fn new(allow_loopback: bool, timeout: Duration, sealer: Sealer) -> Self {
        Self {
            client: HookClient::new(allow_loopback, timeout),
            allow_loopback,
            sealer,
            keys: signing::Keys::default(),
            uris: Memo::default(),
        }
    }

    /// `address` as a request URI, checked (once per address: the check depends on the address
    /// alone; host names are checked again whenever a connection is made).
    fn uri(&self, address: &str) -> Result<Uri, Outcome> {
        if let Some(uri) = self.uris.get(address) {
            return Ok(uri);
        }
        let url = checked_url(address, self.allow_loopback)?;
        let uri: Uri = url
            .as_str()
            .parse()
            .map_err(|e| Outcome::Failed(format!("not a URL: {e}")))?;
        self.uris.put(address, uri.clone());
        Ok(uri)
    }

    async fn deliver(&self, message: &Message) -> Outcome {
        let uri = match self.uri(&message.notification.address) {
            Ok(uri) => uri,
            Err(outcome) => return outcome,
        };
        let Some(kept) = &message.recipient.webhook_secret else {
            return Outcome::Failed("the webhook has no signing secret".to_owned());
        };
        let method = message.notification.method_id.as_str();
        let key = match self.keys.key(&self.sealer, method, kept) {
            Ok(key) => key,
            Err(e) => return Outcome::Failed(e),
        };
        let body = match message.webhook_text() {
            Ok(body) => body,
            Err(e) => return Outcome::Failed(format!("the message could not be written: {e}")),
        };
        let id = message.notification.id.as_str();
        let timestamp = message.now.timestamp();
        let signature = signing::signature(key, id, timestamp, &body);
        let headers = [
            ("content-type", "application/json"),
            ("webhook-id", id),
            ("webhook-timestamp", &timestamp.to_string()),
            ("webhook-signature", &signature),
        ];
        match self.client.post(uri, headers, body).await {
            Ok(answer) => {
                super::answer::outcome(answer.status.as_u16(), &answer.headers, &answer.body)
            }
            Err(NoAnswer::TimedOut) => unanswered(
                format!(
                    "no answer from {} within {} s",
                    message.notification.address,
                    self.client.timeout().as_secs_f32()
                ),
                true,
            ),
            Err(NoAnswer::Failed(chain)) => unanswered(chain, false),
        }
    }
}

/// An error and its causes on one line.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
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
