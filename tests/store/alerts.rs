use crate::common::{add_method, ingest};
use crate::fixtures::{account, company, contact, method, only};
use crate::{read, tx};
use chrono::{Duration, Utc};
use reach::domain::{AlertInput, CompanyAccess, NewAlert, Severity};
use reach::store::{SqlStore, StoreError};

pub(crate) fn alert(company: &str, key: &str, severity: &str, status: &str) -> NewAlert {
    AlertInput {
        company_id: Some(company.into()),
        key: Some(key.into()),
        severity: Some(severity.into()),
        title: Some(format!("{key} is {severity}")),
        status: Some(status.into()),
        ..AlertInput::default()
    }
    .parse("")
    .expect("valid alert")
}

/// (address, state, reason) of an alert's notifications, sorted.
async fn outbox(
    store: &SqlStore,
    account: &reach::domain::AccountId,
    alert_id: &reach::domain::AlertId,
) -> Vec<(String, String, Option<String>)> {
    let mut rows: Vec<_> = read!(
        store,
        reach::store::alerts::notifications_of_alert,
        account,
        alert_id
    )
    .await
    .expect("notifications")
    .into_iter()
    .map(|n| (n.address, n.state.as_str().to_owned(), n.reason))
    .collect();
    rows.sort();
    rows
}

pub async fn an_alert_and_its_notifications_are_stored_together(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let northwind = company(store, &acme, "Northwind").await;
    let contoso = company(store, &acme, "Contoso").await;
    let ana = contact(store, &acme, "Ana (all)", CompanyAccess::All).await;
    add_method(
        store,
        &acme.id,
        &ana.id,
        &method("email", "ana@example.com"),
    )
    .await
    .expect("email");
    add_method(store, &acme.id, &ana.id, &method("sms", "612 34 56 78"))
        .await
        .expect("sms");
    let nora = contact(store, &acme, "Nora (Northwind)", only(&[&northwind])).await;
    let mut hook = method("webhook", "https://hooks.example.com/nora");
    hook.prefs.min_severity = Some(Severity::Info);
    hook.prefs.delay = reach::domain::DelayMinutes::parse(15).expect("delay");
    add_method(store, &acme.id, &nora.id, &hook)
        .await
        .expect("hook");
    let carl = contact(store, &acme, "Carl (Contoso)", only(&[&contoso])).await;
    add_method(
        store,
        &acme.id,
        &carl.id,
        &method("email", "carl@example.com"),
    )
    .await
    .expect("carl");

    let now = Utc::now();
    let nw = northwind.id.as_str();
    let stored = ingest(
        store,
        &acme.id,
        &[
            alert(nw, "disk-full:srv-1", "warning", "firing"),
            alert(nw, "down:srv-2", "critical", "firing"),
        ],
        now,
    )
    .await
    .expect("ingest");
    assert_eq!(stored.len(), 2);
    let warning = outbox(store, &acme.id, &stored[0].id).await;
    assert_eq!(
        warning,
        [
            ("ana@example.com".into(), "queued".into(), None),
            (
                "https://hooks.example.com/nora".into(),
                "queued".into(),
                None
            ),
        ],
        "sms waits for critical; Contoso's Carl hears nothing"
    );
    let critical = outbox(store, &acme.id, &stored[1].id).await;
    assert!(
        critical.contains(&(
            "+34612345678".into(),
            "suppressed".into(),
            Some("unverified".into())
        )),
        "{critical:?}"
    );
    let escalation = read!(
        store,
        reach::store::alerts::notifications_of_alert,
        &acme.id,
        &stored[0].id
    )
    .await
    .expect("rows")
    .into_iter()
    .find(|n| n.address.starts_with("https://"))
    .expect("webhook row");
    assert!(escalation.escalation);
    assert_eq!(
        escalation.next_attempt_at.timestamp_millis(),
        (now + Duration::minutes(15)).timestamp_millis()
    );
    assert_eq!(escalation.event.as_str(), "opened");
}

pub async fn repeats_wait_for_the_repeat_interval_and_resolution_closes(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let northwind = company(store, &acme, "Northwind").await;
    let ana = contact(store, &acme, "Ana", CompanyAccess::All).await;
    add_method(
        store,
        &acme.id,
        &ana.id,
        &method("email", "ana@example.com"),
    )
    .await
    .expect("email");
    let nw = northwind.id.as_str();
    let now = Utc::now();
    let first = ingest(store, &acme.id, &[alert(nw, "k", "warning", "firing")], now)
        .await
        .expect("first");
    let again = ingest(
        store,
        &acme.id,
        &[alert(nw, "k", "warning", "firing")],
        now + Duration::minutes(5),
    )
    .await
    .expect("repeat");
    assert_eq!(
        again[0].id, first[0].id,
        "the same key while firing is the same alert"
    );
    assert_eq!(
        outbox(store, &acme.id, &first[0].id).await.len(),
        1,
        "a repeat sends nothing"
    );
    ingest(
        store,
        &acme.id,
        &[alert(nw, "k", "warning", "firing")],
        now + Duration::hours(4),
    )
    .await
    .expect("after the interval");
    let rows = read!(
        store,
        reach::store::alerts::notifications_of_alert,
        &acme.id,
        &first[0].id
    )
    .await
    .expect("rows");
    assert_eq!(
        rows.iter().map(|n| n.event.as_str()).collect::<Vec<_>>(),
        ["opened", "renotified"]
    );

    let resolved = ingest(
        store,
        &acme.id,
        &[alert(nw, "k", "warning", "resolved")],
        now + Duration::hours(5),
    )
    .await
    .expect("resolve");
    assert_eq!(resolved[0].id, first[0].id);
    assert_eq!(resolved[0].status, reach::domain::AlertStatus::Resolved);
    assert!(resolved[0].resolved_at.is_some());
    let reopened = ingest(
        store,
        &acme.id,
        &[alert(nw, "k", "warning", "firing")],
        now + Duration::hours(6),
    )
    .await
    .expect("reopen");
    assert_ne!(
        reopened[0].id, first[0].id,
        "after resolution the key opens a new alert"
    );
}

pub async fn maintenance_suppresses_and_foreign_companies_refuse_the_batch(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let other = account(store, "Other").await;
    let northwind = company(store, &acme, "Northwind").await;
    let theirs = company(store, &other, "Theirs").await;
    let ana = contact(store, &acme, "Ana", CompanyAccess::All).await;
    add_method(
        store,
        &acme.id,
        &ana.id,
        &method("email", "ana@example.com"),
    )
    .await
    .expect("email");
    let now = Utc::now();
    let nw = northwind.id.as_str();

    let refused = ingest(
        store,
        &acme.id,
        &[
            alert(nw, "batch", "warning", "firing"),
            alert(theirs.id.as_str(), "x", "warning", "firing"),
        ],
        now,
    )
    .await;
    match refused {
        Err(StoreError::Invalid(fields)) => assert_eq!(fields[0].field, "[1].company_id"),
        other => panic!("expected a field error, got {other:?}"),
    }
    let alone = ingest(
        store,
        &acme.id,
        &[alert(nw, "batch", "warning", "firing")],
        now,
    )
    .await
    .expect("alone");
    assert_eq!(
        outbox(store, &acme.id, &alone[0].id).await.len(),
        1,
        "the refused batch stored nothing"
    );

    tx!(
        store,
        reach::store::alerts::add_maintenance,
        &acme.id,
        &northwind.id,
        now - Duration::minutes(1),
        now + Duration::hours(1),
        Some("patching")
    )
    .await
    .expect("maintenance");
    let quiet = ingest(
        store,
        &acme.id,
        &[alert(nw, "during", "critical", "firing")],
        now,
    )
    .await
    .expect("during");
    assert_eq!(
        outbox(store, &acme.id, &quiet[0].id).await,
        [(
            "ana@example.com".into(),
            "suppressed".into(),
            Some("maintenance".into())
        )]
    );
    let foreign = tx!(
        store,
        reach::store::alerts::add_maintenance,
        &other.id,
        &northwind.id,
        now,
        now + Duration::hours(1),
        None
    )
    .await;
    assert!(matches!(foreign, Err(StoreError::NotFound)));
}
