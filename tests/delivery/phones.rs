//! SMS and phone calls through the provider stand-in, verification codes, send test and flood
//! control.

use crate::fixtures::{account, company, only};
use crate::harness::{PUBLIC_URL, Provider, Receiver, SECRET_KEY, dispatcher_with_provider, t0};
use crate::{read, tx};
use chrono::Duration;
use reach::delivery::Dispatcher;
use reach::domain::{
    AlertInput, CompanyAccess, Locale, MethodInput, NewAlert, NewContact, ParseContext, Region,
    TimeZone,
};
use reach::links::LinkSigner;
use reach::runtime::{Clock, ManualClock};
use reach::store::{
    Account, Company, Contact, Method, Notification, NotificationQuery, PageRequest, SqlStore,
    VerifyOutcome,
};
use std::sync::Arc;

fn critical(company: &Company, key: &str, severity: &str) -> NewAlert {
    AlertInput {
        company_id: Some(company.id.to_string()),
        key: Some(key.into()),
        severity: Some(severity.into()),
        title: Some(format!("{key} is down")),
        ..AlertInput::default()
    }
    .parse("")
    .unwrap()
}

async fn marta(store: &SqlStore, acme: &Account, nw: &Company) -> Contact {
    tx!(
        store,
        reach::store::contacts::create,
        &acme.id,
        &NewContact {
            name: crate::fixtures::name("Marta Ruiz"),
            companies: only(&[nw]),
            locale: Some(Locale::Es),
            timezone: Some(TimeZone::parse("Europe/Madrid").unwrap()),
        }
    )
    .await
    .unwrap()
}

async fn add(store: &SqlStore, acme: &Account, who: &Contact, kind: &str, address: &str) -> Method {
    let new = MethodInput {
        kind: Some(kind.into()),
        address: Some(address.into()),
        ..MethodInput::default()
    }
    .parse(&ParseContext {
        default_region: Region::parse("ES").unwrap(),
        allow_loopback: true,
    })
    .unwrap();
    tx!(store, reach::store::methods::add, &acme.id, &who.id, &new)
        .await
        .unwrap()
}

async fn log(store: &SqlStore, acme: &Account) -> Vec<Notification> {
    let mut items = read!(
        store,
        reach::store::alerts::list_notifications,
        &acme.id,
        &CompanyAccess::All,
        &NotificationQuery {
            page: PageRequest::new(Some(500), None).unwrap(),
            ..NotificationQuery::default()
        }
    )
    .await
    .unwrap()
    .items;
    items.reverse();
    items
}

fn hash(method: &Method, code: &str) -> String {
    LinkSigner::new(SECRET_KEY, PUBLIC_URL).code_hash(method.id.as_str(), code)
}

/// Sends a code through the method and types it back.
async fn verify(
    store: &SqlStore,
    worker: &Arc<Dispatcher>,
    acme: &Account,
    who: &Contact,
    method: &Method,
    code: &str,
) {
    tx!(
        store,
        reach::store::outbox::start_verification,
        &acme.id,
        &who.id,
        &method.id,
        code,
        &hash(method, code),
        t0() + Duration::minutes(10),
        t0()
    )
    .await
    .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(
        tx!(
            store,
            reach::store::outbox::confirm_verification,
            &acme.id,
            &who.id,
            &method.id,
            &hash(method, code),
            t0()
        )
        .await
        .unwrap(),
        VerifyOutcome::Verified
    );
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(t0()))
}

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
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[
            critical(&nw, "web-1", "warning"),
            critical(&nw, "db-1", "critical"),
        ],
        t0()
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
                reach::store::outbox::confirm_verification,
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
        &moved
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
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[critical(&nw, "db-1", "critical")],
        t0()
    )
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
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &alerts,
        clock.now()
    )
    .await
    .unwrap();
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
