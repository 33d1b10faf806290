//! What storing a batch of alerts reads and writes (the use case `app::ingest` decides): the
//! account's routing settings, the companies, the alerts firing under the batch's keys, the
//! recipients of its companies with their methods; `write` holds the alert rows and the outbox
//! rows routing plans. Every read and write is set-based: a handful of statements per batch,
//! however many alerts and notifications it holds.

mod write;

pub use write::{Claim, Queued, StoredAlert, enqueue, mark_renotified, resolve};

use super::alerts::{ALERT, alert_from_row};
use super::{Sql, flag, parsed, parsed_opt};
use crate::domain::lifecycle::Firing;
use crate::domain::routing::{MethodFacts, Recipient};
use crate::domain::{
    AccountId, AlertId, CompanyAccess, CompanyId, ContactId, FieldError, Invalid, Locale, MethodId,
    MethodType, NewAlert, PolicyId, QuietHours, Severity, TimeZone,
};
use crate::store::{Alert, Result, StoreError};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::{HashMap, HashSet};

/// What routing needs of the account: its zone, whether phones must be verified, and the
/// repeat interval.
#[derive(Debug, Clone, Copy)]
pub struct RoutingSettings {
    pub timezone: TimeZone,
    pub require_verified_phones: bool,
    pub repeat_interval: Duration,
}

impl RoutingSettings {
    pub fn of(account: &crate::store::Account) -> Self {
        Self {
            timezone: account.timezone,
            require_verified_phones: account.require_verified_phones,
            repeat_interval: Duration::minutes(account.repeat_interval_minutes),
        }
    }
}

/// Who a method belongs to, as the messages sent to it show them (`DeliveryContext`).
#[derive(Debug, Clone)]
pub struct Addressee {
    pub contact: ContactId,
    pub name: String,
    pub locale: Option<Locale>,
    pub timezone: Option<TimeZone>,
    /// Sealed, as stored (webhooks).
    pub secret: Option<String>,
}

/// Who may be told of alerts of some companies: each company's recipients, and by method
/// whom each of their methods belongs to.
#[derive(Debug, Default)]
pub struct Recipients {
    pub by_company: HashMap<CompanyId, Vec<Recipient>>,
    pub addressees: HashMap<MethodId, Addressee>,
}

/// The account's `companies` (others are left out): each one's name, and its escalation
/// policy if it has one.
pub async fn companies(
    db: &mut AnyConnection,
    account: &AccountId,
    companies: &[&CompanyId],
) -> Result<HashMap<CompanyId, (String, Option<PolicyId>)>> {
    if companies.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = Sql::new("SELECT id, name, escalation_policy_id FROM companies WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id IN ")
        .bind_list(companies.iter().map(|c| c.as_str()))
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|row| {
            let policy: Option<String> = row.try_get("escalation_policy_id")?;
            Ok((
                CompanyId::from_string(row.try_get::<String, _>("id")?),
                (row.try_get("name")?, policy.map(PolicyId::from_string)),
            ))
        })
        .collect()
}

pub async fn settings(db: &mut AnyConnection, account: &AccountId) -> Result<RoutingSettings> {
    Ok(RoutingSettings::of(
        &crate::store::accounts::get(db, account).await?,
    ))
}

/// Every company id must be the account's; the others are field errors by index.
pub async fn check_companies(
    conn: &mut AnyConnection,
    account: &AccountId,
    alerts: &[NewAlert],
) -> Result<()> {
    let mut ids: Vec<&str> = alerts.iter().map(|a| a.company.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    // Counted first: one row back instead of one per company (on SQLite each row is a hand-off
    // between threads, on the writer's turn); the ids only when some are not the account's.
    if super::companies::count_owned(conn, account, &ids).await? == ids.len() {
        return Ok(());
    }
    let rows = Sql::new("SELECT id FROM companies WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id IN ")
        .bind_list(ids.iter().copied())
        .fetch_all(&mut *conn)
        .await?;
    let known: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>("id"))
        .collect::<Result<_, _>>()?;
    let errors: Vec<FieldError> = alerts
        .iter()
        .enumerate()
        .filter(|(_, a)| !known.iter().any(|k| k == a.company.as_str()))
        .map(|(i, _)| FieldError::new(format!("[{i}].company_id"), Invalid::UnknownCompany))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(errors))
    }
}
pub async fn firing(
    conn: &mut AnyConnection,
    account: &AccountId,
    alert: &NewAlert,
) -> Result<Option<AnyRow>> {
    Sql::new(ALERT)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND company_id = ")
        .bind(alert.company.to_string())
        .push(" AND key = ")
        .bind(alert.key.clone())
        .push(" AND status = 'firing'")
        .fetch_optional(&mut *conn)
        .await
}
/// The alert firing under `alert`'s key: its id and when its recipients were last told.
pub fn firing_facts(row: &AnyRow) -> Result<(AlertId, Firing)> {
    let last: i64 = row.try_get("last_notified_at")?;
    let last_notified_at =
        DateTime::from_timestamp_millis(last).ok_or_else(|| super::corrupt("last_notified_at"))?;
    Ok((
        AlertId::from_string(row.try_get::<String, _>("id")?),
        Firing { last_notified_at },
    ))
}

/// The alerts firing under the batch's (company, key) pairs, by pair, with when their
/// recipients were last told: one probe of the firing-key index per pair.
pub async fn firing_all(
    conn: &mut AnyConnection,
    account: &AccountId,
    alerts: &[NewAlert],
) -> Result<HashMap<(CompanyId, String), (Alert, Firing)>> {
    let pairs: Vec<(&str, &str)> = {
        let mut seen = HashSet::new();
        alerts
            .iter()
            .map(|a| (a.company.as_str(), a.key.as_str()))
            .filter(|pair| seen.insert(*pair))
            .collect()
    };
    let mut out = HashMap::with_capacity(pairs.len());
    for chunk in pairs.chunks(100) {
        let mut sql = Sql::new("WITH k (company_id, key) AS (VALUES ");
        for (i, (company, key)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind((*company).to_owned())
                .push(", ")
                .bind((*key).to_owned())
                .push(")");
        }
        let rows = sql
            .push(
                ") SELECT a.id, a.company_id, a.key, a.severity, a.status, a.title, a.body, \
                 a.labels, a.opened_at, a.last_notified_at, a.acknowledged_at, \
                 a.acknowledged_by, a.resolved_at FROM k JOIN alerts a ON a.account_id = ",
            )
            .bind(account.to_string())
            .push(" AND a.company_id = k.company_id AND a.key = k.key AND a.status = 'firing'")
            .fetch_all(&mut *conn)
            .await?;
        for row in &rows {
            let alert = alert_from_row(row)?;
            let (_, firing) = firing_facts(row)?;
            out.insert(
                (alert.company_id.clone(), alert.key.clone()),
                (alert, firing),
            );
        }
    }
    Ok(out)
}

/// Which of `companies` are in a maintenance window at `now`.
pub async fn in_maintenance(
    conn: &mut AnyConnection,
    companies: &[&CompanyId],
    now: DateTime<Utc>,
) -> Result<HashSet<CompanyId>> {
    let rows = Sql::new("SELECT DISTINCT company_id FROM maintenance_windows WHERE company_id IN ")
        .bind_list(companies.iter().map(|c| c.as_str()))
        .push(" AND starts_at <= ")
        .bind(now.timestamp_millis())
        .push(" AND ends_at > ")
        .bind(now.timestamp_millis())
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(CompanyId::from_string(
                r.try_get::<String, _>("company_id")?,
            ))
        })
        .collect()
}

/// Each company's recipients: the contacts with access to it (in id order), with their
/// methods. Two statements for all the companies of a batch.
pub async fn recipients(
    conn: &mut AnyConnection,
    account: &AccountId,
    companies: &[&CompanyId],
    account_zone: TimeZone,
) -> Result<Recipients> {
    let mut out: HashMap<CompanyId, Vec<Recipient>> = companies
        .iter()
        .map(|c| ((*c).clone(), Vec::new()))
        .collect();
    let mut addressees = HashMap::new();
    if companies.is_empty() {
        return Ok(Recipients::default());
    }
    let ids = || companies.iter().map(|c| c.as_str());
    // A contact with access to several of the companies comes once per company (all
    // companies: once, without one).
    let contacts = Sql::new(
        "SELECT c.id, c.name, c.locale, c.timezone, c.all_companies, cc.company_id FROM contacts c \
         LEFT JOIN contact_companies cc ON cc.contact_id = c.id AND NOT c.all_companies \
         AND cc.company_id IN ",
    )
    .bind_list(ids())
    .push(" WHERE c.account_id = ")
    .bind(account.to_string())
    .push(" AND (c.all_companies OR cc.company_id IS NOT NULL) ORDER BY c.id")
    .fetch_all(&mut *conn)
    .await?;
    if contacts.is_empty() {
        return Ok(Recipients {
            by_company: out,
            addressees,
        });
    }
    let methods = Sql::new(
        "SELECT m.id, m.contact_id, m.type, m.min_severity, m.delay_minutes, m.quiet_from, \
         m.quiet_to, m.verified, m.secret FROM contact_methods m WHERE m.contact_id IN (SELECT c.id \
         FROM contacts c WHERE c.account_id = ",
    )
    .bind(account.to_string())
    .push(" AND (c.all_companies OR EXISTS (SELECT 1 FROM contact_companies cc WHERE cc.contact_id = c.id AND cc.company_id IN ")
    .bind_list(ids())
    .push("))) ORDER BY m.created_at, m.id")
    .fetch_all(&mut *conn)
    .await?;
    let mut people: HashMap<String, Addressee> = HashMap::new();
    for row in &contacts {
        let id: String = row.try_get("id")?;
        let person = Addressee {
            contact: ContactId::from_string(id.clone()),
            name: row.try_get("name")?,
            locale: parsed_opt(row, "locale", Locale::parse)?,
            timezone: parsed_opt(row, "timezone", TimeZone::parse)?,
            secret: None,
        };
        people.insert(id, person);
    }
    let mut by_contact: HashMap<String, Vec<MethodFacts>> = HashMap::new();
    for row in &methods {
        let contact: String = row.try_get("contact_id")?;
        if let Some(person) = people.get(&contact) {
            addressees.insert(
                MethodId::from_string(row.try_get::<String, _>("id")?),
                Addressee {
                    secret: row.try_get("secret")?,
                    ..person.clone()
                },
            );
        }
        let hhmm = |s: &str| NaiveTime::parse_from_str(s, "%H:%M");
        let from = parsed_opt(row, "quiet_from", hhmm)?;
        let to = parsed_opt(row, "quiet_to", hhmm)?;
        let delay: i64 = row.try_get("delay_minutes")?;
        by_contact.entry(contact).or_default().push(MethodFacts {
            id: MethodId::from_string(row.try_get::<String, _>("id")?),
            kind: parsed(row, "type", MethodType::parse)?,
            min_severity: parsed_opt(row, "min_severity", Severity::parse)?,
            delay_minutes: u16::try_from(delay).unwrap_or(0),
            quiet_hours: from.zip(to).map(|(from, to)| QuietHours { from, to }),
            verified: flag(row, "verified")?,
        });
    }
    for row in &contacts {
        let id: String = row.try_get("id")?;
        let recipient = Recipient {
            timezone: parsed_opt(row, "timezone", TimeZone::parse)?
                .unwrap_or(account_zone)
                .tz(),
            methods: by_contact.get(&id).cloned().unwrap_or_default(),
            contact: ContactId::from_string(id),
            access: CompanyAccess::All,
        };
        if flag(row, "all_companies")? {
            for list in out.values_mut() {
                list.push(recipient.clone());
            }
        } else if let Some(company) = row.try_get::<Option<String>, _>("company_id")? {
            if let Some(list) = out.get_mut(&CompanyId::from_string(company)) {
                list.push(recipient);
            }
        }
    }
    Ok(Recipients {
        by_company: out,
        addressees,
    })
}

/// The methods each of `alerts` was sent, or is being sent now (told when it resolves).
pub async fn told(
    conn: &mut AnyConnection,
    alerts: &[&AlertId],
) -> Result<HashMap<AlertId, Vec<MethodId>>> {
    let mut out: HashMap<AlertId, Vec<MethodId>> = HashMap::new();
    if alerts.is_empty() {
        return Ok(out);
    }
    let rows =
        Sql::new("SELECT DISTINCT alert_id, method_id FROM notifications WHERE alert_id IN ")
            .bind_list(alerts.iter().map(|a| a.as_str()))
            .push(" AND state IN ('sent', 'sending') ORDER BY alert_id, method_id")
            .fetch_all(&mut *conn)
            .await?;
    for row in &rows {
        out.entry(AlertId::from_string(row.try_get::<String, _>("alert_id")?))
            .or_default()
            .push(MethodId::from_string(
                row.try_get::<String, _>("method_id")?,
            ));
    }
    Ok(out)
}
