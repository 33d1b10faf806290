use super::{Sql, flag, now_millis, parsed, parsed_opt, time};
use crate::domain::{
    AccountId, Address, ContactId, EmailAddress, MethodId, MethodType, NewMethod, QuietHours,
    Severity,
};
use crate::keys::Sealer;
use crate::store::{Method, Result, StoreError};
use chrono::NaiveTime;
use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;

pub(super) const COLUMNS: &str = "SELECT id, contact_id, type, address, label, min_severity, reports, \
    delay_minutes, quiet_from, quiet_to, verified, is_primary, created_at FROM contact_methods";

/// The columns a method's input sets, in the order [`push_fields`] binds them.
pub(super) const FIELDS: [&str; 9] = [
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
pub(super) fn push_fields(sql: &mut Sql, new: &NewMethod, before: impl Fn(&str) -> String) {
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

/// A new webhook signing secret (Standard Webhooks: `whsec_` and base64 of 32 random bytes),
/// plain and as kept: sealed for its method, so the database alone does not give it away.
pub(super) fn new_secret(method: &MethodId, sealer: &Sealer) -> (String, String) {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0_u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let plain = format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    );
    let sealed = sealer.seal(&plain, method.as_str());
    (plain, sealed)
}

/// `INSERT ... SELECT` from the contact, so a contact of another account inserts nothing. A
/// webhook gets a new secret (`sealer` seals it); the id and that secret, plain.
async fn insert<'e, E: super::statement::Target<'e>>(
    executor: E,
    account: &AccountId,
    contact: &ContactId,
    new: &NewMethod,
    primary: bool,
    sealer: Option<&Sealer>,
) -> Result<Option<(MethodId, Option<String>)>> {
    let id = MethodId::generate();
    let secret = match (new.address.method_type(), sealer) {
        (MethodType::Webhook, Some(sealer)) => Some(new_secret(&id, sealer)),
        (MethodType::Webhook, None) => {
            return Err(StoreError::Protected(
                "a webhook needs a key to seal its secret",
            ));
        }
        _ => None,
    };
    let mut sql = Sql::new(&format!(
        "INSERT INTO contact_methods (id, account_id, contact_id, is_primary, secret, created_at, {}) SELECT ",
        FIELDS.join(", ")
    ));
    sql.bind(id.to_string())
        .push(", account_id, id, ")
        .bind(primary)
        .push(", ")
        .bind(secret.as_ref().map(|(_, sealed)| sealed.clone()))
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
    Ok((inserted == 1).then_some((id, secret.map(|(plain, _)| plain))))
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
    insert(conn, account, contact, &new, true, None)
        .await?
        .map(drop)
        .ok_or(StoreError::NotFound)
}

/// Adds a method. A webhook's new secret is kept sealed with `sealer`; the answer carries it
/// plain, the one time it is shown.
pub async fn add(
    db: &mut AnyConnection,
    account: &AccountId,
    contact: &ContactId,
    new: &NewMethod,
    sealer: &Sealer,
) -> Result<Method> {
    let (id, secret) = insert(&mut *db, account, contact, new, false, Some(sealer))
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut added = get(db, account, contact, &id).await?;
    added.secret = secret.map(crate::config::Secret::from);
    Ok(added)
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

/// Changes a method. A webhook keeps its secret; a method that becomes a webhook gets a new
/// one (sealed with `sealer`; the answer carries it plain, the one time it is shown); other
/// types keep none.
pub async fn update(
    db: &mut AnyConnection,
    account: &AccountId,
    contact: &ContactId,
    id: &MethodId,
    new: &NewMethod,
    sealer: &Sealer,
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
    sql.bind(current.verified && same_address);
    let mut made = None;
    match (current.kind, new.address.method_type()) {
        (MethodType::Webhook, MethodType::Webhook) => {}
        (_, MethodType::Webhook) => {
            let (plain, sealed) = new_secret(id, sealer);
            sql.push(", secret = ").bind(sealed);
            made = Some(plain);
        }
        _ => {
            sql.push(", secret = NULL");
        }
    }
    push_fields(&mut sql, new, |column| format!(", {column} = "));
    sql.push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    let mut after = get(db, account, contact, id).await?;
    after.secret = made.map(crate::config::Secret::from);
    Ok(after)
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

pub(super) fn from_row(row: &AnyRow) -> Result<Method> {
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
        // Kept sealed; shown only by the call that makes it.
        secret: None,
        created_at: time(row, "created_at")?,
    })
}

/// Seals the webhook secrets still kept plain (written before sealing existed), each for its
/// method: the one-time step after the migrations, deployment-wide. A row changed meanwhile is
/// left for the next run; running it again changes nothing. How many were sealed.
pub async fn seal_plain_secrets(db: &mut AnyConnection, sealer: &Sealer) -> Result<u64> {
    let rows = Sql::new(
        "SELECT id, secret FROM contact_methods WHERE secret IS NOT NULL AND secret NOT LIKE 'sealed:%'",
    )
    .fetch_all(&mut *db)
    .await?;
    let mut sealed = 0;
    for row in &rows {
        let id: String = row.try_get("id")?;
        let plain: String = row.try_get("secret")?;
        sealed += Sql::new("UPDATE contact_methods SET secret = ")
            .bind(sealer.seal(&plain, &id))
            .push(" WHERE id = ")
            .bind(id)
            .push(" AND secret = ")
            .bind(plain)
            .execute(&mut *db)
            .await?;
    }
    Ok(sealed)
}
