//! The HTTP server: health and readiness, the JSON API under `/api/v1` with its OpenAPI
//! document, and (later) the web app.

pub mod api;
mod metrics;
pub mod ui;

use crate::auth::Caller;
use crate::config::Secret;
use crate::delivery::{LinkSigner, Wakeup};
use crate::error::{AppError, problem};
use crate::store::{NewAuditEntry, SqlStore, Store};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::net::TcpListener;

/// What handlers share.
#[derive(Debug)]
pub struct AppState {
    pub store: SqlStore,
    /// Signs links, sessions and webhooks.
    pub secret_key: Secret,
    /// `REACH_WEBHOOK_ALLOW_LOOPBACK`
    pub allow_loopback_webhooks: bool,
    /// Session cookies get `Secure` when the public URL is https.
    pub secure_cookies: bool,
    /// `REACH_PUBLIC_URL` without its trailing slash: the base of links shown and sent.
    pub public_url: String,
    /// Signs and checks the links put in messages.
    pub links: LinkSigner,
    /// Tells this process's workers that work was queued.
    pub wakeup: Wakeup,
    /// Whether an SMS/voice provider is configured (else admins see a warning).
    pub sms_configured: bool,
}

impl AppState {
    pub fn new(
        store: SqlStore,
        secret_key: Secret,
        allow_loopback_webhooks: bool,
        public_url: &str,
        wakeup: Wakeup,
    ) -> Self {
        let public_url = public_url.trim_end_matches('/').to_owned();
        Self {
            links: LinkSigner::new(secret_key.expose(), &public_url),
            secure_cookies: public_url.starts_with("https:"),
            store,
            secret_key,
            allow_loopback_webhooks,
            public_url,
            wakeup,
            sms_configured: false,
        }
    }

    /// With an SMS/voice provider configured, or not.
    #[must_use]
    pub fn with_sms(mut self, configured: bool) -> Self {
        self.sms_configured = configured;
        self
    }

    /// Work was queued: wake the workers here and, on PostgreSQL, on every node.
    pub async fn work_queued(&self) {
        self.wakeup.wake();
        if let Err(e) = self.store.announce_work().await {
            tracing::warn!(error = %e, "could not announce queued work to other nodes");
        }
    }
}

/// Request bodies above this answer 413 (SPEC §3), except alerts (their own limit).
pub const BODY_LIMIT: usize = 64 * 1024;

pub fn router(state: Arc<AppState>) -> Router {
    let (api, openapi) = api::routes().split_for_parts();
    let openapi = Arc::new(openapi);
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::metrics))
        .merge(api)
        .merge(ui::routes())
        .route(
            "/api/openapi.json",
            get({
                let doc = openapi.clone();
                move || async move { Json(doc.as_ref().clone()) }
            }),
        )
        .route("/api/docs", get(move || api::docs::page(openapi.clone())))
        .fallback(|| async { AppError::NotFound })
        .method_not_allowed_fallback(|| async {
            problem(
                StatusCode::METHOD_NOT_ALLOWED,
                "This path does not take that method.".to_owned(),
                None,
                false,
            )
            .into_response()
        })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(refuse_nul))
        .with_state(state)
}

/// A NUL character in the path or the query names nothing that can exist (and PostgreSQL
/// refuses it): 404 for a path, 400 for a query, before any handler runs.
async fn refuse_nul(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let uri = request.uri();
    if uri.path().contains("%00") {
        return AppError::NotFound.into_response();
    }
    if uri.query().is_some_and(|q| q.contains("%00")) {
        return AppError::Malformed("the query has a NUL character".into()).into_response();
    }
    next.run(request).await
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz(State(state): State<Arc<AppState>>) -> Result<Json<Value>, AppError> {
    match state.store.ping().await {
        Ok(()) => Ok(Json(json!({"status": "ready"}))),
        Err(e) => {
            tracing::warn!(error = %e, "database not ready");
            Err(AppError::Unavailable)
        }
    }
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(listener: TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

/// An object as the audit log records it: its JSON form and its id.
pub trait Audited: Serialize {
    fn audit_id(&self) -> &str;
}

/// Records a change in the audit log: `before` only is a delete, `after` only a create, both an
/// update. The change is already committed, so a failure to record is logged rather than
/// reported to a client who would then retry a done change.
pub async fn audit<T: Audited>(
    state: &AppState,
    caller: &Caller,
    object_type: &'static str,
    before: Option<&T>,
    after: Option<&T>,
) {
    let (action, id) = match (before, after) {
        (None, Some(after)) => ("create", after.audit_id()),
        (Some(before), None) => ("delete", before.audit_id()),
        (Some(_), Some(after)) => ("update", after.audit_id()),
        (None, None) => return,
    };
    let json = |v: Option<&T>| v.and_then(|v| serde_json::to_value(v).ok());
    record(
        state,
        caller,
        action,
        object_type,
        id,
        json(before),
        json(after),
    )
    .await;
}

/// Records an event without an object body (e.g. a password change).
pub async fn record(
    state: &AppState,
    caller: &Caller,
    action: &'static str,
    object_type: &'static str,
    object_id: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) {
    let entry = NewAuditEntry {
        actor_id: caller.user.clone(),
        actor_name: caller.name.clone(),
        action,
        object_type,
        object_id: object_id.to_owned(),
        before,
        after,
    };
    if let Err(e) = state.store.record_audit(&caller.account, &entry).await {
        tracing::error!(error = %e, object_type, object_id, "could not record an audit entry");
    }
}
