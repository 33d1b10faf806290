//! Contacts import and export: the whole directory of an account in three queries, and the
//! writes of an import as multi-row statements (so 100,000 rows are a few hundred statements,
//! not hundreds of thousands).

use super::{Sql, contacts, methods, now_millis};
use crate::domain::{AccountId, CompanyId, ContactId, MethodId, NewContact, NewMethod};
use crate::keys::Sealer;
use crate::store::{Contact, Method, Result};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeSet, HashMap};

/// Rows per multi-row `INSERT`: well under both engines' parameter limits (32,766 on SQLite,
/// 65,535 on PostgreSQL) at 15 values a row.
pub const CHUNK: usize = 500;

/// Every contact and user of the account with their companies and methods, by name (the
/// order of the Contacts page), each contact's methods primary email first and then in the
/// order they were added.
pub async fn directory(db: &mut AnyConnection, account: &AccountId) -> Result<Vec<Contact>> {
    let access_rows = Sql::new(
        "SELECT cc.contact_id, cc.company_id FROM contact_companies cc \
         JOIN companies co ON co.id = cc.company_id WHERE co.account_id = ",
    )
    .bind(account.to_string())
    .fetch_all(&mut *db)
    .await?;
    let mut chosen: HashMap<String, BTreeSet<CompanyId>> = HashMap::new();
    for row in &access_rows {
        chosen
            .entry(row.try_get("contact_id")?)
            .or_default()
            .insert(CompanyId::from_string(
                row.try_get::<String, _>("company_id")?,
            ));
    }
    let method_rows = Sql::new(methods::COLUMNS)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" ORDER BY contact_id, is_primary DESC, created_at, id")
        .fetch_all(&mut *db)
        .await?;
    let mut methods_of: HashMap<String, Vec<Method>> = HashMap::new();
    for row in &method_rows {
        let method = methods::from_row(row)?;
        methods_of
            .entry(method.contact_id.to_string())
            .or_default()
            .push(method);
    }
    let rows = Sql::new(contacts::COLUMNS)
        .push(" WHERE c.account_id = ")
        .bind(account.to_string())
        .push(" ORDER BY c.name_key, c.id")
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|row| contacts::from_row(row, &mut chosen, &mut methods_of).map(|(c, _)| c))
        .collect()
}

/// Takes the account's import turn until the transaction ends, so that two imports of one
/// file at once cannot both add its contacts (PostgreSQL; SQLite writers take turns anyway).
pub async fn take_import_turn(db: &mut AnyConnection, account: &AccountId) -> Result<()> {
    super::take_turn(db, &format!("contacts import {account}")).await
}

/// Inserts contacts ([`CHUNK`] to a statement) and their chosen companies, which must be the
/// account's (the plan took them from it on this transaction).
pub async fn insert_contacts(
    db: &mut AnyConnection,
    account: &AccountId,
    new: &[(ContactId, NewContact)],
) -> Result<()> {
    for chunk in new.chunks(CHUNK) {
        insert_contact_rows(db, account, chunk).await?;
    }
    let access: Vec<(&ContactId, &CompanyId)> = new
        .iter()
        .flat_map(|(id, c)| c.companies.chosen().map(move |company| (id, company)))
        .collect();
    for chunk in access.chunks(CHUNK * 4) {
        let mut sql = Sql::new("INSERT INTO contact_companies (contact_id, company_id) VALUES ");
        for (i, (contact, company)) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(contact.to_string())
                .push(", ")
                .bind(company.to_string())
                .push(")");
        }
        sql.execute(&mut *db).await?;
    }
    Ok(())
}

async fn insert_contact_rows(
    db: &mut AnyConnection,
    account: &AccountId,
    new: &[(ContactId, NewContact)],
) -> Result<()> {
    if new.is_empty() {
        return Ok(());
    }
    let now = now_millis();
    let mut sql = Sql::new(contacts::INSERT);
    for (i, (id, contact)) in new.iter().enumerate() {
        contacts::row(&mut sql, i == 0, id, account, contact, now);
    }
    sql.execute(&mut *db).await?;
    Ok(())
}

/// A method to insert: its new id, its contact, and for a webhook its sealed secret.
#[derive(Debug)]
pub struct MethodRow<'a> {
    pub id: MethodId,
    pub contact: &'a ContactId,
    pub method: &'a NewMethod,
}

impl<'a> MethodRow<'a> {
    pub fn new(contact: &'a ContactId, method: &'a NewMethod) -> Self {
        Self {
            id: MethodId::generate(),
            contact,
            method,
        }
    }
}

/// Inserts methods ([`CHUNK`] to a statement) of contacts of the account, in order (their ids, made
/// in order, keep it among methods added at the same millisecond). A webhook gets a new
/// signing secret sealed with `sealer`.
pub async fn insert_methods(
    db: &mut AnyConnection,
    account: &AccountId,
    rows: &[MethodRow<'_>],
    sealer: &Sealer,
) -> Result<()> {
    for chunk in rows.chunks(CHUNK) {
        insert_method_rows(db, account, chunk, sealer).await?;
    }
    Ok(())
}

async fn insert_method_rows(
    db: &mut AnyConnection,
    account: &AccountId,
    rows: &[MethodRow<'_>],
    sealer: &Sealer,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let now = now_millis();
    let mut sql = Sql::new(&format!(
        "INSERT INTO contact_methods (id, account_id, contact_id, is_primary, secret, \
         created_at, {}) VALUES ",
        methods::FIELDS.join(", ")
    ));
    for (i, row) in rows.iter().enumerate() {
        let secret = (row.method.address.method_type() == crate::domain::MethodType::Webhook)
            .then(|| methods::new_secret(&row.id, sealer).1);
        sql.push(if i == 0 { "(" } else { ", (" })
            .bind(row.id.to_string())
            .push(", ")
            .bind(account.to_string())
            .push(", ")
            .bind(row.contact.to_string())
            .push(", ")
            .bind(false)
            .push(", ")
            .bind(secret)
            .push(", ")
            .bind(now);
        methods::push_fields(&mut sql, row.method, |_| ", ".to_owned());
        sql.push(")");
    }
    sql.execute(&mut *db).await?;
    Ok(())
}

/// Replaces a contact's name, companies, language and zone.
pub async fn update_contact(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &ContactId,
    new: &NewContact,
) -> Result<()> {
    contacts::overwrite(db, account, id, new).await
}

/// Sets a method's label and routing preferences (its address, type, verification, quiet
/// hours and secret stay).
pub async fn update_method(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &MethodId,
    new: &NewMethod,
) -> Result<()> {
    let prefs = &new.prefs;
    Sql::new("UPDATE contact_methods SET label = ")
        .bind(new.label.as_ref().map(ToString::to_string))
        .push(", min_severity = ")
        .bind(prefs.min_severity.map(|s| s.as_str().to_owned()))
        .push(", reports = ")
        .bind(prefs.reports)
        .push(", delay_minutes = ")
        .bind(i64::from(prefs.delay.get()))
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    Ok(())
}
