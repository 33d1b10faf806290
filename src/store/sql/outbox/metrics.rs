//! The deployment-wide numbers `/metrics` shows, read from the outbox, alerts and report runs.

use crate::store::Result;
use crate::store::sql::Sql;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

/// Deployment-wide numbers for `/metrics`: notifications by state and type, the age of the
/// oldest due notification, firing alerts, report runs by state.
pub async fn metrics(db: &mut AnyConnection, now: DateTime<Utc>) -> Result<crate::store::Metrics> {
    let by_state = Sql::new("SELECT state, type, COUNT(*) AS n FROM notifications GROUP BY state, type ORDER BY state, type")
        .fetch_all(&mut *db)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("state")?, r.try_get("type")?, r.try_get("n")?)))
        .collect::<Result<Vec<(String, String, i64)>>>()?;
    let oldest: Option<i64> = Sql::new("SELECT MIN(next_attempt_at) AS oldest FROM notifications WHERE state IN ('queued', 'failed') AND next_attempt_at <= ")
        .bind(now.timestamp_millis())
        .fetch_optional(&mut *db)
        .await?
        .map(|r| r.try_get("oldest"))
        .transpose()?
        .flatten();
    let firing: i64 = Sql::new("SELECT COUNT(*) AS n FROM alerts WHERE status = 'firing'")
        .fetch_optional(&mut *db)
        .await?
        .map(|r| r.try_get("n"))
        .transpose()?
        .unwrap_or(0);
    let runs =
        Sql::new("SELECT state, COUNT(*) AS n FROM report_runs GROUP BY state ORDER BY state")
            .fetch_all(&mut *db)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("state")?, r.try_get("n")?)))
            .collect::<Result<Vec<(String, i64)>>>()?;
    Ok(crate::store::Metrics {
        notifications: by_state,
        oldest_due_seconds: oldest.map(|ms| ((now.timestamp_millis() - ms).max(0) as f64) / 1000.0),
        alerts_firing: firing,
        report_runs: runs,
    })
}
