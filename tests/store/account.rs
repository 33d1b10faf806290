//! Account settings and the audit log.

use crate::fixtures::account;
use crate::{read, tx};
use reach::domain::Name;
use reach::store::{SqlStore, StoreError};

pub async fn account_settings_are_updated(store: &SqlStore) {
    use reach::domain::{AccountSettings, FloodLimits, Locale, Region, RepeatInterval, TimeZone};
    let acme = account(store, "Acme").await;
    assert_eq!(acme.flood_limits, FloodLimits::default(), "SPEC's defaults");
    account(store, "Taken").await;
    let mut settings = AccountSettings {
        name: Name::parse("Acme Support").expect("name"),
        default_region: Region::parse("MX").expect("region"),
        locale: Locale::En,
        timezone: TimeZone::parse("America/Mexico_City").expect("zone"),
        require_verified_phones: false,
        repeat_interval: RepeatInterval::parse(30).expect("interval"),
        flood_limits: FloodLimits {
            email: None,
            sms: Some(3),
            phone: Some(1000),
            webhook: Some(50),
        },
    };
    let updated = tx!(store, reach::store::accounts::update, &acme.id, &settings)
        .await
        .expect("update");
    assert_eq!(updated.name, "Acme Support");
    assert_eq!(updated.default_region.as_str(), "MX");
    assert!(!updated.require_verified_phones);
    assert_eq!(updated.repeat_interval_minutes, 30);
    assert_eq!(updated.flood_limits, settings.flood_limits);
    assert_eq!(
        read!(store, reach::store::accounts::get, &acme.id)
            .await
            .expect("read"),
        updated
    );
    settings.name = Name::parse("taken").expect("name");
    let clash = tx!(store, reach::store::accounts::update, &acme.id, &settings).await;
    assert!(matches!(clash, Err(StoreError::Conflict(_))));
}

pub async fn the_audit_log_is_newest_first_filtered_and_paginated(store: &SqlStore) {
    use reach::store::{AuditQuery, Cursor, NewAuditEntry, PageRequest};
    let acme = account(store, "Acme").await;
    let other = account(store, "Other").await;
    let ana = reach::domain::ContactId::from_string("ana");
    let bob = reach::domain::ContactId::from_string("bob");
    for (i, actor) in [&ana, &bob, &ana, &ana, &bob].into_iter().enumerate() {
        let entry = NewAuditEntry {
            actor_id: actor.clone(),
            actor_name: actor.to_string(),
            action: "update",
            object_type: "contact",
            object_id: format!("c{}", i % 2),
            before: Some(serde_json::json!({"name": format!("v{i}")})),
            after: Some(serde_json::json!({"name": format!("v{}", i + 1), "emoji": "🚀"})),
        };
        tx!(store, reach::store::audit::record, &acme.id, &entry)
            .await
            .expect("record");
    }
    let all = read!(
        store,
        reach::store::audit::list,
        &acme.id,
        &AuditQuery::default()
    )
    .await
    .expect("list");
    let versions: Vec<_> = all
        .items
        .iter()
        .map(|e| e.after.as_ref().map(|a| a["name"].clone()))
        .collect();
    assert_eq!(versions.len(), 5);
    assert_eq!(versions[0], Some(serde_json::json!("v5")), "newest first");
    assert_eq!(
        all.items[0].after.as_ref().map(|a| a["emoji"].clone()),
        Some(serde_json::json!("🚀"))
    );
    let by_actor = AuditQuery {
        actor_id: Some(bob.clone()),
        ..Default::default()
    };
    assert_eq!(
        read!(store, reach::store::audit::list, &acme.id, &by_actor)
            .await
            .expect("bob")
            .items
            .len(),
        2
    );
    let by_object = AuditQuery {
        object_id: Some("c0".into()),
        ..Default::default()
    };
    assert_eq!(
        read!(store, reach::store::audit::list, &acme.id, &by_object)
            .await
            .expect("c0")
            .items
            .len(),
        3
    );
    let future = AuditQuery {
        since: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
        ..Default::default()
    };
    assert!(
        read!(store, reach::store::audit::list, &acme.id, &future)
            .await
            .expect("future")
            .items
            .is_empty()
    );
    let first = AuditQuery {
        page: PageRequest::new(Some(2), None).expect("page"),
        ..Default::default()
    };
    let page1 = read!(store, reach::store::audit::list, &acme.id, &first)
        .await
        .expect("page 1");
    let cursor = Cursor::parse(page1.next_cursor.as_deref().expect("more")).expect("cursor");
    let second = AuditQuery {
        page: PageRequest::new(Some(10), Some(cursor)).expect("page"),
        ..Default::default()
    };
    let page2 = read!(store, reach::store::audit::list, &acme.id, &second)
        .await
        .expect("page 2");
    let ids: Vec<_> = page1
        .items
        .iter()
        .chain(&page2.items)
        .map(|e| e.id.clone())
        .collect();
    assert_eq!(
        ids,
        all.items.iter().map(|e| e.id.clone()).collect::<Vec<_>>()
    );
    assert!(
        read!(
            store,
            reach::store::audit::list,
            &other.id,
            &AuditQuery::default()
        )
        .await
        .expect("other")
        .items
        .is_empty()
    );
}

/// Deleting an account deletes its alerts and notifications (on PostgreSQL by a trigger, not
/// by their own keys; its 0025), alert messages and others alike; another account's stay.
pub async fn deleting_an_account_deletes_its_alerts_and_notifications(store: &SqlStore) {
    use crate::common::{add_method, ingest};
    use crate::fixtures::{company, contact, method};
    use reach::domain::CompanyAccess;
    use sqlx::Row;
    let now = chrono::Utc::now();
    let mut kept = Vec::new();
    for name in ["Acme", "Initech"] {
        let acct = account(store, name).await;
        let firm = company(store, &acct, "Northwind").await;
        let ana = contact(store, &acct, "Ana", CompanyAccess::All).await;
        let email = add_method(
            store,
            &acct.id,
            &ana.id,
            &method("email", "ana@example.com"),
        )
        .await
        .expect("email");
        let alert = crate::alerts::alert(firm.id.as_str(), "down:srv-1", "critical", "firing");
        ingest(store, &acct.id, &[alert], now)
            .await
            .expect("ingest");
        let mut tx = store.write().await.expect("tx");
        sqlx::query(
            "INSERT INTO notifications (id, account_id, contact_id, method_id, type, address, \
             event, state, escalation, held, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, 'email', 'ana@example.com', 'test', 'sent', FALSE, FALSE, \
             1, 0, 0)",
        )
        .bind(format!("test-{name}"))
        .bind(acct.id.to_string())
        .bind(ana.id.to_string())
        .bind(email.id.to_string())
        .execute(&mut *tx)
        .await
        .expect("a test message");
        tx.commit().await.expect("commit");
        kept.push(acct.id.to_string());
    }
    let count = |table: &'static str, id: String| async move {
        let mut db = store.read().await.expect("read");
        let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE account_id = $1");
        sqlx::query(&sql)
            .bind(id)
            .fetch_one(&mut *db)
            .await
            .expect("count")
            .get::<i64, _>("n")
    };
    assert_eq!(count("notifications", kept[0].clone()).await, 2);
    let mut tx = store.write().await.expect("tx");
    sqlx::query("DELETE FROM accounts WHERE id = $1")
        .bind(&kept[0])
        .execute(&mut *tx)
        .await
        .expect("delete the account");
    tx.commit().await.expect("commit");
    assert_eq!(count("alerts", kept[0].clone()).await, 0);
    assert_eq!(count("notifications", kept[0].clone()).await, 0);
    assert_eq!(count("alerts", kept[1].clone()).await, 1);
    assert_eq!(count("notifications", kept[1].clone()).await, 2);
}
