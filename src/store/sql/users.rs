use super::{Sql, contacts, flag, methods, now_millis, parsed, unique_as};
use crate::domain::NewUser;
use crate::domain::{
    AccountId, CompanyAccess, CompanyId, ContactId, EmailAddress, Name, Role, TokenId,
};
use crate::store::{Contact, Login, Result, StoreError};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

pub(super) async fn create(pool: &AnyPool, account: &AccountId, new: &NewUser) -> Result<Contact> {
    let mut tx = pool.begin().await?;
    let id = contacts::insert(&mut tx, account, &new.contact).await?;
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
        .execute(&mut *tx)
        .await
        .map_err(unique_as("email"))?;
    methods::insert_primary(&mut tx, account, &id, &new.email).await?;
    tx.commit().await?;
    contacts::get(pool, account, &CompanyAccess::All, &id).await
}

const LOGIN: &str = "SELECT u.contact_id, u.account_id, u.role, u.disabled, u.password_hash, \
    c.all_companies FROM users u JOIN contacts c ON c.id = u.contact_id";

pub(super) async fn login_by_email(pool: &AnyPool, email: &EmailAddress) -> Result<Option<Login>> {
    let row = Sql::new(LOGIN)
        .push(" WHERE u.email_key = ")
        .bind(email.key())
        .fetch_optional(pool)
        .await?;
    login(pool, row).await
}

pub(super) async fn create_token(
    pool: &AnyPool,
    account: &AccountId,
    user: &ContactId,
    name: &Name,
    token_hash: &str,
) -> Result<TokenId> {
    let id = TokenId::generate();
    let inserted = Sql::new(
        "INSERT INTO api_tokens (id, account_id, user_id, name, token_hash, created_at) SELECT ",
    )
    .bind(id.to_string())
    .push(", account_id, contact_id, ")
    .bind(name.to_string())
    .push(", ")
    .bind(token_hash.to_owned())
    .push(", ")
    .bind(now_millis())
    .push(" FROM users WHERE account_id = ")
    .bind(account.to_string())
    .push(" AND contact_id = ")
    .bind(user.to_string())
    .execute(pool)
    .await
    .map_err(unique_as("token"))?;
    if inserted == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(id)
}

pub(super) async fn login_by_token(pool: &AnyPool, token_hash: &str) -> Result<Option<Login>> {
    let row = Sql::new(LOGIN)
        .push(" JOIN api_tokens t ON t.user_id = u.contact_id WHERE t.token_hash = ")
        .bind(token_hash.to_owned())
        .fetch_optional(pool)
        .await?;
    login(pool, row).await
}

async fn login(pool: &AnyPool, row: Option<AnyRow>) -> Result<Option<Login>> {
    let Some(row) = row else { return Ok(None) };
    let user_id: String = row.try_get("contact_id")?;
    let companies = if flag(&row, "all_companies")? {
        CompanyAccess::All
    } else {
        let rows = Sql::new("SELECT company_id FROM contact_companies WHERE contact_id = ")
            .bind(user_id.clone())
            .fetch_all(pool)
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
        role: parsed(&row, "role", Role::parse)?,
        disabled: flag(&row, "disabled")?,
        companies,
        password_hash: row.try_get("password_hash")?,
    }))
}
