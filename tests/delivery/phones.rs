//! SMS and phone calls through the provider stand-in: its API, its errors, and no provider.

use crate::common::ingest;
use crate::fixtures::{account, company};
use crate::harness::{Provider, dispatcher_with_provider, t0};
use crate::phone_steps::{add, clock, critical, log, marta, verify};
use crate::read;
use reach::store::SqlStore;

pub async fn sms_and_calls_follow_the_providers_api(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let marta = marta(store, &acme, &nw).await;
    let sms = add(store, &acme, &marta, "sms", "612 34 56 78").await;
    let phone = add(store, &acme, &marta, "phone", "+34 912 345 678").await;
    let provider = Provider::start().await;
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher_with_provider(store, clock(), dir.path(), Some(&provider));

    verify(store, &worker, &acme, &marta, &sms, "482913").await;
    verify(store, &worker, &acme, &marta, &phone, "105577").await;
    let requests = provider.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].resource, "Messages.json");
    assert_eq!(requests[0].form["To"], "+34612345678");
    assert!(
        requests[0].form["Body"].contains("482913"),
        "{:?}",
        requests[0].form
    );
    assert!(requests[0].form["Body"].contains("Tu código de verificación de Reach es 482913"));
    assert_eq!(requests[1].resource, "Calls.json");
    assert!(
        requests[1].form["Twiml"].contains("<say-as interpret-as=\"digits\">105577</say-as>"),
        "{}",
        requests[1].form["Twiml"]
    );
    // The outbox forgot the codes once sent.
    for n in log(store, &acme).await {
        let contexts = read!(
            store,
            reach::store::outbox::contexts,
            std::slice::from_ref(&n)
        )
        .await
        .unwrap();
        assert_eq!(contexts[&n.id].payload, None);
    }

    // A warning reaches neither (both default to critical); a critical reaches both.
    ingest(
        store,
        &acme.id,
        &[
            critical(&nw, "web-1", "warning"),
            critical(&nw, "db-1", "critical"),
        ],
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 2);
    let requests = provider.requests();
    assert_eq!(requests.len(), 4);
    let of = |resource: &str| {
        requests[2..]
            .iter()
            .find(|r| r.resource == resource)
            .expect(resource)
            .form
            .clone()
    };
    let text = &of("Messages.json")["Body"];
    assert_eq!(text, "[CRÍTICA] Northwind: db-1 is down");
    let twiml = &of("Calls.json")["Twiml"];
    assert!(twiml.starts_with("<?xml"), "{twiml}");
    assert_eq!(
        twiml.matches("<Say language=\"es-ES\">").count(),
        2,
        "said twice: {twiml}"
    );
    assert!(twiml.contains("<Pause length=\"1\"/>"));
    assert!(
        twiml.contains("Alerta crítica de Northwind: db-1 is down."),
        "{twiml}"
    );
    let sent: Vec<_> = log(store, &acme)
        .await
        .into_iter()
        .filter(|n| n.alert_id.is_some())
        .collect();
    assert!(sent.iter().all(|n| n.state.as_str() == "sent"), "{sent:?}");
    let attempt = &read!(store, reach::store::outbox::attempts, &acme.id, &sent[0].id)
        .await
        .unwrap()[0];
    assert!(
        attempt.detail.as_deref().unwrap().contains("status queued"),
        "{attempt:?}"
    );
}

pub async fn provider_errors_are_retried_or_refused_with_the_reason(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let marta = marta(store, &acme, &nw).await;
    let numbers = [
        "+34600000001",
        "+34600000002",
        "+34600000003",
        "+34600000004",
    ];
    let mut methods = Vec::new();
    for number in numbers {
        methods.push(add(store, &acme, &marta, "sms", number).await);
    }
    let provider = Provider::start().await;
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher_with_provider(store, clock(), dir.path(), Some(&provider));
    // Test messages go to unverified methods too, one at a time here.
    let answers = [
        (
            429,
            serde_json::json!({"code": 20429, "message": "Too Many Requests"}),
        ),
        (503, serde_json::json!({"message": "Service Unavailable"})),
        (
            400,
            serde_json::json!({"code": 21211, "message": "The 'To' number is not a valid phone number."}),
        ),
        (
            401,
            serde_json::json!({"code": 20003, "message": "Authenticate"}),
        ),
    ];
    let mut outcomes = Vec::new();
    for (method, answer) in methods.iter().zip(answers) {
        provider.answer(&[answer]);
        crate::common::queue_test(store, &acme.id, &marta.id, &method.id, t0())
            .await
            .unwrap();
        worker.run_once().await.unwrap();
        let n = log(store, &acme).await.pop().unwrap();
        outcomes.push((n.state.as_str(), n.reason.unwrap_or_default()));
    }
    assert_eq!(outcomes[0].0, "failed", "429 is tried again");
    assert_eq!(outcomes[1].0, "failed", "5xx is tried again");
    assert_eq!(outcomes[2].0, "dead");
    assert!(outcomes[2].1.contains("21211"), "{:?}", outcomes[2]);
    assert_eq!(outcomes[3].0, "dead");
    assert!(
        outcomes[3].1.starts_with("configuration error"),
        "{:?}",
        outcomes[3]
    );
    assert_eq!(provider.requests().len(), 4);
}

pub async fn without_a_provider_sms_and_calls_fail_with_a_clear_reason(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let marta = marta(store, &acme, &nw).await;
    let sms = add(store, &acme, &marta, "sms", "+34612345678").await;
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher_with_provider(store, clock(), dir.path(), None);
    crate::common::queue_test(store, &acme.id, &marta.id, &sms.id, t0())
        .await
        .unwrap();
    worker.run_once().await.unwrap();
    let n = log(store, &acme).await.pop().unwrap();
    assert_eq!(n.state.as_str(), "dead");
    assert_eq!(
        n.reason.as_deref(),
        Some("sms messages are not configured on this server")
    );
}
