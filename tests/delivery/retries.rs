//! Failures: backoff, the dead letter after the retry budget, and lease takeover.

use crate::common::ingest;
use crate::fixtures::{account, company, contact};
use crate::harness::{Receiver, configured, dispatcher, t0};
use crate::steps::{add, alert, clock, log};
use crate::{read, tx};
use chrono::Duration;
use reach::domain::CompanyAccess;
use reach::runtime::Clock;
use reach::store::SqlStore;

pub async fn failures_back_off_then_die_after_the_budget(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ops = contact(store, &acme, "Ops bot", CompanyAccess::All).await;
    let receiver = Receiver::start().await;
    add(
        store,
        &acme,
        &ops,
        "webhook",
        &receiver.url("down"),
        "info",
        0,
    )
    .await;
    receiver.answer(&[503; 10]);
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let worker = dispatcher(store, clock.clone(), None, dir.path(), true);
    ingest(store, &acme.id, &[alert(&nw, "k", "info", "firing")], t0())
        .await
        .unwrap();
    let mut waits = Vec::new();
    for attempt in 1..=10 {
        let tried_at = clock.now();
        assert_eq!(worker.run_once().await.unwrap(), 1, "attempt {attempt}");
        let n = log(store, &acme.id).await.remove(0);
        assert_eq!(n.attempts, attempt);
        if attempt < 10 {
            assert_eq!(n.state.as_str(), "failed", "attempt {attempt}");
            waits.push((n.next_attempt_at - tried_at).num_seconds());
            // Not due before its time.
            clock.set(n.next_attempt_at - Duration::milliseconds(1));
            assert_eq!(worker.run_once().await.unwrap(), 0);
            clock.set(n.next_attempt_at);
        } else {
            assert_eq!(n.state.as_str(), "dead");
            assert!(n.reason.as_deref().unwrap().contains("503"));
        }
    }
    // Exponential with equal jitter: 15–30 s, 30–60 s, ... capped at 30–60 min.
    for (i, wait) in waits.iter().enumerate() {
        let full = (30_i64 << i).min(3600);
        assert!(
            *wait >= full / 2 - 1 && *wait <= full,
            "wait {i}: {wait} s of {full}"
        );
    }
    let got = receiver.received();
    assert_eq!(got.len(), 10, "ten tries, then dead");
    let ids: std::collections::HashSet<_> = got
        .iter()
        .map(|r| r.headers["webhook-id"].clone())
        .collect();
    assert_eq!(ids.len(), 1, "every retry carries the same webhook-id");
    let n = log(store, &acme.id).await.remove(0);
    let attempts = read!(store, reach::store::outbox::attempts, &acme.id, &n.id)
        .await
        .unwrap();
    assert_eq!(attempts.len(), 10);
    assert!(attempts[..9].iter().all(|a| a.outcome.as_str() == "retry"));
    assert_eq!(attempts[9].outcome.as_str(), "failed");
    // Nothing more is ever claimed.
    clock.advance(Duration::days(2));
    assert_eq!(worker.run_once().await.unwrap(), 0);

    // 5xx then 2xx: sent on the second try; 4xx: dead at once.
    receiver.answer(&[500]);
    ingest(
        store,
        &acme.id,
        &[alert(&nw, "k2", "info", "firing")],
        clock.now(),
    )
    .await
    .unwrap();
    worker.run_once().await.unwrap();
    let n = log(store, &acme.id).await.pop().unwrap();
    assert_eq!(n.state.as_str(), "failed");
    clock.set(n.next_attempt_at);
    worker.run_once().await.unwrap();
    assert_eq!(
        log(store, &acme.id).await.pop().unwrap().state.as_str(),
        "sent"
    );
    receiver.answer(&[410]);
    ingest(
        store,
        &acme.id,
        &[alert(&nw, "k3", "info", "firing")],
        clock.now(),
    )
    .await
    .unwrap();
    worker.run_once().await.unwrap();
    assert_eq!(
        log(store, &acme.id).await.pop().unwrap().state.as_str(),
        "dead"
    );
}

/// An account whose one webhook (on a receiver) is to be told of one alert stored at t0.
async fn one_webhook_alert(store: &SqlStore) -> (reach::store::Account, Receiver) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ops = contact(store, &acme, "Ops bot", CompanyAccess::All).await;
    let receiver = Receiver::start().await;
    add(store, &acme, &ops, "webhook", &receiver.url("h"), "info", 0).await;
    ingest(store, &acme.id, &[alert(&nw, "k", "info", "firing")], t0())
        .await
        .unwrap();
    (acme, receiver)
}

pub async fn a_lost_claim_is_taken_over_after_its_lease(store: &SqlStore) {
    let (acme, receiver) = one_webhook_alert(store).await;
    // A node claims it and dies before sending.
    let lost = tx!(
        store,
        reach::store::outbox::claim,
        t0(),
        Duration::seconds(60),
        100
    )
    .await
    .unwrap();
    assert_eq!(lost.len(), 1);
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let worker = dispatcher(store, clock.clone(), None, dir.path(), true);
    clock.set(t0() + Duration::seconds(59));
    assert_eq!(worker.run_once().await.unwrap(), 0, "still leased");
    clock.set(t0() + Duration::seconds(60));
    assert_eq!(worker.run_once().await.unwrap(), 1, "taken over");
    assert_eq!(receiver.received().len(), 1);
    let n = log(store, &acme.id).await.remove(0);
    assert_eq!((n.state.as_str(), n.attempts), ("sent", 2));
    // The dead node's late report changes nothing.
    assert!(
        !tx!(store, reach::store::outbox::fail, &n.id, "late", None)
            .await
            .unwrap()
    );
    assert_eq!(log(store, &acme.id).await[0].state.as_str(), "sent");
}

/// A worker whose claim was taken over while it was sending reports late: its outcome and
/// attempt do not land (the group's count falls short, it is rolled back and written again
/// reading back which ends landed), and the other worker's outcome stands.
pub async fn a_late_outcome_of_a_taken_over_claim_changes_nothing(store: &SqlStore) {
    let (acme, receiver) = one_webhook_alert(store).await;
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher(store, clock(), None, dir.path(), true);
    let (arrived, release) = receiver.hold_next();
    let sending = tokio::spawn({
        let worker = worker.clone();
        async move { worker.run_once().await }
    });
    tokio::time::timeout(std::time::Duration::from_secs(10), arrived)
        .await
        .expect("the send arrives")
        .unwrap();
    // Meanwhile another worker took the claim over and finished it.
    let n = log(store, &acme.id).await.remove(0);
    assert_eq!(n.state.as_str(), "sending");
    let other = t0() + Duration::seconds(61);
    assert!(
        tx!(store, reach::store::outbox::complete, &n.id, other)
            .await
            .unwrap()
    );
    release.send(()).unwrap();
    sending.await.unwrap().unwrap();
    assert_eq!(receiver.received().len(), 1);
    let n = log(store, &acme.id).await.remove(0);
    assert_eq!(n.state.as_str(), "sent");
    assert_eq!(
        n.sent_at.map(|t| t.timestamp_millis()),
        Some(other.timestamp_millis()),
        "the other worker's outcome stands"
    );
    let attempts = read!(store, reach::store::outbox::attempts, &acme.id, &n.id)
        .await
        .unwrap();
    assert!(attempts.is_empty(), "{attempts:?}");
}

/// A claim whose send could outlast its lease (it waited too long for a place among many
/// claimed at once) goes back to the queue unsent, its attempt not counted: sent anyway, it
/// would be taken over and sent twice.
pub async fn a_claim_that_could_outlast_its_lease_goes_back_unsent(store: &SqlStore) {
    let (acme, receiver) = one_webhook_alert(store).await;
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    // A send may take 10 s; the lease is 5 s.
    let config = reach::delivery::DispatchConfig {
        lease: Duration::seconds(5),
        send_timeout: std::time::Duration::from_secs(10),
        ..Default::default()
    };
    let hurried = configured(store, clock.clone(), None, dir.path(), true, config);
    assert_eq!(hurried.run_once().await.unwrap(), 1, "claimed");
    assert!(receiver.received().is_empty(), "not sent");
    let n = log(store, &acme.id).await.remove(0);
    assert_eq!((n.state.as_str(), n.attempts), ("queued", 0));
    let tried = read!(store, reach::store::outbox::attempts, &acme.id, &n.id)
        .await
        .unwrap();
    assert!(tried.is_empty(), "no attempt was made");

    let worker = dispatcher(store, clock.clone(), None, dir.path(), true);
    assert_eq!(worker.run_once().await.unwrap(), 1, "claimed again at once");
    assert_eq!(receiver.received().len(), 1);
    let n = log(store, &acme.id).await.remove(0);
    assert_eq!((n.state.as_str(), n.attempts), ("sent", 1));
}
