//! The chat and push channels (SPEC §2 "Channels"): Slack, Microsoft Teams, Discord and ntfy
//! through the URL of the method, Telegram and Matrix through the deployment's bot.
//!
//! Every message's content is its [`Card`]; each service's module lays it out in the format its
//! documented API takes (`slack`: Block Kit, `teams`: an Adaptive Card, `discord`: an embed,
//! `ntfy`: text and headers, `telegram`: HTML and an inline keyboard, `matrix`: an
//! `m.room.message`). The URLs people type go through the webhook channel's guarded client (the
//! SSRF check at connect time, no proxy, no redirects); the operator's Telegram and Matrix
//! servers through a plain one. A 429 is tried again after its `Retry-After`; 5xx, 408 and
//! time-outs with the usual backoff; any other answer is permanent, the service's answer (its
//! first few hundred characters) kept in the attempt.

mod discord;
mod matrix;
mod ntfy;
mod slack;
mod teams;
mod telegram;

use super::answer::outcome;
use super::webhook;
use super::{Channel, Message, Outcome, SendFuture};
use crate::config::Secret;
use crate::domain::MethodType;
use std::time::Duration;
use url::Url;

/// The deployment's Telegram bot.
#[derive(Debug, Clone)]
pub struct TelegramBot {
    pub api_url: Url,
    pub token: Secret,
}

/// The deployment's Matrix bot account.
#[derive(Debug, Clone)]
pub struct MatrixBot {
    pub homeserver_url: Url,
    pub access_token: Secret,
}

/// Sends one chat type's messages.
#[derive(Debug, Clone)]
pub struct ChatChannel {
    kind: MethodType,
    /// For the URLs people typed (Slack, Teams, Discord, ntfy): guarded.
    guarded: reqwest::Client,
    allow_loopback: bool,
    /// For the operator's servers (Telegram, Matrix).
    operator: reqwest::Client,
    telegram: Option<TelegramBot>,
    matrix: Option<MatrixBot>,
}

impl ChatChannel {
    /// A channel for `kind` (one of the chat types).
    pub fn new(
        kind: MethodType,
        allow_loopback: bool,
        timeout: Duration,
        telegram: Option<TelegramBot>,
        matrix: Option<MatrixBot>,
    ) -> Result<Self, reqwest::Error> {
        let operator = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("Reach/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            kind,
            guarded: webhook::guarded_client(allow_loopback, timeout)?,
            allow_loopback,
            operator,
            telegram,
            matrix,
        })
    }

    async fn deliver(&self, message: &Message) -> Outcome {
        let card = message.card();
        let address = message.notification.address.as_str();
        let request = match self.kind {
            MethodType::Slack | MethodType::Teams | MethodType::Discord | MethodType::Ntfy => {
                let mut url = match webhook::checked_url(address, self.allow_loopback) {
                    Ok(url) => url,
                    Err(outcome) => return outcome,
                };
                match self.kind {
                    MethodType::Slack => json(self.guarded.post(url), &slack::payload(&card)),
                    MethodType::Teams => json(self.guarded.post(url), &teams::payload(&card)),
                    MethodType::Discord => {
                        url.query_pairs_mut().append_pair("wait", "true");
                        json(self.guarded.post(url), &discord::payload(&card))
                    }
                    _ => ntfy::request(self.guarded.post(url), &card),
                }
            }
            MethodType::Telegram => {
                let Some(bot) = &self.telegram else {
                    return Outcome::Failed(
                        "Telegram is not configured on this server (REACH_TELEGRAM_BOT_TOKEN is unset)"
                            .into(),
                    );
                };
                let url = format!(
                    "{}/bot{}/sendMessage",
                    bot.api_url.as_str().trim_end_matches('/'),
                    bot.token.expose()
                );
                json(self.operator.post(url), &telegram::payload(&card, address))
            }
            MethodType::Matrix => {
                let Some(bot) = &self.matrix else {
                    return Outcome::Failed(
                        "Matrix is not configured on this server (REACH_MATRIX_HOMESERVER_URL and \
                         REACH_MATRIX_ACCESS_TOKEN are unset)"
                            .into(),
                    );
                };
                let url = matrix::send_url(
                    &bot.homeserver_url,
                    address,
                    message.notification.id.as_str(),
                );
                let put = self
                    .operator
                    .put(url)
                    .bearer_auth(bot.access_token.expose());
                json(put, &matrix::payload(&card))
            }
            other => {
                return Outcome::Failed(format!("{} is not a chat method", other.as_str()));
            }
        };
        let ended = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                let body = webhook::read_capped(response).await;
                outcome(status, &headers, &body)
            }
            // Without the URL: a Telegram bot's token travels in its path.
            Err(e) => webhook::send_error(&e.without_url()),
        };
        // A proxy in front of the Bot API may echo the path, token and all, in its answer.
        match (&self.telegram, self.kind) {
            (Some(bot), MethodType::Telegram) => redacted(ended, bot.token.expose()),
            _ => ended,
        }
    }
}

/// The outcome with every copy of `secret` in its detail replaced.
fn redacted(outcome: Outcome, secret: &str) -> Outcome {
    let hide = |detail: String| detail.replace(secret, "[redacted]");
    match outcome {
        Outcome::Sent(d) => Outcome::Sent(hide(d)),
        Outcome::Retry(d) => Outcome::Retry(hide(d)),
        Outcome::RetryAfter(d, wait) => Outcome::RetryAfter(hide(d), wait),
        Outcome::Failed(d) => Outcome::Failed(hide(d)),
    }
}

impl Channel for ChatChannel {
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a> {
        Box::pin(self.deliver(message))
    }
}

/// A JSON body.
fn json(request: reqwest::RequestBuilder, body: &serde_json::Value) -> reqwest::RequestBuilder {
    request
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
}

/// Text for HTML: `<`, `>`, `&`, `"` and `'` escaped (Telegram and Matrix take HTML).
fn html(text: &str) -> String {
    askama::filters::escape(text, askama::filters::Html)
        .map(|safe| safe.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::message::card::{Card, Link, Tone};
    use super::*;

    /// A critical alert's card, with text that needs escaping everywhere.
    pub fn card() -> Card {
        Card {
            headline: "Critical alert for Northwind & Co".into(),
            title: "Disk full <srv-12>".into(),
            facts: vec![
                ("Company".into(), "Northwind & Co".into()),
                ("Severity".into(), "Critical".into()),
            ],
            text: vec!["The disk /var is 99% full.".into()],
            code: None,
            ack: Some(Link {
                label: "Acknowledge".into(),
                url: "https://reach.test/ack/t0k".into(),
            }),
            open: Some(Link {
                label: "Open in Reach".into(),
                url: "https://reach.test/alerts/a1".into(),
            }),
            fallback: "[CRITICAL] Northwind & Co: Disk full <srv-12>".into(),
            footer: "Sent by Reach to Ana for Acme.".into(),
            tone: Tone::Critical,
        }
    }

    #[test]
    fn a_token_echoed_by_a_proxy_is_hidden() {
        let echoed = Outcome::Failed("HTTP 404: Cannot POST /bot123:abc/sendMessage".into());
        assert_eq!(
            redacted(echoed, "123:abc"),
            Outcome::Failed("HTTP 404: Cannot POST /bot[redacted]/sendMessage".into())
        );
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(html("<b>&\"'"), "&#60;b&#62;&#38;&#34;&#39;");
    }
}
