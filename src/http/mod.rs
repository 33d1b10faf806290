//! The HTTP server. For now: `GET /healthz` (the process answers) and `GET /readyz` (the
//! database answers too).

use crate::config::Secret;
use crate::error::AppError;
use crate::store::Store;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::net::TcpListener;

/// What handlers share.
#[derive(Debug)]
pub struct AppState<S> {
    pub store: S,
    /// Signs links, sessions and webhooks.
    pub secret_key: Secret,
}

pub fn router<S: Store>(state: Arc<AppState<S>>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz::<S>))
        .with_state(state)
}

async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn readyz<S: Store>(State(state): State<Arc<AppState<S>>>) -> Result<Json<Value>, AppError> {
    match state.store.ping().await {
        Ok(()) => Ok(Json(json!({"status": "ready"}))),
        Err(e) => {
            tracing::warn!(error = %e, "database not ready");
            Err(AppError::Unavailable)
        }
    }
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve<S: Store>(
    listener: TcpListener,
    state: Arc<AppState<S>>,
) -> std::io::Result<()> {
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
