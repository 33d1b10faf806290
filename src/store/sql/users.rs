use super::{Backend, Sql, contacts, flag, methods, now_millis, parsed, unique_as};
use crate::domain::{
    AccountId, CompanyAccess, CompanyId, ContactId, EmailAddress, NewUser, Profile, Role,
    UserChange,
};
use crate::store::{Contact, Login, Result, StoreError};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

pub async fn create(db: &mut AnyConnection, account: &AccountId, new: &NewUser) -> Result<Contact> {
    let id = contacts::insert(&mut *db, account, &new.contact).await?;
    Sql::new("INSERT INTO users (contact_id, account_id, email, email_key, password_hash, role, created_at) VALUES (")
        .bind(id.to_string())
        .push(", ")
        .bind(account.to_string())
        .push(", ")
        .bind(new.email.to_string())
        .push(", ")
        .bind(new.email.key())
        .push(", ")
        .bind(new.password_hash.clone())
        .push(", ")
        .bind(new.role.as_str())
        .push(", ")
        .bind(now_millis())
        .push(")")
        .execute(&mut *db)
        .await
        .map_err(unique_as("email"))?;
    methods::insert_primary(&mut *db, account, &id, &new.email).await?;
    contacts::get(db, account, &CompanyAccess::All, &id).await
}

pub const LOGIN: &str = "SELECT u.contact_id, u.account_id, u.role, u.disabled, u.password_hash, \
    c.name, c.all_companies FROM users u JOIN contacts c ON c.id = u.contact_id";

pub async fn login_by_email(db: &mut AnyConnection, email: &EmailAddress) -> Result<Option<Login>> {
    let row = Sql::new(LOGIN)
        .push(" WHERE u.email_key = ")
        .bind(email.key())
        .fetch_optional(&mut *db)
        .await?;
    login(db, row).await
}

pub async fn login(db: &mut AnyConnection, row: Option<AnyRow>) -> Result<Option<Login>> {
    let Some(row) = row else { return Ok(None) };
    let user_id: String = row.try_get("contact_id")?;
    let companies = if flag(&row, "all_companies")? {
        CompanyAccess::All
    } else {
        let rows = Sql::new("SELECT company_id FROM contact_companies WHERE contact_id = ")
            .bind(user_id.clone())
            .fetch_all(&mut *db)
            .await?;
        CompanyAccess::Only(
            rows.iter()
                .map(|r| {
                    r.try_get::<String, _>("company_id")
                        .map(CompanyId::from_string)
                })
                .collect::<Result<_, _>>()?,
        )
    };
    Ok(Some(Login {
        account_id: AccountId::from_string(row.try_get::<String, _>("account_id")?),
        user_id: ContactId::from_string(user_id),
        name: row.try_get("name")?,
        role: parsed(&row, "role", Role::parse)?,
        disabled: flag(&row, "disabled")?,
        companies,
        password_hash: row.try_get("password_hash")?,
    }))
}

/// Refuses a change that would leave the account without an enabled admin. Call inside the
/// transaction that makes the change; on PostgreSQL it locks the account row first so two
/// admins demoting each other cannot both succeed (SQLite runs one writer at a time).
async fn keep_an_admin(
    conn: &mut AnyConnection,
    account: &AccountId,
    user: &ContactId,
    stays_admin: bool,
) -> Result<()> {
    if stays_admin {
        return Ok(());
    }
    if Backend::of(conn) == Backend::Postgres {
        Sql::new("SELECT id FROM accounts WHERE id = ")
            .bind(account.to_string())
            .push(" FOR UPDATE")
            .fetch_optional(&mut *conn)
            .await?;
    }
    let row = Sql::new(
        "SELECT COUNT(*) AS admins, \
         SUM(CASE WHEN contact_id = ",
    )
    .bind(user.to_string())
    .push(" THEN 1 ELSE 0 END) AS this_one FROM users WHERE account_id = ")
    .bind(account.to_string())
    .push(" AND role = 'admin' AND NOT disabled")
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound)?;
    let admins: i64 = row.try_get("admins")?;
    let this_one: Option<i64> = row.try_get("this_one")?;
    if this_one.unwrap_or(0) > 0 && admins <= 1 {
        return Err(StoreError::Protected(
            "an account keeps at least one enabled admin",
        ));
    }
    Ok(())
}

pub async fn update(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &ContactId,
    change: &UserChange,
) -> Result<Contact> {
    let stays_admin = change.role == Role::Admin && !change.disabled;
    keep_an_admin(&mut *db, account, id, stays_admin).await?;
    let changed = Sql::new("UPDATE users SET role = ")
        .bind(change.role.as_str())
        .push(", disabled = ")
        .bind(change.disabled)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND contact_id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    Sql::new("UPDATE contacts SET all_companies = ")
        .bind(change.companies == CompanyAccess::All)
        .push(", updated_at = ")
        .bind(now_millis())
        .push(" WHERE id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    contacts::write_access(&mut *db, account, id, &change.companies).await?;
    contacts::get(db, account, &CompanyAccess::All, id).await
}

pub async fn delete(db: &mut AnyConnection, account: &AccountId, id: &ContactId) -> Result<()> {
    keep_an_admin(&mut *db, account, id, false).await?;
    let deleted = Sql::new("DELETE FROM contacts WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .push(" AND id IN (SELECT contact_id FROM users)")
        .execute(&mut *db)
        .await?;
    if deleted == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn update_profile(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &ContactId,
    profile: &Profile,
) -> Result<Contact> {
    let changed = Sql::new("UPDATE contacts SET name = ")
        .bind(profile.name.to_string())
        .push(", name_key = ")
        .bind(profile.name.sort_key())
        .push(", locale = ")
        .bind(profile.locale.map(|l| l.as_str().to_owned()))
        .push(", timezone = ")
        .bind(profile.timezone.map(|t| t.as_str().to_owned()))
        .push(", updated_at = ")
        .bind(now_millis())
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .push(" AND id IN (SELECT contact_id FROM users)")
        .execute(&mut *db)
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    Sql::new("UPDATE users SET email = ")
        .bind(profile.email.to_string())
        .push(", email_key = ")
        .bind(profile.email.key())
        .push(" WHERE contact_id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await
        .map_err(unique_as("email"))?;
    let address = profile.email.to_string();
    Sql::new("UPDATE contact_methods SET verified = CASE WHEN address = ")
        .bind(address.clone())
        .push(" THEN verified ELSE FALSE END, address = ")
        .bind(address.clone())
        .push(", address_key = ")
        .bind(address.to_lowercase())
        .push(" WHERE contact_id = ")
        .bind(id.to_string())
        .push(" AND is_primary")
        .execute(&mut *db)
        .await?;
    contacts::get(db, account, &CompanyAccess::All, id).await
}

pub async fn set_password(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &ContactId,
    password_hash: &str,
) -> Result<()> {
    let changed = Sql::new("UPDATE users SET password_hash = ")
        .bind(password_hash.to_owned())
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND contact_id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
