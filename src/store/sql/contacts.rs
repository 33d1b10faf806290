use super::{
    Sql, contains_pattern, flag, methods, now_millis, page, parsed, parsed_opt, push_page, time,
};
use crate::domain::{
    AccountId, CompanyAccess, CompanyId, CompanyScope, ContactId, FieldError, Invalid, Locale,
    NewContact, Role, TimeZone,
};
use crate::store::{Contact, ContactKind, ContactQuery, Page, Result, StoreError, UserInfo};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeSet, HashMap};

mod search;

use search::candidates;

pub(super) const COLUMNS: &str = "SELECT c.id, c.name, c.name_key, c.all_companies, c.locale, c.timezone, \
    c.created_at, c.updated_at, u.email, u.role, u.disabled \
    FROM contacts c LEFT JOIN users u ON u.contact_id = c.id";

/// The start of an INSERT of contacts; [`row`] adds each.
pub(super) const INSERT: &str = "INSERT INTO contacts (id, account_id, name, name_key, \
    all_companies, locale, timezone, created_at, updated_at) VALUES ";

/// Adds one contact's values to an [`INSERT`] (`first`: no comma before it).
pub(super) fn row(
    sql: &mut Sql,
    first: bool,
    id: &ContactId,
    account: &AccountId,
    new: &NewContact,
    now: i64,
) {
    sql.push(if first { "(" } else { ", (" })
        .bind(id.to_string())
        .push(", ")
        .bind(account.to_string())
        .push(", ")
        .bind(new.name.to_string())
        .push(", ")
        .bind(new.name.sort_key())
        .push(", ")
        .bind(new.companies == CompanyAccess::All)
        .push(", ")
        .bind(new.locale.map(|l| l.as_str().to_owned()))
        .push(", ")
        .bind(new.timezone.map(|t| t.as_str().to_owned()))
        .push(", ")
        .bind(now)
        .push(", ")
        .bind(now)
        .push(")");
}

/// Inserts the contact row and its access set; the caller commits.
pub async fn insert(
    conn: &mut AnyConnection,
    account: &AccountId,
    new: &NewContact,
) -> Result<ContactId> {
    let id = ContactId::generate();
    let mut sql = Sql::new(INSERT);
    row(&mut sql, true, &id, account, new, now_millis());
    sql.execute(&mut *conn).await?;
    write_access(conn, account, &id, &new.companies).await?;
    Ok(id)
}

/// Replaces the contact's chosen companies, refusing any that is not the account's.
pub async fn write_access(
    conn: &mut AnyConnection,
    account: &AccountId,
    contact: &ContactId,
    access: &CompanyAccess,
) -> Result<()> {
    Sql::new("DELETE FROM contact_companies WHERE contact_id = ")
        .bind(contact.to_string())
        .execute(&mut *conn)
        .await?;
    let CompanyAccess::Only(set) = access else {
        return Ok(());
    };
    if set.is_empty() {
        return Ok(());
    }
    let inserted = Sql::new("INSERT INTO contact_companies (contact_id, company_id) SELECT ")
        .bind(contact.to_string())
        .push(", id FROM companies WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id IN ")
        .bind_list(set.iter().map(CompanyId::as_str))
        .execute(&mut *conn)
        .await?;
    if inserted != set.len() as u64 {
        return Err(StoreError::Invalid(vec![FieldError::new(
            "companies",
            Invalid::UnknownCompany,
        )]));
    }
    Ok(())
}

pub async fn create(
    db: &mut AnyConnection,
    account: &AccountId,
    new: &NewContact,
) -> Result<Contact> {
    let id = insert(&mut *db, account, new).await?;
    get(db, account, &CompanyAccess::All, &id).await
}

/// The contacts of the account that the scope can see; with `among`, only those of these ids.
fn select(account: &AccountId, scope: &CompanyScope, among: Option<&BTreeSet<String>>) -> Sql {
    let mut sql = Sql::new(COLUMNS);
    match among {
        None => sql.push(" WHERE c.account_id = ").bind(account.to_string()),
        // Looked up by id. The account is compared as an expression: SQLite, which plans
        // without statistics, would otherwise walk the account's name index for them.
        Some(ids) => sql
            .push(" WHERE c.id IN ")
            .bind_list(ids.iter().map(String::as_str))
            .push(" AND c.account_id || '' = ")
            .bind(account.to_string()),
    };
    if let CompanyAccess::Only(set) = scope {
        if set.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            sql.push(
                " AND (c.all_companies OR EXISTS (SELECT 1 FROM contact_companies cc \
                 WHERE cc.contact_id = c.id AND cc.company_id IN ",
            )
            .bind_list(set.iter().map(CompanyId::as_str))
            .push("))");
        }
    }
    sql
}

pub async fn get(
    db: &mut AnyConnection,
    account: &AccountId,
    scope: &CompanyScope,
    id: &ContactId,
) -> Result<Contact> {
    let mut sql = select(account, scope, None);
    sql.push(" AND c.id = ").bind(id.to_string());
    let rows = sql.fetch_all(&mut *db).await?;
    let mut found = hydrate(db, account, &rows).await?;
    found.pop().map(|(c, _)| c).ok_or(StoreError::NotFound)
}

/// Every contact the query finds (its `page` is ignored), page after page of the largest size.
pub async fn all(
    db: &mut AnyConnection,
    account: &AccountId,
    scope: &CompanyScope,
    query: &ContactQuery,
) -> Result<Vec<Contact>> {
    let mut all = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let query = ContactQuery {
            page: crate::store::PageRequest::largest_after(next.as_deref()),
            ..query.clone()
        };
        let page = list(db, account, scope, &query).await?;
        all.extend(page.items);
        match page.next_cursor {
            Some(cursor) => next = Some(cursor),
            None => return Ok(all),
        }
    }
}

pub async fn list(
    db: &mut AnyConnection,
    account: &AccountId,
    scope: &CompanyScope,
    query: &ContactQuery,
) -> Result<Page<Contact>> {
    let text = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let among = match text {
        Some(text) => candidates(&mut *db, account, text).await?,
        None => None,
    };
    if among.as_ref().is_some_and(BTreeSet::is_empty) {
        return Ok(Page {
            items: Vec::new(),
            next_cursor: None,
        });
    }
    let mut sql = select(account, scope, among.as_ref());
    if let Some(company) = &query.company {
        sql.push(
            " AND (c.all_companies OR EXISTS (SELECT 1 FROM contact_companies cc \
             WHERE cc.contact_id = c.id AND cc.company_id = ",
        )
        .bind(company.to_string())
        .push("))");
    }
    if let Some(text) = text {
        let pattern = contains_pattern(text);
        sql.push(" AND (c.name_key LIKE ")
            .bind(pattern.clone())
            .push(
                " ESCAPE '\\' OR EXISTS (SELECT 1 FROM contact_methods m \
                 WHERE m.contact_id = c.id AND m.address_key LIKE ",
            )
            .bind(pattern)
            .push(" ESCAPE '\\'))");
    }
    match query.kind {
        Some(ContactKind::User) => sql.push(" AND u.contact_id IS NOT NULL"),
        Some(ContactKind::Contact) => sql.push(" AND u.contact_id IS NULL"),
        None => &mut sql,
    };
    push_page(&mut sql, "c.name_key", "c.id", &query.page);
    let rows = sql.fetch_all(&mut *db).await?;
    let items = hydrate(db, account, &rows).await?;
    let result = page(items, &query.page, |(c, key)| {
        (key.clone(), c.id.to_string())
    });
    Ok(Page {
        items: result.items.into_iter().map(|(c, _)| c).collect(),
        next_cursor: result.next_cursor,
    })
}

pub async fn update(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &ContactId,
    new: &NewContact,
) -> Result<Contact> {
    overwrite(&mut *db, account, id, new).await?;
    get(db, account, &CompanyAccess::All, id).await
}

/// Replaces a contact's name, companies, language and zone (`NotFound` when it is not the
/// account's), without reading it back.
pub(super) async fn overwrite(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &ContactId,
    new: &NewContact,
) -> Result<()> {
    let changed = Sql::new("UPDATE contacts SET name = ")
        .bind(new.name.to_string())
        .push(", name_key = ")
        .bind(new.name.sort_key())
        .push(", all_companies = ")
        .bind(new.companies == CompanyAccess::All)
        .push(", locale = ")
        .bind(new.locale.map(|l| l.as_str().to_owned()))
        .push(", timezone = ")
        .bind(new.timezone.map(|t| t.as_str().to_owned()))
        .push(", updated_at = ")
        .bind(now_millis())
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    write_access(db, account, id, &new.companies).await
}

pub async fn delete(db: &mut AnyConnection, account: &AccountId, id: &ContactId) -> Result<()> {
    // Methods, access rows, the user's login and tokens go by ON DELETE CASCADE.
    super::delete_owned(db, "contacts", account, id.as_str()).await
}

/// Builds contacts from their rows, with access sets and methods loaded in two queries.
/// Each comes with its sort key, for cursors.
async fn hydrate(
    db: &mut AnyConnection,
    account: &AccountId,
    rows: &[AnyRow],
) -> Result<Vec<(Contact, String)>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids = rows
        .iter()
        .map(|r| r.try_get::<String, _>("id"))
        .collect::<Result<Vec<_>, _>>()?;
    let mut chosen: HashMap<String, BTreeSet<CompanyId>> = HashMap::new();
    let access_rows =
        Sql::new("SELECT contact_id, company_id FROM contact_companies WHERE contact_id IN ")
            .bind_list(ids.iter().map(String::as_str))
            .fetch_all(&mut *db)
            .await?;
    for row in &access_rows {
        chosen
            .entry(row.try_get("contact_id")?)
            .or_default()
            .insert(CompanyId::from_string(
                row.try_get::<String, _>("company_id")?,
            ));
    }
    let mut methods_of = methods::for_contacts(db, account, &ids).await?;
    rows.iter()
        .map(|row| from_row(row, &mut chosen, &mut methods_of))
        .collect()
}

/// A contact from a row of [`COLUMNS`], taking its chosen companies and methods out of the
/// maps (by contact id); with its sort key.
pub(super) fn from_row(
    row: &AnyRow,
    chosen: &mut HashMap<String, BTreeSet<CompanyId>>,
    methods_of: &mut HashMap<String, Vec<crate::store::Method>>,
) -> Result<(Contact, String)> {
    let id: String = row.try_get("id")?;
    let companies = if flag(row, "all_companies")? {
        CompanyAccess::All
    } else {
        CompanyAccess::Only(chosen.remove(&id).unwrap_or_default())
    };
    let user = match row.try_get::<Option<String>, _>("email")? {
        Some(email) => Some(UserInfo {
            email,
            role: parsed(row, "role", Role::parse)?,
            disabled: flag(row, "disabled")?,
        }),
        None => None,
    };
    let contact = Contact {
        methods: methods_of.remove(&id).unwrap_or_default(),
        id: ContactId::from_string(id),
        name: row.try_get("name")?,
        companies,
        locale: parsed_opt(row, "locale", Locale::parse)?,
        timezone: parsed_opt(row, "timezone", TimeZone::parse)?,
        user,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    };
    Ok((contact, row.try_get("name_key")?))
}
