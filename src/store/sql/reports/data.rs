//! What a report shows: the alerts and the alert notifications of some companies in a period.

use crate::domain::{AccountId, CompanyId, ContactId};
use crate::store::Result;
use crate::store::sql::{Sql, alerts, time};
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

/// Alerts of these companies opened in [start, end): (company id, severity, key, opened,
/// acknowledged, resolved).
pub async fn alerts_in(
    db: &mut AnyConnection,
    account: &AccountId,
    companies: &[CompanyId],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<crate::store::Alert>> {
    let rows = Sql::new(alerts::ALERT)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND company_id IN ")
        .bind_list(companies.iter().map(CompanyId::as_str))
        .push(" AND opened_at >= ")
        .bind(start.timestamp_millis())
        .push(" AND opened_at < ")
        .bind(end.timestamp_millis())
        .push(" ORDER BY opened_at")
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(alerts::alert_from_row).collect()
}

/// Notifications about alerts of these companies created in [start, end): (company id, type,
/// state, address, attempts, created, sent).
#[allow(clippy::type_complexity)]
pub async fn notifications_in(
    db: &mut AnyConnection,
    account: &AccountId,
    companies: &[CompanyId],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<
    Vec<(
        String,
        String,
        String,
        String,
        i64,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
    )>,
> {
    let rows = Sql::new(
        "SELECT a.company_id, n.type, n.state, n.address, n.attempts, n.created_at, n.sent_at \
         FROM notifications n JOIN alerts a ON a.id = n.alert_id WHERE n.account_id = ",
    )
    .bind(account.to_string())
    .push(" AND a.company_id IN ")
    .bind_list(companies.iter().map(CompanyId::as_str))
    .push(" AND n.created_at >= ")
    .bind(start.timestamp_millis())
    .push(" AND n.created_at < ")
    .bind(end.timestamp_millis())
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            let sent: Option<i64> = r.try_get("sent_at")?;
            Ok((
                r.try_get("company_id")?,
                r.try_get("type")?,
                r.try_get("state")?,
                r.try_get("address")?,
                r.try_get("attempts")?,
                time(r, "created_at")?,
                sent.and_then(DateTime::from_timestamp_millis),
            ))
        })
        .collect()
}

/// Who escalation policies paged in [start, end) among these companies' alerts, most paged
/// first: (contact, name, pages). A page is one (alert, event, step) sent to the person,
/// however many of their methods it went to, counted once per round: a policy that repeats
/// (or a re-notification) sends each method one more row, so the rounds of an (alert, event,
/// step) are the most rows any one method of the person was sent. Deleted contacts are left
/// out.
pub async fn pages_in(
    db: &mut AnyConnection,
    account: &AccountId,
    companies: &[CompanyId],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<(ContactId, String, i64)>> {
    let rows = Sql::new(
        "SELECT c.id, c.name, CAST(SUM(p.rounds) AS BIGINT) AS pages FROM (SELECT m.contact_id, \
         MAX(m.sent) AS rounds FROM (SELECT n.contact_id, n.alert_id, n.event, \
         n.escalation_step, n.method_id, COUNT(*) AS sent FROM notifications n JOIN alerts a \
         ON a.id = n.alert_id WHERE n.account_id = ",
    )
    .bind(account.to_string())
    .push(" AND a.company_id IN ")
    .bind_list(companies.iter().map(CompanyId::as_str))
    .push(" AND n.escalation_step IS NOT NULL AND n.state = 'sent' AND n.sent_at >= ")
    .bind(start.timestamp_millis())
    .push(" AND n.sent_at < ")
    .bind(end.timestamp_millis())
    .push(
        " GROUP BY n.contact_id, n.alert_id, n.event, n.escalation_step, n.method_id) m \
         GROUP BY m.contact_id, m.alert_id, m.event, m.escalation_step) p \
         JOIN contacts c ON c.id = p.contact_id AND c.account_id = ",
    )
    .bind(account.to_string())
    .push(" GROUP BY c.id, c.name, c.name_key ORDER BY SUM(p.rounds) DESC, c.name_key, c.id")
    .fetch_all(&mut *db)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                ContactId::from_string(r.try_get::<String, _>("id")?),
                r.try_get("name")?,
                r.try_get("pages")?,
            ))
        })
        .collect()
}
