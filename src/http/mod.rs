//! The HTTP server: health and readiness, the JSON API under `/api/v1` with its OpenAPI
//! document, and (later) the web app.

pub mod api;
mod metrics;
pub mod ui;

use crate::error::{AppError, problem};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

pub use crate::app::App as AppState;

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
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// One span per request, named by its method and route — the route pattern, not the path:
/// signed links and set-password tokens travel in paths and must not reach the logs.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("(no route)", axum::extract::MatchedPath::as_str);
    tracing::info_span!("request", method = %request.method(), route)
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
    match state.ready().await {
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
