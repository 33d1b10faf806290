use super::{Sql, now_millis, time};
use crate::domain::{AccountId, ContactId};
use crate::store::{AuditEntry, AuditQuery, NewAuditEntry, Page, Result};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

pub async fn record(
    db: &mut AnyConnection,
    account: &AccountId,
    entry: &NewAuditEntry,
) -> Result<()> {
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(ToString::to_string);
    Sql::new(
        "INSERT INTO audit_log (id, account_id, actor_id, actor_name, action, object_type, \
         object_id, before, after, at) VALUES (",
    )
    .bind(uuid::Uuid::now_v7().simple().to_string())
    .push(", ")
    .bind(account.to_string())
    .push(", ")
    .bind(entry.actor_id.to_string())
    .push(", ")
    .bind(entry.actor_name.clone())
    .push(", ")
    .bind(entry.action)
    .push(", ")
    .bind(entry.object_type)
    .push(", ")
    .bind(entry.object_id.clone())
    .push(", ")
    .bind(json(&entry.before))
    .push(", ")
    .bind(json(&entry.after))
    .push(", ")
    .bind(now_millis())
    .push(")")
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Records many entries in multi-row statements (an import's), in order.
pub async fn record_many(
    db: &mut AnyConnection,
    account: &AccountId,
    entries: &[NewAuditEntry],
) -> Result<()> {
    let json = |v: &Option<serde_json::Value>| v.as_ref().map(ToString::to_string);
    let now = now_millis();
    for chunk in entries.chunks(500) {
        let mut sql = Sql::new(
            "INSERT INTO audit_log (id, account_id, actor_id, actor_name, action, object_type, \
             object_id, before, after, at) VALUES ",
        );
        for (i, entry) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(uuid::Uuid::now_v7().simple().to_string())
                .push(", ")
                .bind(account.to_string())
                .push(", ")
                .bind(entry.actor_id.to_string())
                .push(", ")
                .bind(entry.actor_name.clone())
                .push(", ")
                .bind(entry.action)
                .push(", ")
                .bind(entry.object_type)
                .push(", ")
                .bind(entry.object_id.clone())
                .push(", ")
                .bind(json(&entry.before))
                .push(", ")
                .bind(json(&entry.after))
                .push(", ")
                .bind(now)
                .push(")");
        }
        sql.execute(&mut *db).await?;
    }
    Ok(())
}

/// Newest first. Ids are UUIDv7, so their order is the order of writing.
pub async fn list(
    db: &mut AnyConnection,
    account: &AccountId,
    query: &AuditQuery,
) -> Result<Page<AuditEntry>> {
    let mut sql = Sql::new(
        "SELECT id, actor_id, actor_name, action, object_type, object_id, before, after, at \
         FROM audit_log WHERE account_id = ",
    );
    sql.bind(account.to_string());
    if let Some(object) = &query.object_id {
        sql.push(" AND object_id = ").bind(object.clone());
    }
    if let Some(actor) = &query.actor_id {
        sql.push(" AND actor_id = ").bind(actor.to_string());
    }
    if let Some(since) = query.since {
        sql.push(" AND at >= ").bind(since.timestamp_millis());
    }
    if let Some(until) = query.until {
        sql.push(" AND at < ").bind(until.timestamp_millis());
    }
    super::push_newest_first(&mut sql, "id", &query.page);
    let rows = sql.fetch_all(&mut *db).await?;
    let items = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
    Ok(super::newest_first_page(items, &query.page, |e| {
        e.id.as_str()
    }))
}

fn from_row(row: &AnyRow) -> Result<AuditEntry> {
    let json = |column: &str| -> Result<Option<serde_json::Value>> {
        let text: Option<String> = row.try_get(column)?;
        text.map(|t| serde_json::from_str(&t).map_err(|_| super::corrupt(column)))
            .transpose()
    };
    Ok(AuditEntry {
        id: row.try_get("id")?,
        actor_id: ContactId::from_string(row.try_get::<String, _>("actor_id")?),
        actor_name: row.try_get("actor_name")?,
        action: row.try_get("action")?,
        object_type: row.try_get("object_type")?,
        object_id: row.try_get("object_id")?,
        before: json("before")?,
        after: json("after")?,
        at: time(row, "at")?,
    })
}
