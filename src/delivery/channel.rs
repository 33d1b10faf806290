//! The [`Channel`] trait, a way of reaching people (email, webhook, SMS, phone calls, chat), and the
//! [`Outcome`] of one attempt as a channel reports it.

use super::Message;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// How one attempt ended, as a channel reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted; the provider's answer.
    Sent(String),
    /// Failed, may work later (timeouts, 5xx, SMTP 4xx).
    Retry(String),
    /// The service asked to be tried again after this long (HTTP 429 with `Retry-After`).
    RetryAfter(String, std::time::Duration),
    /// Failed for good (SMTP 5xx, HTTP 4xx, a refused address).
    Failed(String),
}

/// What [`Channel::send`] returns.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// A way of reaching people: email, webhook, SMS, phone calls, chat and push services.
pub trait Channel: Send + Sync + fmt::Debug {
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a>;
}
