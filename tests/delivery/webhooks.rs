//! Webhooks to a local receiver: Standard Webhooks signatures and the SSRF guard.

use crate::common::ingest;
use crate::fixtures::{account, company, contact, only};
use crate::harness::{Receiver, dispatcher, t0, verify_standard_webhook};
use crate::steps::{add, alert, clock, log};
use reach::domain::CompanyAccess;
use reach::store::SqlStore;

pub async fn webhooks_are_signed_per_standard_webhooks(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ops = contact(store, &acme, "Ops bot", only(&[&nw])).await;
    let receiver = Receiver::start().await;
    let hook = add(
        store,
        &acme,
        &ops,
        "webhook",
        &receiver.url("hook"),
        "info",
        0,
    )
    .await;
    let secret = hook.secret.clone().expect("a webhook has a secret");
    assert!(secret.expose().starts_with("whsec_"));
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher(store, clock(), None, dir.path(), true);
    let stored = ingest(
        store,
        &acme.id,
        &[alert(&nw, "srv-12", "warning", "firing")],
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let got = receiver.received();
    assert_eq!(got.len(), 1);
    let body = verify_standard_webhook(secret.expose(), &got[0]).unwrap();
    let notification = &log(store, &acme.id).await[0];
    assert_eq!(got[0].headers["webhook-id"], notification.id.as_str());
    assert_eq!(
        got[0].headers["webhook-timestamp"],
        t0().timestamp().to_string().as_str()
    );
    assert_eq!(got[0].headers["content-type"], "application/json");
    assert_eq!(body["type"], "alert.opened");
    assert_eq!(body["id"], stored[0].id.as_str());
    assert_eq!(body["company"]["name"], "Northwind");
    assert_eq!(body["company_id"], nw.id.as_str());
    assert_eq!(body["key"], "srv-12");
    assert_eq!(body["severity"], "warning");
    assert_eq!(body["status"], "firing");
    assert_eq!(body["labels"]["host"], "srv-12");
    assert!(
        body["links"]["acknowledge"]
            .as_str()
            .unwrap()
            .starts_with("http://reach.test/ack/")
    );
    // A wrong secret does not verify.
    let other = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    assert!(verify_standard_webhook(other, &got[0]).is_err());
    assert_eq!(notification.state.as_str(), "sent");
}

pub async fn the_ssrf_guard_refuses_at_connect_time_and_sends_nothing(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ops = contact(store, &acme, "Ops bot", CompanyAccess::All).await;
    let receiver = Receiver::start().await;
    // Saved while loopback was allowed; sent by a deployment that does not allow it.
    add(
        store,
        &acme,
        &ops,
        "webhook",
        &receiver.url("by-name"),
        "info",
        0,
    )
    .await;
    let literal = format!("http://127.0.0.1:{}/literal", receiver.addr.port());
    add(store, &acme, &ops, "webhook", &literal, "info", 0).await;
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher(store, clock(), None, dir.path(), false);
    ingest(store, &acme.id, &[alert(&nw, "k", "info", "firing")], t0())
        .await
        .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 2);
    assert!(receiver.received().is_empty(), "no request ever left");
    for n in log(store, &acme.id).await {
        assert_eq!(n.state.as_str(), "dead", "{n:?}");
        let reason = n.reason.unwrap();
        assert!(reason.contains("refused to connect"), "{reason}");
        assert!(
            reason.contains("loopback addresses are not allowed"),
            "{reason}"
        );
    }
}
