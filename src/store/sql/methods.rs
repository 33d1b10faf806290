use super::{Sql, flag, now_millis, parsed, parsed_opt, time};
use crate::domain::{
    AccountId, Address, ContactId, EmailAddress, MethodId, MethodType, NewMethod, QuietHours,
    Severity,
};
use crate::store::{Method, Result, StoreError};
use chrono::NaiveTime;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;
use sqlx::{Executor, Row};
use std::collections::HashMap;

const COLUMNS: &str = "SELECT id, contact_id, type, address, label, min_severity, reports, \
    delay_minutes, quiet_from, quiet_to, verified, is_primary, secret, created_at FROM contact_methods";

/// The columns a method's input sets, in the order [`push_fields`] binds them.
const FIELDS: [&str; 9] = [
    "type",
    "address",
    "address_key",
    "label",
    "min_severity",
    "reports",
    "delay_minutes",
    "quiet_from",
    "quiet_to",
];

/// Binds the values of [`FIELDS`], each after `before(column)`: shared by insert and update.
fn push_fields(sql: &mut Sql, new: &NewMethod, before: impl Fn(&str) -> String) {
    let prefs = &new.prefs;
    let quiet = |f: fn(&QuietHours) -> NaiveTime| {
        prefs.quiet_hours.as_ref().map(|q| QuietHours::format(f(q)))
    };
    let [
        kind,
        address,
        address_key,
        label,
        min_severity,
        reports,
        delay,
        from,
        to,
    ] = FIELDS;
    sql.push(&before(kind))
        .bind(new.address.method_type().as_str())
        .push(&before(address))
        .bind(new.address.as_str().to_owned())
        .push(&before(address_key))
        .bind(new.address.as_str().to_lowercase())
        .push(&before(label))
        .bind(new.label.as_ref().map(ToString::to_string))
        .push(&before(min_severity))
        .bind(prefs.min_severity.map(|s| s.as_str().to_owned()))
        .push(&before(reports))
        .bind(prefs.reports)
        .push(&before(delay))
        .bind(i64::from(prefs.delay.get()))
        .push(&before(from))
        .bind(quiet(|q| q.from))
        .push(&before(to))
        .bind(quiet(|q| q.to));
}

/// A webhook method keeps its signing secret; one that becomes a webhook gets a new one
/// (Standard Webhooks: `whsec_` and base64 of 32 random bytes); other types have none.
fn webhook_secret(new: &NewMethod, current: Option<String>) -> Option<String> {
    use base64::Engine as _;
    use rand::RngCore as _;
    (new.address.method_type() == MethodType::Webhook).then(|| {
        current.unwrap_or_else(|| {
            let mut bytes = [0_u8; 32];
            rand::thread_rng().fill_bytes(&mut bytes);
            format!(
                "whsec_{}",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            )
        })
    })
}

/// `INSERT ... SELECT` from the contact, so a contact of another account inserts nothing.
async fn insert<'e, E: Executor<'e, Database = sqlx::Any>>(
    executor: E,
    account: &AccountId,
    contact: &ContactId,
    new: &NewMethod,
    primary: bool,
) -> Result<Option<MethodId>> {
    let id = MethodId::generate();
    let mut sql = Sql::new(&format!(
        "INSERT INTO contact_methods (id, account_id, contact_id, is_primary, secret, created_at, {}) SELECT ",
        FIELDS.join(", ")
    ));
    sql.bind(id.to_string())
        .push(", account_id, id, ")
        .bind(primary)
        .push(", ")
        .bind(webhook_secret(new, None))
        .push(", ")
        .bind(now_millis());
    push_fields(&mut sql, new, |_| ", ".to_owned());
    let inserted = sql
        .push(" FROM contacts WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(contact.to_string())
        .execute(executor)
        .await?;
    Ok((inserted == 1).then_some(id))
}

/// Adds a user's primary email method; the caller commits.
pub async fn insert_primary(
    conn: &mut AnyConnection,
    account: &AccountId,
    contact: &ContactId,
    email: &EmailAddress,
) -> Result<()> {
    let new = NewMethod {
        address: Address::Email(email.clone()),
        label: None,
        prefs: MethodType::Email.default_prefs(),
    };
    insert(conn, account, contact, &new, true)
        .await?
        .map(drop)
        .ok_or(StoreError::NotFound)
}

pub async fn add(
    db: &mut AnyConnection,
    account: &AccountId,
    contact: &ContactId,
    new: &NewMethod,
) -> Result<Method> {
    let id = insert(&mut *db, account, contact, new, false)
        .await?
        .ok_or(StoreError::NotFound)?;
    get(db, account, contact, &id).await
}

pub async fn get(
    db: &mut AnyConnection,
    account: &AccountId,
    contact: &ContactId,
    id: &MethodId,
) -> Result<Method> {
    let row = Sql::new(COLUMNS)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND contact_id = ")
        .bind(contact.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .fetch_optional(&mut *db)
        .await?;
    from_row(&row.ok_or(StoreError::NotFound)?)
}

pub async fn update(
    db: &mut AnyConnection,
    account: &AccountId,
    contact: &ContactId,
    id: &MethodId,
    new: &NewMethod,
) -> Result<Method> {
    let current = get(db, account, contact, id).await?;
    let same_address =
        current.kind == new.address.method_type() && current.address == new.address.as_str();
    if current.primary && !same_address {
        return Err(StoreError::Protected(
            "a user's primary email changes only with the user's email",
        ));
    }
    let mut sql = Sql::new("UPDATE contact_methods SET verified = ");
    sql.bind(current.verified && same_address)
        .push(", secret = ")
        .bind(webhook_secret(
            new,
            current.secret.map(|s| s.expose().to_owned()),
        ));
    push_fields(&mut sql, new, |column| format!(", {column} = "));
    sql.push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    get(db, account, contact, id).await
}

pub async fn delete(
    db: &mut AnyConnection,
    account: &AccountId,
    contact: &ContactId,
    id: &MethodId,
) -> Result<()> {
    if get(db, account, contact, id).await?.primary {
        return Err(StoreError::Protected(
            "a user's primary email cannot be deleted",
        ));
    }
    super::delete_owned(db, "contact_methods", account, id.as_str()).await
}

/// The methods of these contacts (of this account), by contact id, primary email first and
/// then in the order they were added.
pub async fn for_contacts(
    db: &mut AnyConnection,
    account: &AccountId,
    contacts: &[String],
) -> Result<HashMap<String, Vec<Method>>> {
    let rows = Sql::new(COLUMNS)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND contact_id IN ")
        .bind_list(contacts.iter().map(String::as_str))
        .push(" ORDER BY is_primary DESC, created_at, id")
        .fetch_all(&mut *db)
        .await?;
    let mut by_contact: HashMap<String, Vec<Method>> = HashMap::new();
    for row in &rows {
        let method = from_row(row)?;
        by_contact
            .entry(method.contact_id.to_string())
            .or_default()
            .push(method);
    }
    Ok(by_contact)
}

fn from_row(row: &AnyRow) -> Result<Method> {
    let quiet_from = parsed_opt(row, "quiet_from", |s| NaiveTime::parse_from_str(s, "%H:%M"))?;
    let quiet_to = parsed_opt(row, "quiet_to", |s| NaiveTime::parse_from_str(s, "%H:%M"))?;
    let delay: i64 = row.try_get("delay_minutes")?;
    Ok(Method {
        id: MethodId::from_string(row.try_get::<String, _>("id")?),
        contact_id: ContactId::from_string(row.try_get::<String, _>("contact_id")?),
        kind: parsed(row, "type", MethodType::parse)?,
        address: row.try_get("address")?,
        label: row.try_get("label")?,
        min_severity: parsed_opt(row, "min_severity", Severity::parse)?,
        reports: flag(row, "reports")?,
        delay_minutes: u16::try_from(delay).map_err(|_| super::corrupt("delay_minutes"))?,
        quiet_hours: quiet_from
            .zip(quiet_to)
            .map(|(from, to)| QuietHours { from, to }),
        verified: flag(row, "verified")?,
        primary: flag(row, "is_primary")?,
        secret: row
            .try_get::<Option<String>, _>("secret")?
            .map(crate::config::Secret::from),
        created_at: time(row, "created_at")?,
    })
}
