//! Text messages and phone calls through an HTTP provider API of the Twilio kind (SPEC §3):
//! form-encoded `POST {base}/2010-04-01/Accounts/{sid}/Messages.json` (`To`, `From`, `Body`) and
//! `.../Calls.json` (`To`, `From`, `Twiml`), HTTP basic auth with the account sid and token.
//! The provider's sid and status are kept as the attempt's answer. 429, 5xx and timeouts are
//! tried again; 401/403 is a configuration error and 400 (with the provider's error code) is
//! permanent. At most a few KiB of an answer are read (`webhook::ANSWER_LIMIT`).

use super::message::Spoken;
use super::{Channel, Message, Outcome, SendFuture};
use crate::config::Secret;
use askama::Template;
use std::time::Duration;

/// Which provider resource a channel posts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sms,
    Call,
}

/// The provider's address and credentials.
#[derive(Debug, Clone)]
pub struct Provider {
    /// e.g. `https://api.twilio.com`, without a trailing slash.
    pub base_url: String,
    pub account_sid: String,
    pub auth_token: Secret,
    /// The sender number (E.164).
    pub from: String,
}

/// Sends SMS or places calls.
#[derive(Debug, Clone)]
pub struct TwilioChannel {
    client: reqwest::Client,
    provider: Provider,
    kind: Kind,
}

#[derive(Template)]
#[template(path = "voice/call.xml")]
struct Call<'a> {
    language: &'static str,
    pieces: &'a [Spoken],
}

impl TwilioChannel {
    pub fn new(provider: Provider, kind: Kind, timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("Reach/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            provider: Provider {
                base_url: provider.base_url.trim_end_matches('/').to_owned(),
                ..provider
            },
            kind,
        })
    }

    /// The TwiML of a call: what to say, in the recipient's language, said twice.
    pub fn twiml(message: &Message) -> Result<String, askama::Error> {
        Call {
            language: match message.recipient.locale {
                crate::domain::Locale::Es => "es-ES",
                crate::domain::Locale::En => "en-US",
            },
            pieces: &message.spoken(),
        }
        .render()
    }

    async fn deliver(&self, message: &Message) -> Outcome {
        let p = &self.provider;
        let (resource, content) = match self.kind {
            Kind::Sms => ("Messages.json", ("Body", message.short_text())),
            Kind::Call => match Self::twiml(message) {
                Ok(twiml) => ("Calls.json", ("Twiml", twiml)),
                Err(e) => return Outcome::Failed(format!("the call could not be written: {e}")),
            },
        };
        let url = format!(
            "{}/2010-04-01/Accounts/{}/{resource}",
            p.base_url, p.account_sid
        );
        let form = [
            ("To", message.notification.address.clone()),
            ("From", p.from.clone()),
            (content.0, content.1),
        ];
        let sent = self
            .client
            .post(url)
            .basic_auth(&p.account_sid, Some(p.auth_token.expose()))
            .form(&form)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return Outcome::Retry(format!("the provider did not answer in time: {e}"));
            }
            Err(e) => return Outcome::Retry(format!("the provider could not be reached: {e}")),
        };
        let status = response.status().as_u16();
        let answer: serde_json::Value = response.json_or_null().await;
        let field = |name: &str| {
            answer[name]
                .as_str()
                .map(str::to_owned)
                .or_else(|| answer[name].as_i64().map(|n| n.to_string()))
        };
        match status {
            200..=299 => Outcome::Sent(format!(
                "HTTP {status}: sid {} status {}",
                field("sid").unwrap_or_else(|| "?".into()),
                field("status").unwrap_or_else(|| "?".into())
            )),
            401 | 403 => Outcome::Failed(format!(
                "configuration error: the provider refused the credentials (HTTP {status}); check REACH_TWILIO_ACCOUNT_SID and REACH_TWILIO_AUTH_TOKEN"
            )),
            429 | 500..=599 => Outcome::Retry(format!(
                "HTTP {status}: {}",
                field("message").unwrap_or_default()
            )),
            _ => Outcome::Failed(format!(
                "HTTP {status}: error {} {}",
                field("code").unwrap_or_else(|| "?".into()),
                field("message").unwrap_or_default()
            )),
        }
    }
}

/// Reads a JSON answer of at most a few KiB, or `null` when it is not that.
trait JsonOrNull {
    async fn json_or_null(self) -> serde_json::Value;
}

impl JsonOrNull for reqwest::Response {
    async fn json_or_null(self) -> serde_json::Value {
        let bytes = super::webhook::read_capped(self).await;
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null)
    }
}

impl Channel for TwilioChannel {
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a> {
        Box::pin(self.deliver(message))
    }
}
