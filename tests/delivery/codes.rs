//! Verification codes (expiry, lockout, single use), what unverified phones get, and send test
//! on every channel.

use crate::common::ingest;
use crate::fixtures::{account, company};
use crate::harness::{Provider, Receiver, dispatcher_with_provider, t0};
use crate::phone_steps::{add, clock, critical, hash, log, marta};
use crate::{read, tx};
use chrono::Duration;
use reach::domain::{MethodInput, ParseContext, Region};
use reach::store::{SqlStore, VerifyOutcome};

pub async fn codes_expire_lock_after_five_wrong_tries_and_work_once(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let marta = marta(store, &acme, &nw).await;
    let email = add(store, &acme, &marta, "email", "marta@example.com").await;
    let confirm = |code: &str, at| {
        let h = hash(&email, code);
        let (store, acme, marta, email) = (
            store.clone(),
            acme.id.clone(),
            marta.id.clone(),
            email.id.clone(),
        );
        async move {
            tx!(
                store,
                reach::app::verification::take_code,
                &acme,
                &marta,
                &email,
                &h,
                at
            )
            .await
            .unwrap()
        }
    };
    assert_eq!(confirm("123456", t0()).await, VerifyOutcome::NoCode);
    let start = |code: &str, at: chrono::DateTime<chrono::Utc>| {
        let h = hash(&email, code);
        let code = code.to_owned();
        let (store, acme, marta, email) = (
            store.clone(),
            acme.id.clone(),
            marta.id.clone(),
            email.id.clone(),
        );
        async move {
            tx!(
                store,
                reach::store::outbox::start_verification,
                &acme,
                &marta,
                &email,
                &code,
                &h,
                at + Duration::minutes(10),
                at
            )
            .await
            .unwrap()
        }
    };
    start("111111", t0()).await;
    for _ in 0..4 {
        assert_eq!(confirm("999999", t0()).await, VerifyOutcome::Wrong);
    }
    assert_eq!(
        confirm("999999", t0()).await,
        VerifyOutcome::Locked,
        "the fifth wrong try locks"
    );
    assert_eq!(
        confirm("111111", t0()).await,
        VerifyOutcome::Locked,
        "even the right code"
    );
    start("222222", t0()).await;
    assert_eq!(
        confirm("222222", t0() + Duration::minutes(10)).await,
        VerifyOutcome::Expired
    );
    start("333333", t0()).await;
    assert_eq!(
        confirm("333333", t0() + Duration::minutes(9)).await,
        VerifyOutcome::Verified
    );
    assert_eq!(
        confirm("333333", t0() + Duration::minutes(9)).await,
        VerifyOutcome::NoCode,
        "used"
    );
    assert!(
        read!(
            store,
            reach::store::methods::get,
            &acme.id,
            &marta.id,
            &email.id
        )
        .await
        .unwrap()
        .verified
    );
    // Changing the address clears the verified flag.
    let moved = MethodInput {
        kind: Some("email".into()),
        address: Some("marta@other.example".into()),
        ..MethodInput::default()
    }
    .parse(&ParseContext {
        default_region: Region::parse("ES").unwrap(),
        allow_loopback: false,
    })
    .unwrap();
    let after = tx!(
        store,
        reach::store::methods::update,
        &acme.id,
        &marta.id,
        &email.id,
        &moved,
        &crate::common::sealer()
    )
    .await
    .unwrap();
    assert!(!after.verified);
}

pub async fn unverified_phones_get_only_tests_and_codes(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let marta = marta(store, &acme, &nw).await;
    let sms = add(store, &acme, &marta, "sms", "+34612345678").await;
    let provider = Provider::start().await;
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher_with_provider(store, clock(), dir.path(), Some(&provider));
    ingest(store, &acme.id, &[critical(&nw, "db-1", "critical")], t0())
        .await
        .unwrap();
    crate::common::queue_test(store, &acme.id, &marta.id, &sms.id, t0())
        .await
        .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1, "only the test is due");
    let requests = provider.requests();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0].form["Body"].starts_with("Esto es una prueba de Reach"),
        "{:?}",
        requests[0].form
    );
    let alert = log(store, &acme)
        .await
        .into_iter()
        .find(|n| n.alert_id.is_some())
        .unwrap();
    assert_eq!(
        (alert.state.as_str(), alert.reason.as_deref()),
        ("suppressed", Some("unverified"))
    );
}

pub async fn send_test_works_on_every_channel(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let marta = marta(store, &acme, &nw).await;
    let receiver = Receiver::start().await;
    let methods = [
        add(store, &acme, &marta, "email", "marta@example.com").await,
        add(store, &acme, &marta, "sms", "+34612345678").await,
        add(store, &acme, &marta, "phone", "+34612345679").await,
        add(store, &acme, &marta, "webhook", &receiver.url("test")).await,
    ];
    let provider = Provider::start().await;
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher_with_provider(store, clock(), dir.path(), Some(&provider));
    for m in &methods {
        crate::common::queue_test(store, &acme.id, &marta.id, &m.id, t0())
            .await
            .unwrap();
    }
    assert_eq!(worker.run_once().await.unwrap(), 4);
    assert!(
        log(store, &acme)
            .await
            .iter()
            .all(|n| n.state.as_str() == "sent" && n.event.as_str() == "test")
    );
    let resources: Vec<_> = provider
        .requests()
        .into_iter()
        .map(|r| r.resource)
        .collect();
    assert_eq!(resources.len(), 2);
    assert!(
        resources.contains(&"Messages.json".to_owned())
            && resources.contains(&"Calls.json".to_owned())
    );
    let hook = &receiver.received()[0];
    let body =
        crate::harness::verify_standard_webhook(methods[3].secret.as_ref().unwrap().expose(), hook)
            .unwrap();
    assert_eq!(body["type"], "method.test");
    let eml = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(eml, 1);

    // A verification email carries the code and a link that verifies the address.
    let email = &methods[0];
    tx!(
        store,
        reach::store::outbox::start_verification,
        &acme.id,
        &marta.id,
        &email.id,
        "765432",
        &hash(email, "765432"),
        t0() + Duration::minutes(10),
        t0()
    )
    .await
    .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let raw = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| {
            std::fs::read_to_string(e.unwrap().path())
                .unwrap()
                .replace("=\r\n", "")
        })
        .find(|m| m.contains("765432"))
        .expect("the verification email");
    assert!(raw.contains("765432"), "{raw}");
    assert!(raw.contains("http://reach.test/verify/"), "{raw}");
}
