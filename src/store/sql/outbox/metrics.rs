//! The numbers `/metrics` shows, read from the outbox, alerts and report runs: of the whole
//! deployment, or of one account (the same series, counted over that account's rows only).

use crate::domain::AccountId;
use crate::store::Result;
use crate::store::sql::Sql;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

/// Appends `{joiner} account_id = $n` when the numbers are one account's.
fn scoped(sql: &mut Sql, joiner: &str, account: Option<&AccountId>) {
    if let Some(account) = account {
        sql.push(joiner)
            .push(" account_id = ")
            .bind(account.to_string());
    }
}

/// Notifications by state and type, the age of the oldest due notification, firing alerts and
/// report runs by state: of every account (`None`) or of one.
pub async fn metrics(
    db: &mut AnyConnection,
    account: Option<&AccountId>,
    now: DateTime<Utc>,
) -> Result<crate::store::Metrics> {
    let mut sql = Sql::new("SELECT state, type, COUNT(*) AS n FROM notifications");
    scoped(&mut sql, " WHERE", account);
    let by_state = sql
        .push(" GROUP BY state, type ORDER BY state, type")
        .fetch_all(&mut *db)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("state")?, r.try_get("type")?, r.try_get("n")?)))
        .collect::<Result<Vec<(String, String, i64)>>>()?;
    // Each state from its own (partial) index.
    let mut sql = Sql::new("SELECT MIN(m) AS oldest FROM (");
    for (i, state) in ["queued", "failed"].iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(&format!(
            "SELECT MIN(next_attempt_at) AS m FROM notifications WHERE state = '{state}' \
             AND next_attempt_at <= "
        ))
        .bind(now.timestamp_millis());
        scoped(&mut sql, " AND", account);
    }
    sql.push(") AS due");
    let oldest: Option<i64> = sql
        .fetch_optional(&mut *db)
        .await?
        .map(|r| r.try_get("oldest"))
        .transpose()?
        .flatten();
    let mut sql = Sql::new("SELECT COUNT(*) AS n FROM alerts WHERE status = 'firing'");
    scoped(&mut sql, " AND", account);
    let firing: i64 = sql
        .fetch_optional(&mut *db)
        .await?
        .map(|r| r.try_get("n"))
        .transpose()?
        .unwrap_or(0);
    let mut sql = Sql::new("SELECT state, COUNT(*) AS n FROM report_runs");
    scoped(&mut sql, " WHERE", account);
    let runs = sql
        .push(" GROUP BY state ORDER BY state")
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
