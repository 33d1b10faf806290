use super::{Sql, now_millis, page, push_page, time, unique_as};
use crate::domain::{AccountId, CompanyAccess, CompanyId, CompanyScope, Name};
use crate::store::{Company, Page, PageRequest, Result, StoreError};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

const COLUMNS: &str = "SELECT id, name, name_key, created_at, escalation_policy_id FROM companies";

pub async fn create(db: &mut AnyConnection, account: &AccountId, name: &Name) -> Result<Company> {
    let id = CompanyId::generate();
    Sql::new("INSERT INTO companies (id, account_id, name, name_key, created_at) VALUES (")
        .bind(id.to_string())
        .push(", ")
        .bind(account.to_string())
        .push(", ")
        .bind(name.to_string())
        .push(", ")
        .bind(name.sort_key())
        .push(", ")
        .bind(now_millis())
        .push(")")
        .execute(&mut *db)
        .await
        .map_err(unique_as("name"))?;
    get(db, account, &CompanyAccess::All, &id).await
}

/// `WHERE account_id = .. AND <in scope>`
fn select(account: &AccountId, scope: &CompanyScope) -> Sql {
    let mut sql = Sql::new(COLUMNS);
    sql.push(" WHERE account_id = ").bind(account.to_string());
    if let CompanyAccess::Only(set) = scope {
        if set.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            sql.push(" AND id IN ")
                .bind_list(set.iter().map(CompanyId::as_str));
        }
    }
    sql
}

pub async fn get(
    db: &mut AnyConnection,
    account: &AccountId,
    scope: &CompanyScope,
    id: &CompanyId,
) -> Result<Company> {
    let mut sql = select(account, scope);
    sql.push(" AND id = ").bind(id.to_string());
    let row = sql.fetch_optional(&mut *db).await?;
    from_row(&row.ok_or(StoreError::NotFound)?).map(|(c, _)| c)
}

pub async fn list(
    db: &mut AnyConnection,
    account: &AccountId,
    scope: &CompanyScope,
    request: &PageRequest,
) -> Result<Page<Company>> {
    let mut sql = select(account, scope);
    push_page(&mut sql, "name_key", "id", request);
    let rows = sql.fetch_all(&mut *db).await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    let mut result = page(items, request, |(c, key)| (key.clone(), c.id.to_string()));
    Ok(Page {
        items: result.items.drain(..).map(|(c, _)| c).collect(),
        next_cursor: result.next_cursor,
    })
}

/// Every company in scope, by name (for work over all of them: reports, the top bar).
pub async fn all(
    db: &mut AnyConnection,
    account: &AccountId,
    scope: &CompanyScope,
) -> Result<Vec<Company>> {
    let mut sql = select(account, scope);
    sql.push(" ORDER BY name_key, id");
    let rows = sql.fetch_all(&mut *db).await?;
    rows.iter().map(|r| from_row(r).map(|(c, _)| c)).collect()
}

pub async fn rename(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &CompanyId,
    name: &Name,
) -> Result<Company> {
    let changed = Sql::new("UPDATE companies SET name = ")
        .bind(name.to_string())
        .push(", name_key = ")
        .bind(name.sort_key())
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await
        .map_err(unique_as("name"))?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    get(db, account, &CompanyAccess::All, id).await
}

pub async fn delete(db: &mut AnyConnection, account: &AccountId, id: &CompanyId) -> Result<()> {
    // Access sets lose the company through ON DELETE CASCADE on contact_companies.
    super::delete_owned(db, "companies", account, id.as_str()).await
}

fn from_row(row: &AnyRow) -> Result<(Company, String)> {
    Ok((
        Company {
            id: CompanyId::from_string(row.try_get::<String, _>("id")?),
            name: row.try_get("name")?,
            created_at: time(row, "created_at")?,
            escalation_policy_id: row
                .try_get::<Option<String>, _>("escalation_policy_id")?
                .map(crate::domain::PolicyId::from_string),
        },
        row.try_get("name_key")?,
    ))
}

/// How many of `ids` (each once) are companies of `account`: one row back, however many ids.
pub async fn count_owned(
    db: &mut AnyConnection,
    account: &AccountId,
    ids: &[&str],
) -> Result<usize> {
    let n = counting_owned(account, ids)
        .fetch_optional(&mut *db)
        .await?
        .map(|r| r.try_get::<i64, _>("n"))
        .transpose()?
        .unwrap_or(0);
    Ok(usize::try_from(n).unwrap_or(0))
}

/// The statement of [`count_owned`]: one row, `n`.
pub(crate) fn counting_owned(account: &AccountId, ids: &[&str]) -> Sql {
    let mut sql = Sql::new("SELECT COUNT(*) AS n FROM companies WHERE account_id = ");
    sql.bind(account.to_string())
        .push(" AND id IN ")
        .bind_list(ids.iter().copied());
    sql
}
