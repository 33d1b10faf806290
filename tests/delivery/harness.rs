//! What the delivery tests start: a webhook receiver (in-process, on 127.0.0.1), a real SMTP
//! server (aiosmtpd, in a child process), and a dispatcher on an injected clock.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::{DateTime, Utc};
use reach::delivery::email::EmailChannel;
use reach::delivery::webhook::WebhookChannel;
use reach::delivery::{DispatchConfig, Dispatcher};
use reach::domain::MethodType;
use reach::links::LinkSigner;
use reach::runtime::ManualClock;
use reach::store::SqlStore;
use serde_json::Value;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

pub use crate::common::SECRET_KEY;
pub const PUBLIC_URL: &str = "http://reach.test";

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: String,
}

#[derive(Debug, Default)]
struct ReceiverState {
    received: Vec<Received>,
    /// Statuses to answer, in order; 200 once they run out.
    answers: VecDeque<u16>,
    /// The next request is told to the first and waits for the second.
    held: Option<(oneshot::Sender<()>, oneshot::Receiver<()>)>,
}

/// A local webhook receiver that records every request.
#[derive(Debug, Clone)]
pub struct Receiver {
    pub addr: SocketAddr,
    state: Arc<Mutex<ReceiverState>>,
}

impl Receiver {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(ReceiverState::default()));
        let app = axum::Router::new()
            .route(
                "/{*path}",
                post(
                    |State(state): State<Arc<Mutex<ReceiverState>>>,
                     headers: HeaderMap,
                     body: Bytes| async move {
                        let held = state.lock().unwrap().held.take();
                        if let Some((arrived, release)) = held {
                            let _ = arrived.send(());
                            let _ = release.await;
                        }
                        let mut s = state.lock().unwrap();
                        s.received.push(Received {
                            headers,
                            body: String::from_utf8_lossy(&body).into_owned(),
                        });
                        StatusCode::from_u16(s.answers.pop_front().unwrap_or(200)).unwrap()
                    },
                ),
            )
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, state }
    }

    /// The URL of a hook on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("http://localhost:{}/{path}", self.addr.port())
    }

    /// Answers these statuses to the next requests.
    pub fn answer(&self, statuses: &[u16]) {
        self.state.lock().unwrap().answers.extend(statuses);
    }

    /// Holds the next request until the second is sent (or dropped); the first tells when it
    /// arrived.
    pub fn hold_next(&self) -> (oneshot::Receiver<()>, oneshot::Sender<()>) {
        let (arrived, told) = oneshot::channel();
        let (release, released) = oneshot::channel();
        self.state.lock().unwrap().held = Some((arrived, released));
        (told, release)
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }
}

/// Verifies a request the way a receiver would with the Standard Webhooks algorithm, written
/// here from the specification: base64 HMAC-SHA256 over `id.timestamp.body` with the base64
/// key after `whsec_`, compared against every `v1,` signature of the header.
pub fn verify_standard_webhook(secret: &str, request: &Received) -> Result<Value, String> {
    use base64::Engine as _;
    use hmac::Mac as _;
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or(format!("no {name} header"))
    };
    let id = header("webhook-id")?;
    let timestamp = header("webhook-timestamp")?;
    let signatures = header("webhook-signature")?;
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").ok_or("secret prefix")?)
        .map_err(|e| e.to_string())?;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(format!("{id}.{timestamp}.{}", request.body).as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    if !signatures
        .split(' ')
        .any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
    {
        return Err(format!("signature {signatures} does not match"));
    }
    serde_json::from_str(&request.body).map_err(|e| e.to_string())
}

/// A real SMTP server (aiosmtpd) writing what it accepts to a folder.
#[derive(Debug)]
pub struct SmtpSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl SmtpSink {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| {
            panic!(
                "the SMTP sink did not start (is aiosmtpd installed? ./scripts/test installs it): {line:?}"
            )
        });
        Self { port, dir, child }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages received so far, in order.
    pub fn messages(&self) -> Vec<Value> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort_by_key(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse::<u32>().ok())
        });
        files
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    /// Waits (with a deadline) until `n` messages arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let messages = self.messages();
            if messages.len() >= n || Instant::now() > deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// A dispatcher on `clock` with the real email and webhook channels.
pub fn dispatcher(
    store: &SqlStore,
    clock: Arc<ManualClock>,
    smtp: Option<&SmtpSink>,
    mail_dir: &std::path::Path,
    allow_loopback: bool,
) -> Arc<Dispatcher> {
    configured(
        store,
        clock,
        smtp,
        mail_dir,
        allow_loopback,
        DispatchConfig::default(),
    )
}

/// [`dispatcher`] with `config`.
pub fn configured(
    store: &SqlStore,
    clock: Arc<ManualClock>,
    smtp: Option<&SmtpSink>,
    mail_dir: &std::path::Path,
    allow_loopback: bool,
    config: DispatchConfig,
) -> Arc<Dispatcher> {
    let email = EmailChannel::new(
        smtp.map(SmtpSink::url).as_deref(),
        mail_dir,
        "Reach <reach@reach.test>",
        "reach.test",
        Duration::from_secs(10),
    )
    .unwrap();
    let webhook = WebhookChannel::new(
        allow_loopback,
        Duration::from_secs(5),
        crate::common::sealer(),
    );
    Arc::new(
        Dispatcher::new(
            store.clone(),
            clock,
            LinkSigner::new(SECRET_KEY, PUBLIC_URL),
            config,
        )
        .with_channel(MethodType::Email, Arc::new(email))
        .with_channel(MethodType::Webhook, Arc::new(webhook)),
    )
}

pub use crate::provider::*;
