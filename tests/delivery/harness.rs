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
    )
    .unwrap();
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

pub const SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const AUTH_TOKEN: &str = "provider-token-0123";
pub const FROM: &str = "+15005550006";

/// One request the provider stand-in accepted as well-formed.
#[derive(Debug, Clone)]
pub struct ProviderRequest {
    /// `Messages.json` or `Calls.json`.
    pub resource: String,
    pub form: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Default)]
struct ProviderState {
    requests: Vec<ProviderRequest>,
    /// Refused requests, with why: the channel broke the documented API.
    violations: Vec<String>,
    answers: VecDeque<(u16, Value)>,
}

/// A local stand-in for the SMS/voice provider that checks every request against its
/// documented API (path, basic auth, form fields) and answers like it, or fails on demand.
#[derive(Debug, Clone)]
pub struct Provider {
    pub base: String,
    state: Arc<Mutex<ProviderState>>,
}

impl Provider {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(ProviderState::default()));
        let app = axum::Router::new()
            .route(
                "/2010-04-01/Accounts/{sid}/{resource}",
                post(
                    |State(state): State<Arc<Mutex<ProviderState>>>,
                     axum::extract::Path((sid, resource)): axum::extract::Path<(String, String)>,
                     headers: HeaderMap,
                     body: Bytes| async move {
                        use base64::Engine as _;
                        let mut s = state.lock().unwrap();
                        let mut problems = Vec::new();
                        if sid != SID {
                            problems.push(format!("account sid {sid}"));
                        }
                        let auth = headers
                            .get("authorization")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.strip_prefix("Basic "))
                            .and_then(|v| base64::engine::general_purpose::STANDARD.decode(v).ok())
                            .and_then(|v| String::from_utf8(v).ok());
                        if auth.as_deref() != Some(&format!("{SID}:{AUTH_TOKEN}")) {
                            problems.push(format!("basic auth {auth:?}"));
                        }
                        if headers.get("content-type").and_then(|v| v.to_str().ok())
                            != Some("application/x-www-form-urlencoded")
                        {
                            problems.push("content type".to_owned());
                        }
                        let form: std::collections::BTreeMap<String, String> =
                            url::form_urlencoded::parse(&body).into_owned().collect();
                        let content = match resource.as_str() {
                            "Messages.json" => "Body",
                            "Calls.json" => "Twiml",
                            other => {
                                problems.push(format!("resource {other}"));
                                "?"
                            }
                        };
                        let mut keys: Vec<&str> = form.keys().map(String::as_str).collect();
                        keys.sort_unstable();
                        let mut want = vec!["From", "To", content];
                        want.sort_unstable();
                        if keys != want {
                            problems.push(format!("form fields {keys:?}"));
                        }
                        if form.get("From").map(String::as_str) != Some(FROM)
                            || !form.get("To").is_some_and(|t| t.starts_with('+'))
                        {
                            problems.push(format!("numbers {form:?}"));
                        }
                        if !problems.is_empty() {
                            s.violations.push(problems.join("; "));
                            return (StatusCode::BAD_REQUEST, axum::Json(serde_json::json!({"code": 20001, "message": "stand-in refused"})));
                        }
                        s.requests.push(ProviderRequest { resource: resource.clone(), form });
                        let (status, body) = s.answers.pop_front().unwrap_or_else(|| {
                            let sid = format!("{}{:032}", if resource == "Calls.json" { "CA" } else { "SM" }, s.requests.len());
                            (201, serde_json::json!({"sid": sid, "status": "queued"}))
                        });
                        (StatusCode::from_u16(status).unwrap(), axum::Json(body))
                    },
                ),
            )
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, state }
    }

    /// Answers these (status, JSON) to the next well-formed requests.
    pub fn answer(&self, answers: &[(u16, Value)]) {
        self.state
            .lock()
            .unwrap()
            .answers
            .extend(answers.iter().cloned());
    }

    pub fn requests(&self) -> Vec<ProviderRequest> {
        let s = self.state.lock().unwrap();
        assert!(
            s.violations.is_empty(),
            "requests broke the provider's API: {:?}",
            s.violations
        );
        s.requests.clone()
    }
}

/// A dispatcher with every channel: email as `.eml` files, webhooks, and SMS and calls through
/// the provider stand-in (or none, when `provider` is `None`).
pub fn dispatcher_with_provider(
    store: &SqlStore,
    clock: Arc<ManualClock>,
    mail_dir: &std::path::Path,
    provider: Option<&Provider>,
) -> Arc<Dispatcher> {
    use reach::delivery::twilio::{Kind, Provider as Credentials, TwilioChannel};
    let email = EmailChannel::new(
        None,
        mail_dir,
        "reach@reach.test",
        "reach.test",
        Duration::from_secs(5),
    )
    .unwrap();
    let webhook =
        WebhookChannel::new(true, Duration::from_secs(5), crate::common::sealer()).unwrap();
    let mut d = Dispatcher::new(
        store.clone(),
        clock,
        LinkSigner::new(SECRET_KEY, PUBLIC_URL),
        DispatchConfig::default(),
    )
    .with_channel(MethodType::Email, Arc::new(email))
    .with_channel(MethodType::Webhook, Arc::new(webhook));
    if let Some(p) = provider {
        let credentials = Credentials {
            base_url: p.base.clone(),
            account_sid: SID.to_owned(),
            auth_token: reach::config::Secret::from(AUTH_TOKEN.to_owned()),
            from: FROM.to_owned(),
        };
        for (kind, channel) in [
            (MethodType::Sms, Kind::Sms),
            (MethodType::Phone, Kind::Call),
        ] {
            let twilio =
                TwilioChannel::new(credentials.clone(), channel, Duration::from_secs(5)).unwrap();
            d = d.with_channel(kind, Arc::new(twilio));
        }
    }
    Arc::new(d)
}
