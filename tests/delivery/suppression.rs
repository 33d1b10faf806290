//! What is not sent: notices of deleted contacts and resolved alerts, and quiet hours.

use crate::common::{add_method, ingest};
use crate::fixtures::{account, company, contact};
use crate::harness::{Receiver, dispatcher, t0};
use crate::steps::{add, alert, clock, log, person};
use crate::tx;
use chrono::Duration;
use reach::domain::{CompanyAccess, Locale, MethodInput, ParseContext, Region};
use reach::store::SqlStore;

pub async fn notices_of_deleted_contacts_and_resolved_alerts_are_suppressed(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let gone = contact(store, &acme, "Leaving", CompanyAccess::All).await;
    let ops = contact(store, &acme, "Ops bot", CompanyAccess::All).await;
    let receiver = Receiver::start().await;
    add(
        store,
        &acme,
        &gone,
        "webhook",
        &receiver.url("gone"),
        "info",
        0,
    )
    .await;
    add(
        store,
        &acme,
        &ops,
        "webhook",
        &receiver.url("late"),
        "info",
        10,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let worker = dispatcher(store, clock.clone(), None, dir.path(), true);
    ingest(
        store,
        &acme.id,
        &[alert(&nw, "k", "warning", "firing")],
        t0(),
    )
    .await
    .unwrap();
    tx!(store, reach::store::contacts::delete, &acme.id, &gone.id)
        .await
        .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    // Resolved before the delayed notice was due: nobody is told it fired, nor that it ended.
    ingest(
        store,
        &acme.id,
        &[alert(&nw, "k", "warning", "resolved")],
        t0() + Duration::minutes(2),
    )
    .await
    .unwrap();
    clock.set(t0() + Duration::minutes(10));
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert!(receiver.received().is_empty());
    let reasons: Vec<_> = log(store, &acme.id)
        .await
        .into_iter()
        .map(|n| (n.state.as_str().to_owned(), n.reason.unwrap_or_default()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("suppressed".to_owned(), "contact deleted".to_owned()),
            ("suppressed".to_owned(), "resolved".to_owned())
        ]
    );
}

pub async fn quiet_hours_hold_until_they_end_unless_resolved(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    // 10:00 UTC is 05:00 in New York, inside 22:00–07:00.
    let sleeper = person(store, &acme, "Night Owl", CompanyAccess::All, Locale::En).await;
    let receiver = Receiver::start().await;
    let new = MethodInput {
        kind: Some("webhook".into()),
        address: Some(receiver.url("quiet")),
        min_severity: Some(Some("info".into())),
        quiet_hours: Some(("22:00".into(), "07:00".into())),
        ..MethodInput::default()
    }
    .parse(&ParseContext {
        default_region: Region::parse("ES").unwrap(),
        allow_loopback: true,
    })
    .unwrap();
    add_method(store, &acme.id, &sleeper.id, &new)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let worker = dispatcher(store, clock.clone(), None, dir.path(), true);
    ingest(
        store,
        &acme.id,
        &[
            alert(&nw, "held", "warning", "firing"),
            alert(&nw, "gone", "warning", "firing"),
            alert(&nw, "loud", "critical", "firing"),
        ],
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(
        worker.run_once().await.unwrap(),
        1,
        "critical goes through quiet hours"
    );
    ingest(
        store,
        &acme.id,
        &[alert(&nw, "gone", "warning", "resolved")],
        t0() + Duration::hours(1),
    )
    .await
    .unwrap();
    clock.set(t0() + Duration::minutes(119));
    assert_eq!(
        worker.run_once().await.unwrap(),
        0,
        "held until 07:00 New York time"
    );
    clock.set(t0() + Duration::hours(2));
    assert_eq!(worker.run_once().await.unwrap(), 2);
    let keys: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["key"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(keys, ["loud", "held"]);
    let gone = log(store, &acme.id)
        .await
        .into_iter()
        .find(|n| n.held && n.state.as_str() == "suppressed")
        .expect("the resolved one was not sent");
    assert_eq!(gone.reason.as_deref(), Some("quiet hours"));
}
