//! `GET /metrics`: Prometheus (OpenMetrics text) numbers — notifications by state and channel,
//! how long the oldest due notification has waited, firing alerts, report runs by state. With
//! the operator's `REACH_METRICS_TOKEN` those of the deployment, with an admin's API token those
//! of the admin's account (`app::metrics` decides).

use crate::app;
use crate::auth::bearer_token;
use crate::error::AppError;
use crate::http::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

type Labels = Vec<(String, String)>;

pub async fn metrics(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, AppError> {
    let bearer = bearer_token(&headers).ok_or(AppError::Unauthorized)?;
    let m = app::metrics::read(&state, bearer).await?;
    let mut registry = Registry::with_prefix("reach");
    let notifications = Family::<Labels, Gauge>::default();
    for (state, kind, n) in &m.notifications {
        notifications
            .get_or_create(&vec![
                ("state".to_owned(), state.clone()),
                ("channel".to_owned(), kind.clone()),
            ])
            .set(*n);
    }
    registry.register(
        "notifications",
        "Notifications in the outbox, by state and channel",
        notifications,
    );
    let oldest = Gauge::<f64, AtomicU64>::default();
    oldest.set(m.oldest_due_seconds.unwrap_or(0.0));
    registry.register(
        "outbox_oldest_due_seconds",
        "How long the oldest notification that is due has waited (0 when none)",
        oldest,
    );
    let firing = Gauge::<i64>::default();
    firing.set(m.alerts_firing);
    registry.register("alerts_firing", "Alerts firing now", firing);
    let runs = Family::<Labels, Gauge>::default();
    for (state, n) in &m.report_runs {
        runs.get_or_create(&vec![("state".to_owned(), state.clone())])
            .set(*n);
    }
    registry.register("report_runs", "Report runs, by state", runs);
    let mut body = String::new();
    encode(&mut body, &registry)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("metrics: {e}")))?;
    Ok((
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    ))
}
