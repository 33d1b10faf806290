//! A local stand-in for the SMS and voice provider, and a dispatcher that sends through it.

use super::harness::*;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use reach::delivery::email::EmailChannel;
use reach::delivery::webhook::WebhookChannel;
use reach::delivery::{DispatchConfig, Dispatcher};
use reach::domain::MethodType;
use reach::links::LinkSigner;
use reach::runtime::ManualClock;
use reach::store::SqlStore;
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    let webhook = WebhookChannel::new(true, Duration::from_secs(5), crate::common::sealer());
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
