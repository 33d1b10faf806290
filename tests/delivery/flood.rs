//! Flood control: a burst of criticals gives the limit of messages and one digest.

use crate::common::ingest;
use crate::fixtures::{account, company};
use crate::harness::{Provider, dispatcher_with_provider, t0};
use crate::phone_steps::{add, clock, critical, log, marta, verify};
use chrono::Duration;
use reach::runtime::Clock;
use reach::store::SqlStore;

pub async fn twelve_quick_criticals_give_ten_messages_and_one_digest(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let marta = marta(store, &acme, &nw).await;
    let sms = add(store, &acme, &marta, "sms", "+34612345678").await;
    let provider = Provider::start().await;
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let worker = dispatcher_with_provider(store, clock.clone(), dir.path(), Some(&provider));
    // The code (and a test) just before do not count against the limit.
    verify(store, &worker, &acme, &marta, &sms, "424242").await;
    crate::common::queue_test(store, &acme.id, &marta.id, &sms.id, t0())
        .await
        .unwrap();
    worker.run_once().await.unwrap();
    let alerts: Vec<_> = (0..12)
        .map(|i| critical(&nw, &format!("srv-{i:02}"), "critical"))
        .collect();
    ingest(store, &acme.id, &alerts, clock.now()).await.unwrap();
    // The worker takes them a little after they were stored.
    clock.advance(Duration::seconds(30));
    worker.run_once().await.unwrap();
    let texts: Vec<String> = provider
        .requests()
        .into_iter()
        .skip(2)
        .map(|r| r.form["Body"].clone())
        .collect();
    assert_eq!(texts.len(), 10, "ten messages: {:?}", provider.requests());
    let held: Vec<_> = log(store, &acme)
        .await
        .into_iter()
        .filter(|n| n.reason.as_deref() == Some("rate limited"))
        .collect();
    assert_eq!(held.len(), 2);
    // The digest goes when the window reopens: ten minutes after the first of the ten.
    let digest = log(store, &acme)
        .await
        .into_iter()
        .find(|n| n.event.as_str() == "digest")
        .expect("a digest is queued");
    assert_eq!(digest.state.as_str(), "queued");
    assert_eq!(digest.next_attempt_at, clock.now() + Duration::minutes(10));
    clock.advance(Duration::minutes(10) - Duration::seconds(1));
    assert_eq!(worker.run_once().await.unwrap(), 0);
    clock.advance(Duration::seconds(1));
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let requests = provider.requests();
    assert_eq!(
        requests.len(),
        13,
        "the code, the test, ten alerts and the digest"
    );
    let digest_text = &requests[12].form["Body"];
    assert!(
        digest_text.contains("2 alertas más de Northwind (2 críticas)"),
        "{digest_text}"
    );
}
