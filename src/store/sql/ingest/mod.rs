//! What storing a batch of alerts reads and writes (the use case `app::ingest` decides): the
//! account's routing settings, the companies, the alerts firing under the batch's keys, the
//! recipients of its companies with their methods; `write` holds the alert rows and the outbox
//! rows routing plans. Every read and write is set-based: a handful of statements per batch,
//! however many alerts and notifications it holds.

mod firing;
mod new_alerts;
mod write;

pub use firing::{
    check_companies, checked_firing, firing, firing_all, firing_facts, mark_renotified, resolve,
};

pub use new_alerts::StoredAlert;
pub use write::{Claim, Queued, enqueue};

use super::{Sql, flag, parsed, parsed_opt};
use crate::domain::routing::{MethodFacts, Recipient};
use crate::domain::{
    AccountId, AlertId, CompanyAccess, CompanyId, ContactId, Locale, MethodId, MethodType,
    PolicyId, QuietHours, Severity, TimeZone,
};
use crate::store::Result;
use chrono::{DateTime, Duration, NaiveTime, Utc};
use foldhash::{HashMap, HashMapExt as _, HashSet};
use sqlx::{AnyConnection, Row};

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
        .bind(account)
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

/// Contacts whose methods one statement reads (each contact's methods come in one statement).
const CONTACTS_PER_STATEMENT: usize = 500;

/// Each company's recipients: the contacts with access to it (in id order), with their
/// methods. Two statements for all the companies of a batch (the second per 500 contacts).
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
    // companies: once, without one). Those with a list are found from the companies' side
    // (`contact_companies_by_company`): one probe per company, where probing each contact's
    // list for every company of the batch took contacts x companies.
    let contacts = Sql::new(
        "SELECT c.id, c.name, c.locale, c.timezone, c.all_companies, NULL AS company_id \
         FROM contacts c WHERE c.account_id = ",
    )
    .bind(account)
    .push(
        " AND c.all_companies UNION ALL SELECT c.id, c.name, c.locale, c.timezone, \
         c.all_companies, cc.company_id FROM contact_companies cc \
         JOIN contacts c ON c.id = cc.contact_id WHERE cc.company_id IN ",
    )
    .bind_list(ids())
    .push(" AND c.account_id = ")
    .bind(account)
    .push(" AND NOT c.all_companies ORDER BY id")
    .fetch_all(&mut *conn)
    .await?;
    if contacts.is_empty() {
        return Ok(Recipients {
            by_company: out,
            addressees,
        });
    }
    // Their methods, by the contacts found: one probe of `contact_methods_by_contact` each,
    // whatever the planner knows of the tables (a fresh database has no statistics).
    let mut ids_found: Vec<String> = contacts
        .iter()
        .map(|row| row.try_get::<String, _>("id"))
        .collect::<std::result::Result<_, _>>()?;
    ids_found.dedup();
    let mut methods = Vec::new();
    for chunk in ids_found.chunks(CONTACTS_PER_STATEMENT) {
        methods.extend(
            Sql::new(
                "SELECT m.id, m.contact_id, m.type, m.min_severity, m.delay_minutes, \
                 m.quiet_from, m.quiet_to, m.verified, m.secret FROM contact_methods m \
                 WHERE m.contact_id IN ",
            )
            .bind_list(chunk.iter().map(String::as_str))
            .push(" ORDER BY m.created_at, m.id")
            .fetch_all(&mut *conn)
            .await?,
        );
    }
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
