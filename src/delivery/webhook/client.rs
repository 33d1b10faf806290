//! The HTTP clients for URLs people typed: host names resolved through the guard (only the
//! addresses a webhook may reach are kept), no proxy, no redirects.
//!
//! Webhooks go through hyper's pooled client directly ([`HookClient`]); the chat services,
//! whose requests vary more, through reqwest ([`guarded_client`]). Both resolve with
//! [`allowed`].

use super::{ANSWER_LIMIT, refused};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::http::{HeaderMap, Request, StatusCode, Uri};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// Idle connections kept per receiver.
const IDLE_PER_HOST: usize = 32;

pub(crate) const USER_AGENT: &str = concat!("Reach/", env!("CARGO_PKG_VERSION"));

/// The addresses `host` resolves to that a webhook may reach, or why there are none.
async fn allowed(host: &str, allow_loopback: bool) -> Result<Vec<SocketAddr>, String> {
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map_err(|e| e.to_string())?
        .collect();
    let mut why = "it resolves to no address";
    let kept: Vec<SocketAddr> = found
        .into_iter()
        .filter(|a| match refused(a.ip(), allow_loopback) {
            Some(reason) => {
                why = reason;
                false
            }
            None => true,
        })
        .collect();
    if kept.is_empty() {
        return Err(format!("refused to connect to {host}: {why}"));
    }
    Ok(kept)
}

/// The guard as reqwest's resolver.
#[derive(Debug)]
struct GuardedResolver {
    allow_loopback: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let kept = allowed(name.as_str(), allow_loopback).await?;
            let addrs: reqwest::dns::Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

/// The client of the chat services: reqwest over the guard, no proxy, no redirects.
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
        .user_agent(USER_AGENT)
        .pool_max_idle_per_host(IDLE_PER_HOST)
        .build()
}

/// The guard as hyper's resolver.
#[derive(Debug, Clone, Copy)]
struct Guard {
    allow_loopback: bool,
}

type Resolving =
    Pin<Box<dyn Future<Output = Result<std::vec::IntoIter<SocketAddr>, std::io::Error>> + Send>>;

impl tower::Service<Name> for Guard {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Resolving;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            allowed(name.as_str(), allow_loopback)
                .await
                .map(Vec::into_iter)
                .map_err(std::io::Error::other)
        })
    }
}

/// What a receiver answered: its status, headers and the first [`ANSWER_LIMIT`] bytes.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// Why a request got no answer.
pub(crate) enum NoAnswer {
    /// Not within the send time-out (connecting, sending or reading the answer).
    TimedOut,
    /// The request could not be made or sent (the guard's refusal included); the error's
    /// causes on one line.
    Failed(String),
}

/// The webhook channel's client: hyper's pooled HTTP/1.1 client over rustls, resolving
/// through the guard, with one time-out for the whole exchange.
#[derive(Debug, Clone)]
pub(crate) struct HookClient {
    client: Client<HttpsConnector<HttpConnector<Guard>>, Full<Bytes>>,
    timeout: Duration,
}

impl HookClient {
    pub(crate) fn new(allow_loopback: bool, timeout: Duration) -> Self {
        let mut http = HttpConnector::new_with_resolver(Guard { allow_loopback });
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_max_idle_per_host(IDLE_PER_HOST)
            .build(https);
        Self { client, timeout }
    }

    /// The time-out of one exchange.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// POSTs `body` to `uri` with `headers` (and the user agent) and reads the answer.
    pub(crate) async fn post(
        &self,
        uri: Uri,
        headers: [(&'static str, &str); 4],
        body: String,
    ) -> Result<Answer, NoAnswer> {
        let mut request = Request::post(uri)
            .header("user-agent", USER_AGENT)
            .header("accept", "*/*");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| NoAnswer::Failed(super::error_chain(&e)))?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| NoAnswer::Failed(super::error_chain(&e)))?;
            let (parts, mut incoming) = response.into_parts();
            let mut body = Vec::new();
            // The first bytes only, as they come; the rest is never fetched (the connection
            // is dropped). A body that fails midway ends there.
            while body.len() < ANSWER_LIMIT {
                match incoming.frame().await {
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data() {
                            let room = ANSWER_LIMIT - body.len();
                            body.extend_from_slice(&data[..data.len().min(room)]);
                        }
                    }
                    Some(Err(_)) | None => break,
                }
            }
            Ok(Answer {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or(Err(NoAnswer::TimedOut))
    }
}
