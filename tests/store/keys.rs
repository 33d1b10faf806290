//! What the keys between companies, alerts, notifications and attempts promise, on both
//! engines: deleting a company deletes everything stored under it, and a batch of alerts
//! cannot store anything under a company deleted meanwhile. (PostgreSQL keeps the first with
//! triggers and the second with one lock per company of a batch: its 0027.)

use crate::common::{add_method, ingest};
use crate::fixtures::{account, company, contact, method};
use crate::tx;
use reach::domain::{CompanyAccess, Invalid};
use reach::store::{Backend, SqlStore, StoreError};
use sqlx::Row;

/// Rows of `table` whose `column` is `value`.
async fn count(store: &SqlStore, table: &str, column: &str, value: &str) -> i64 {
    let mut db = store.read().await.expect("read");
    sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM {table} WHERE {column} = $1"
    ))
    .bind(value.to_owned())
    .fetch_one(&mut *db)
    .await
    .expect("count")
    .get::<i64, _>("n")
}

pub async fn deleting_a_company_deletes_its_alerts_notifications_and_attempts(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let northwind = company(store, &acme, "Northwind").await;
    let contoso = company(store, &acme, "Contoso").await;
    let ana = contact(store, &acme, "Ana", CompanyAccess::All).await;
    add_method(
        store,
        &acme.id,
        &ana.id,
        &method("email", "ana@example.com"),
    )
    .await
    .expect("email");
    let now = chrono::Utc::now();
    let batch = [
        crate::alerts::alert(northwind.id.as_str(), "down:srv-1", "critical", "firing"),
        crate::alerts::alert(contoso.id.as_str(), "down:srv-1", "critical", "firing"),
    ];
    let stored = ingest(store, &acme.id, &batch, now).await.expect("ingest");
    let (gone, kept) = (stored[0].id.to_string(), stored[1].id.to_string());
    // An attempt in each one's delivery log.
    let mut tx = store.write().await.expect("tx");
    for alert in [&gone, &kept] {
        sqlx::query(
            "INSERT INTO delivery_attempts (id, notification_id, attempt, started_at, \
             finished_at, outcome, detail) SELECT id || '-1', id, 1, 0, 0, 'retry', NULL \
             FROM notifications WHERE alert_id = $1",
        )
        .bind(alert.clone())
        .execute(&mut *tx)
        .await
        .expect("an attempt");
    }
    tx.commit().await.expect("commit");
    let notification = |alert: &str| {
        let alert = alert.to_owned();
        async move {
            let mut db = store.read().await.expect("read");
            sqlx::query("SELECT id FROM notifications WHERE alert_id = $1")
                .bind(alert)
                .fetch_one(&mut *db)
                .await
                .expect("its notification")
                .get::<String, _>("id")
        }
    };
    let (gone_n, kept_n) = (notification(&gone).await, notification(&kept).await);

    tx!(
        store,
        reach::store::companies::delete,
        &acme.id,
        &northwind.id
    )
    .await
    .expect("delete");
    assert_eq!(count(store, "alerts", "id", &gone).await, 0);
    assert_eq!(count(store, "notifications", "alert_id", &gone).await, 0);
    assert_eq!(
        count(store, "delivery_attempts", "notification_id", &gone_n).await,
        0
    );
    // The other company's are untouched.
    assert_eq!(count(store, "alerts", "id", &kept).await, 1);
    assert_eq!(count(store, "notifications", "alert_id", &kept).await, 1);
    assert_eq!(
        count(store, "delivery_attempts", "notification_id", &kept_n).await,
        1
    );
}

pub async fn a_batch_being_stored_and_a_company_deletion_wait_for_each_other(store: &SqlStore) {
    // SQLite's one writer stores a batch or deletes a company, one after the other.
    if store.backend() != Backend::Postgres {
        return;
    }
    let acme = account(store, "Acme").await;
    let northwind = company(store, &acme, "Northwind").await;
    let nw = northwind.id.to_string();
    let alerts = [crate::alerts::alert(
        &nw,
        "down:srv-1",
        "critical",
        "firing",
    )];

    // A batch under way holds its company: the deletion cannot go through meanwhile.
    let mut batch = store.write().await.expect("batch");
    reach::store::ingest::checked_firing(&mut batch, &acme.id, &alerts)
        .await
        .expect("checked");
    let mut deleting = store.write().await.expect("deletion");
    sqlx::query("SET LOCAL lock_timeout = '200ms'")
        .execute(&mut *deleting)
        .await
        .expect("lock timeout");
    let blocked = sqlx::query("DELETE FROM companies WHERE id = $1")
        .bind(nw.clone())
        .execute(&mut *deleting)
        .await;
    assert!(blocked.is_err(), "the deletion waits for the batch");
    drop(deleting);
    drop(batch);

    // A deletion under way: the batch waits for it, then finds the company gone.
    let mut deleting = store.write().await.expect("deletion");
    reach::store::companies::delete(&mut deleting, &acme.id, &northwind.id)
        .await
        .expect("delete");
    let storing = {
        let (store, account) = (store.clone(), acme.id.clone());
        tokio::spawn(async move {
            let mut batch = store.write().await.expect("batch");
            reach::store::ingest::checked_firing(&mut batch, &account, &alerts)
                .await
                .map(drop)
        })
    };
    deleting.commit().await.expect("commit");
    match storing.await.expect("the batch ran") {
        Err(StoreError::Invalid(errors)) => {
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].field, "[0].company_id");
            assert_eq!(errors[0].error, Invalid::UnknownCompany);
        }
        other => panic!("the batch found its company gone, not {other:?}"),
    }
    assert_eq!(count(store, "alerts", "company_id", &nw).await, 0);
}
