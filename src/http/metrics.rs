//! `GET /metrics`: Prometheus (OpenMetrics text) numbers of the deployment — notifications by
//! state and channel, how long the oldest due notification has waited, firing alerts, report
//! runs by state. Counts only, but of every account: an admin's bearer token is required.

use crate::app;
use crate::auth::Admin;
use crate::error::AppError;
use crate::http::AppState;
use axum::extract::State;
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
    admin: Admin,
) -> Result<impl IntoResponse, AppError> {
    let m = app::alerts::metrics(&state, &admin).await?;
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
