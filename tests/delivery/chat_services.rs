//! Local stand-ins for Slack, Microsoft Teams, Discord, ntfy, Telegram and Matrix on one
//! server (127.0.0.1): each checks every request against its service's documented API
//! (`chat_shapes`, `push_shapes`), answers as the service does (its errors and 429s included,
//! on demand), and records what it accepted. Matrix keeps each transaction id's event, so a
//! repeated transaction posts nothing new.

use crate::chat_shapes;
use crate::harness::{PUBLIC_URL, SECRET_KEY};
use crate::push_shapes;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use reach::delivery::chat::{ChatChannel, MatrixBot, TelegramBot};
use reach::delivery::{DispatchConfig, Dispatcher};
use reach::domain::MethodType;
use reach::links::LinkSigner;
use reach::runtime::ManualClock;
use reach::store::SqlStore;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const TELEGRAM_TOKEN: &str = "123456:bot-token-ABC";
pub const MATRIX_TOKEN: &str = "syt_reach_bot_token";

/// One request a stand-in accepted as well-formed.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    /// `slack`, `teams`, `discord`, `ntfy`, `telegram` or `matrix`.
    pub service: &'static str,
    /// The path after the service's prefix, decoded segments joined by `/`.
    pub path: Vec<String>,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

/// An answer to give instead of the service's usual one.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl Answer {
    pub fn new(status: u16, body: &str) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }
}

#[derive(Debug, Default)]
struct Services {
    requests: Vec<ChatRequest>,
    violations: Vec<String>,
    answers: HashMap<&'static str, VecDeque<Answer>>,
    /// Matrix: transaction id → event id.
    events: HashMap<String, String>,
}

/// The stand-ins, on one local server.
#[derive(Debug, Clone)]
pub struct ChatServices {
    pub base: String,
    state: Arc<Mutex<Services>>,
}

fn decoded(segment: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn handle(
    State(state): State<Arc<Mutex<Services>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let segments: Vec<String> = uri.path().split('/').skip(1).map(decoded).collect();
    let service: &'static str = match segments.first().map(String::as_str) {
        Some("slack") => "slack",
        Some("teams") => "teams",
        Some("discord") => "discord",
        Some("ntfy") => "ntfy",
        Some("telegram") => "telegram",
        Some("matrix") => "matrix",
        _ => return (StatusCode::NOT_FOUND, "no such service").into_response(),
    };
    let path: Vec<String> = segments[1..].to_vec();
    let text = String::from_utf8_lossy(&body).into_owned();
    let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let query = uri.query().unwrap_or("");
    let mut problems = Vec::new();
    let mut expect = |ok: bool, what: &str| {
        if !ok {
            problems.push(what.to_owned());
        }
    };
    match service {
        "slack" => {
            expect(
                method == Method::POST && path.len() == 4 && path[0] == "services",
                "POST /services/T/B/X",
            );
            expect(
                content_type.starts_with("application/json"),
                "content-type json",
            );
        }
        "teams" => {
            expect(
                method == Method::POST && path.first().is_some_and(|p| p == "workflows"),
                "POST /workflows/...",
            );
            expect(query.contains("sig="), "the URL's signature kept");
            expect(
                content_type.starts_with("application/json"),
                "content-type json",
            );
        }
        "discord" => {
            expect(
                method == Method::POST && path.len() == 4 && path[..2] == ["api", "webhooks"],
                "POST /api/webhooks/ID/TOKEN",
            );
            expect(query.split('&').any(|q| q == "wait=true"), "?wait=true");
            expect(
                content_type.starts_with("application/json"),
                "content-type json",
            );
        }
        "ntfy" => expect(method == Method::POST && path.len() == 1, "POST /topic"),
        "telegram" => {
            expect(
                method == Method::POST && path.len() == 2 && path[1] == "sendMessage",
                "POST /bot<token>/sendMessage",
            );
            if path.first().map(String::as_str) != Some(&format!("bot{TELEGRAM_TOKEN}")) {
                return (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(
                        json!({"ok": false, "error_code": 401, "description": "Unauthorized"}),
                    ),
                )
                    .into_response();
            }
        }
        _ => {
            let shape = path.len() == 8
                && path[..4] == ["_matrix", "client", "v3", "rooms"]
                && path[5] == "send"
                && path[6] == "m.room.message";
            expect(
                method == Method::PUT && shape,
                "PUT /_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}",
            );
            expect(path.get(4).is_some_and(|r| r.starts_with('!')), "a room id");
            if headers.get("authorization").and_then(|v| v.to_str().ok())
                != Some(&format!("Bearer {MATRIX_TOKEN}"))
            {
                return (StatusCode::UNAUTHORIZED, axum::Json(json!({"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed."}))).into_response();
            }
        }
    }
    problems.extend(match service {
        "slack" => chat_shapes::slack(&json),
        "teams" => chat_shapes::teams(&json),
        "discord" => chat_shapes::discord(&json),
        "ntfy" => push_shapes::ntfy(path.first().map_or("", String::as_str), &headers, &body),
        "telegram" => push_shapes::telegram(&json),
        _ => push_shapes::matrix(&json),
    });
    let mut s = state.lock().unwrap();
    if !problems.is_empty() {
        s.violations
            .push(format!("{service}: {}", problems.join("; ")));
        return (
            StatusCode::BAD_REQUEST,
            format!("{service} refused: {}", problems.join("; ")),
        )
            .into_response();
    }
    let txn = path.last().cloned().unwrap_or_default();
    if service == "matrix" {
        if let Some(event) = s.events.get(&txn) {
            // A repeated transaction: the same event, nothing posted again.
            return axum::Json(json!({"event_id": event})).into_response();
        }
    }
    let answer = s.answers.get_mut(service).and_then(VecDeque::pop_front);
    let accepted = answer
        .as_ref()
        .is_none_or(|a| a.status < 400 || (service == "matrix" && a.status >= 500));
    if accepted {
        s.requests.push(ChatRequest {
            service,
            path,
            headers,
            text: text.clone(),
            json: json.clone(),
        });
        if service == "matrix" {
            let event = format!("$event{}", s.requests.len());
            s.events.insert(txn, event);
        }
    }
    let count = s.requests.len();
    drop(s);
    if let Some(a) = answer {
        let mut response = (StatusCode::from_u16(a.status).unwrap(), a.body).into_response();
        for (name, value) in a.headers {
            response.headers_mut().insert(name, value.parse().unwrap());
        }
        return response;
    }
    match service {
        "slack" => "ok".into_response(),
        "teams" => StatusCode::ACCEPTED.into_response(),
        "discord" => axum::Json(json!({"id": format!("{count}"), "type": 0, "content": json["content"], "embeds": json["embeds"]})).into_response(),
        "ntfy" => axum::Json(json!({"id": format!("n{count}"), "event": "message", "topic": path_topic(&uri), "message": text})).into_response(),
        "telegram" => axum::Json(json!({"ok": true, "result": {"message_id": count, "chat": {"id": json["chat_id"]}, "text": json["text"]}})).into_response(),
        _ => axum::Json(json!({"event_id": format!("$event{count}")})).into_response(),
    }
}

fn path_topic(uri: &Uri) -> String {
    uri.path().rsplit('/').next().unwrap_or("").to_owned()
}

impl ChatServices {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(Services::default()));
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://localhost:{}", listener.local_addr().unwrap().port());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base, state }
    }

    /// A method's address at this stand-in, as its user would copy it from the service.
    pub fn address(&self, service: &str) -> String {
        match service {
            "slack" => format!(
                "{}/slack/services/T0001/B0001/XXXXXXXXXXXXXXXXXXXXXXXX",
                self.base
            ),
            "teams" => format!(
                "{}/teams/workflows/4f1c/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=abc123",
                self.base
            ),
            "discord" => format!("{}/discord/api/webhooks/1234567890/tok-en", self.base),
            "ntfy" => format!("{}/ntfy/ops-pager", self.base),
            "telegram" => "-1001234567890".to_owned(),
            _ => "!abcdef:matrix.example.org".to_owned(),
        }
    }

    /// Answers these to `service`'s next requests instead of its usual answer.
    pub fn answer(&self, service: &'static str, answers: Vec<Answer>) {
        self.state
            .lock()
            .unwrap()
            .answers
            .entry(service)
            .or_default()
            .extend(answers);
    }

    /// What the stand-ins accepted, in order; fails the test if any request broke an API.
    pub fn requests(&self) -> Vec<ChatRequest> {
        let s = self.state.lock().unwrap();
        assert!(
            s.violations.is_empty(),
            "requests broke the services' APIs: {:#?}",
            s.violations
        );
        s.requests.clone()
    }

    /// The accepted requests to one service.
    pub fn of(&self, service: &str) -> Vec<ChatRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.service == service)
            .collect()
    }
}

/// A dispatcher on `clock` with the chat channels, to these stand-ins. `configured`: the
/// deployment's Telegram and Matrix bots are set and URLs may be on loopback (as the
/// stand-ins are); otherwise neither.
pub fn chat_dispatcher(
    store: &SqlStore,
    clock: Arc<ManualClock>,
    services: &ChatServices,
    configured: bool,
) -> Arc<Dispatcher> {
    let bots = configured;
    let telegram = bots.then(|| TelegramBot {
        api_url: url::Url::parse(&format!("{}/telegram", services.base)).unwrap(),
        token: reach::config::Secret::from(TELEGRAM_TOKEN.to_owned()),
    });
    let matrix = bots.then(|| MatrixBot {
        homeserver_url: url::Url::parse(&format!("{}/matrix", services.base)).unwrap(),
        access_token: reach::config::Secret::from(MATRIX_TOKEN.to_owned()),
    });
    let mut d = Dispatcher::new(
        store.clone(),
        clock,
        LinkSigner::new(SECRET_KEY, PUBLIC_URL),
        DispatchConfig::default(),
    );
    for (kind, _) in MethodType::ALL.into_iter().filter(|(k, _)| k.is_chat()) {
        let channel = ChatChannel::new(
            kind,
            configured,
            Duration::from_secs(5),
            telegram.clone(),
            matrix.clone(),
        )
        .unwrap();
        d = d.with_channel(kind, Arc::new(channel));
    }
    Arc::new(d)
}
