//! The HTTP server: health and readiness, the JSON API under `/api/v1` with its OpenAPI
//! document, and the web app; security headers on every answer (`headers`), and time-outs
//! against slow clients (`serve`).

pub mod api;
pub mod headers;
mod hooks;
mod ical;
mod metrics;
mod serve;
pub mod ui;

pub use serve::{Timeouts, serve, serve_with, shutdown_signal};

use crate::error::{AppError, problem};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::Arc;
use tower_http::trace::TraceLayer;

pub use crate::app::App as AppState;

/// Request bodies above this answer 413 (SPEC §3), except alerts (their own limit).
pub const BODY_LIMIT: usize = 64 * 1024;

/// The whole app with the default [`Timeouts`].
pub fn router(state: Arc<AppState>) -> Router {
    router_with(state, Timeouts::default())
}

/// The whole app: its routes, the body limit, the body and request time-outs (the header
/// time-out is the server's, see [`serve_with`]), the security headers and a span per request.
pub fn router_with(state: Arc<AppState>, timeouts: Timeouts) -> Router {
    let (api, openapi) = api::routes().split_for_parts();
    let openapi = Arc::new(openapi);
    let https = state.public_url.starts_with("https://");
    let routes = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/hooks/{token}", hooks::route())
        .route(
            crate::links::paths::ICAL,
            get(ical::feed).layer(headers::no_referrer()),
        )
        .merge(api)
        .merge(ui::routes(&state))
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
        .layer(axum::middleware::from_fn_with_state(
            timeouts,
            serve::time_limits,
        ));
    headers::secure(routes, https)
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
