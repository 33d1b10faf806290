use crate::fixtures::{account, company, contact, only};
use crate::harness::{
    PUBLIC_URL, Receiver, SECRET_KEY, SmtpSink, dispatcher, t0, verify_standard_webhook,
};
use crate::{read, tx};
use chrono::Duration;
use reach::domain::{
    AccountId, AlertInput, CompanyAccess, ContactId, Locale, MethodInput, NewAlert, NewContact,
    ParseContext, Region, TimeZone,
};
use reach::links::LinkSigner;
use reach::runtime::{Clock, ManualClock};
use reach::store::{Account, Company, Contact, Method, Notification, NotificationQuery, SqlStore};
use std::sync::Arc;

fn alert(company: &Company, key: &str, severity: &str, status: &str) -> NewAlert {
    AlertInput {
        company_id: Some(company.id.to_string()),
        key: Some(key.into()),
        severity: Some(severity.into()),
        title: Some(format!("Disco lleno en {key} & <más>")),
        body: Some("Quedan 2 GB en /var.".into()),
        labels: [("host".to_owned(), "srv-12".to_owned())].into(),
        status: Some(status.into()),
    }
    .parse("")
    .unwrap()
}

async fn add(
    store: &SqlStore,
    account: &Account,
    who: &Contact,
    kind: &str,
    address: &str,
    min_severity: &str,
    delay: i64,
) -> Method {
    let new = MethodInput {
        kind: Some(kind.into()),
        address: Some(address.into()),
        min_severity: Some(Some(min_severity.into())),
        delay_minutes: Some(delay),
        ..MethodInput::default()
    }
    .parse(&ParseContext {
        default_region: Region::parse("ES").unwrap(),
        allow_loopback: true,
    })
    .unwrap();
    tx!(
        store,
        reach::store::methods::add,
        &account.id,
        &who.id,
        &new
    )
    .await
    .unwrap()
}

async fn person(
    store: &SqlStore,
    account: &Account,
    name: &str,
    companies: CompanyAccess,
    locale: Locale,
) -> Contact {
    tx!(
        store,
        reach::store::contacts::create,
        &account.id,
        &NewContact {
            name: crate::fixtures::name(name),
            companies,
            locale: Some(locale),
            timezone: Some(TimeZone::parse("America/New_York").unwrap()),
        }
    )
    .await
    .unwrap()
}

async fn log(store: &SqlStore, account: &AccountId) -> Vec<Notification> {
    let mut items = read!(
        store,
        reach::store::alerts::list_notifications,
        account,
        &CompanyAccess::All,
        &NotificationQuery::default()
    )
    .await
    .unwrap()
    .items;
    items.reverse();
    items
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(t0()))
}

pub async fn email_arrives_over_smtp_with_both_parts_in_the_recipients_language(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let contoso = company(store, &acme, "Contoso").await;
    let marta = person(store, &acme, "Marta Ruiz", only(&[&nw]), Locale::Es).await;
    let john = person(store, &acme, "John Smith", only(&[&contoso]), Locale::En).await;
    add(
        store,
        &acme,
        &marta,
        "email",
        "marta@northwind.example",
        "warning",
        0,
    )
    .await;
    add(
        store,
        &acme,
        &john,
        "email",
        "john@contoso.example",
        "info",
        0,
    )
    .await;
    let smtp = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let worker = dispatcher(store, clock.clone(), Some(&smtp), dir.path(), false);

    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&nw, "srv-12", "critical", "firing")],
        t0()
    )
    .await
    .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let messages = smtp.wait_for(1).await;
    assert_eq!(messages.len(), 1, "only Marta has access to Northwind");
    let m = &messages[0];
    assert_eq!(
        m["rcpt_tos"],
        serde_json::json!(["marta@northwind.example"])
    );
    assert_eq!(m["mail_from"], "reach@reach.test");
    let h = &m["headers"];
    assert_eq!(
        h["subject"],
        "[CRÍTICA] Northwind: Disco lleno en srv-12 & <más>"
    );
    assert_eq!(h["to"], "Marta Ruiz <marta@northwind.example>");
    assert_eq!(h["content-language"], "es");
    assert_eq!(h["auto-submitted"], "auto-generated");
    assert!(h["message-id"].as_str().unwrap().ends_with("@reach.test>"));
    assert_eq!(m["content_type"], "multipart/alternative");
    let text = m["text"].as_str().unwrap();
    let html = m["html"].as_str().unwrap();
    for part in [text, html] {
        assert!(part.contains("Alerta crítica de Northwind"), "{part}");
        assert!(part.contains("Quedan 2 GB en /var."));
        assert!(part.contains("host=srv-12"));
        assert!(part.contains("Confirmar recepción"));
        assert!(
            part.contains("05:00 EST"),
            "the time in Marta's zone: {part}"
        );
    }
    assert!(
        text.contains("Disco lleno en srv-12 & <más>"),
        "text is not escaped"
    );
    assert!(!html.contains("<más>"), "HTML is escaped: {html}");
    assert!(
        html.contains("&#60;más&#62;") || html.contains("&lt;más&gt;"),
        "HTML is escaped: {html}"
    );
    assert!(html.starts_with("<!doctype html>") && html.contains("lang=\"es\""));
    // The acknowledge link in the text part is signed for this alert and for Marta.
    let link = text
        .lines()
        .find_map(|l| l.strip_prefix("Confirmar recepción: "))
        .expect("an acknowledge link");
    let token = link.strip_prefix(&format!("{PUBLIC_URL}/ack/")).unwrap();
    let grant = LinkSigner::new(SECRET_KEY, PUBLIC_URL)
        .check_ack(token, t0())
        .unwrap();
    assert_eq!(grant.contact_id, marta.id);
    assert!(html.contains(link), "the same link in the HTML part");

    let sent = log(store, &acme.id).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].state.as_str(), sent[0].sent_at),
        ("sent", Some(t0()))
    );
    let attempts = read!(store, reach::store::outbox::attempts, &acme.id, &sent[0].id)
        .await
        .unwrap();
    assert_eq!(attempts.len(), 1);
    assert!(
        attempts[0]
            .detail
            .as_deref()
            .unwrap()
            .starts_with("SMTP 250"),
        "{attempts:?}"
    );

    // The resolution goes to Marta in English? No: in her language, threaded with the first.
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&nw, "srv-12", "critical", "resolved")],
        t0()
    )
    .await
    .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let messages = smtp.wait_for(2).await;
    let resolved = &messages[1]["headers"];
    assert_eq!(
        resolved["subject"],
        "[RESUELTA] Northwind: Disco lleno en srv-12 & <más>"
    );
    assert_eq!(resolved["references"], h["references"]);
    assert!(
        !messages[1]["text"].as_str().unwrap().contains("/ack/"),
        "nothing to acknowledge"
    );

    // John (English) gets Contoso's warning in English.
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&contoso, "db", "warning", "firing")],
        t0()
    )
    .await
    .unwrap();
    worker.run_once().await.unwrap();
    let messages = smtp.wait_for(3).await;
    assert_eq!(
        messages[2]["headers"]["subject"],
        "[WARNING] Contoso: Disco lleno en db & <más>"
    );
    assert_eq!(messages[2]["headers"]["content-language"], "en");
    assert!(
        messages[2]["text"]
            .as_str()
            .unwrap()
            .contains("Warning alert for Contoso")
    );
}

pub async fn smtp_4xx_is_retried_and_5xx_is_permanent(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ana = contact(store, &acme, "Ana", CompanyAccess::All).await;
    add(store, &acme, &ana, "email", "busy@example.com", "info", 0).await;
    add(store, &acme, &ana, "email", "nobody@example.com", "info", 0).await;
    let smtp = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher(store, clock(), Some(&smtp), dir.path(), false);
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&nw, "k", "critical", "firing")],
        t0()
    )
    .await
    .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 2);
    let by_address =
        |items: &[Notification], a: &str| items.iter().find(|n| n.address == a).cloned().unwrap();
    let items = log(store, &acme.id).await;
    let busy = by_address(&items, "busy@example.com");
    assert_eq!(busy.state.as_str(), "failed");
    assert!(busy.reason.as_deref().unwrap().contains("451"), "{busy:?}");
    let wait = busy.next_attempt_at - t0();
    assert!(
        wait >= Duration::seconds(15) && wait <= Duration::seconds(30),
        "{wait}"
    );
    let nobody = by_address(&items, "nobody@example.com");
    assert_eq!(nobody.state.as_str(), "dead");
    assert!(
        nobody.reason.as_deref().unwrap().contains("550"),
        "{nobody:?}"
    );
    assert!(smtp.messages().is_empty());
}

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
    let stored = tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&nw, "srv-12", "warning", "firing")],
        t0()
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
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&nw, "k", "info", "firing")],
        t0()
    )
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
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&nw, "k2", "info", "firing")],
        clock.now()
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
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&nw, "k3", "info", "firing")],
        clock.now()
    )
    .await
    .unwrap();
    worker.run_once().await.unwrap();
    assert_eq!(
        log(store, &acme.id).await.pop().unwrap().state.as_str(),
        "dead"
    );
}

pub async fn a_lost_claim_is_taken_over_after_its_lease(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ops = contact(store, &acme, "Ops bot", CompanyAccess::All).await;
    let receiver = Receiver::start().await;
    add(store, &acme, &ops, "webhook", &receiver.url("h"), "info", 0).await;
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&nw, "k", "info", "firing")],
        t0()
    )
    .await
    .unwrap();
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
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&nw, "k", "info", "firing")],
        t0()
    )
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

pub async fn acknowledging_stops_the_escalation(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ops = contact(store, &acme, "Ops bot", CompanyAccess::All).await;
    let receiver = Receiver::start().await;
    add(
        store,
        &acme,
        &ops,
        "webhook",
        &receiver.url("now"),
        "info",
        0,
    )
    .await;
    add(
        store,
        &acme,
        &ops,
        "webhook",
        &receiver.url("later"),
        "info",
        15,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let worker = dispatcher(store, clock.clone(), None, dir.path(), true);
    let stored = tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&nw, "k", "critical", "firing")],
        t0()
    )
    .await
    .unwrap();
    assert_eq!(
        worker.run_once().await.unwrap(),
        1,
        "the escalation waits 15 min"
    );
    tx!(
        store,
        reach::store::alerts::acknowledge,
        &acme.id,
        &CompanyAccess::All,
        &stored[0].id,
        &ops.id,
        t0() + Duration::minutes(5)
    )
    .await
    .unwrap();
    clock.set(t0() + Duration::minutes(15));
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(
        receiver.received().len(),
        1,
        "only the first notice went out"
    );
    let escalation = log(store, &acme.id)
        .await
        .into_iter()
        .find(|n| n.escalation)
        .unwrap();
    assert_eq!(
        (escalation.state.as_str(), escalation.reason.as_deref()),
        ("suppressed", Some("acknowledged"))
    );

    // Unacknowledged, the escalation goes out at its time, not before.
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&nw, "k2", "critical", "firing")],
        clock.now()
    )
    .await
    .unwrap();
    worker.run_once().await.unwrap();
    clock.advance(Duration::minutes(14));
    assert_eq!(worker.run_once().await.unwrap(), 0);
    clock.advance(Duration::minutes(1));
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    let body: serde_json::Value = serde_json::from_str(&got[2].body).unwrap();
    assert_eq!(body["type"], "alert.opened");
    assert_eq!(body["key"], "k2");
}

pub async fn the_acknowledge_link_acknowledges_as_the_recipient(store: &SqlStore) {
    use reach::links::{ACK_LINK_LIFETIME, AckGrant, LinkError};
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let marta = person(store, &acme, "Marta Ruiz", only(&[&nw]), Locale::Es).await;
    let stored = tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&nw, "k", "critical", "firing")],
        t0()
    )
    .await
    .unwrap();
    let signer = LinkSigner::new(SECRET_KEY, PUBLIC_URL);
    let grant = AckGrant {
        account_id: acme.id.clone(),
        alert_id: stored[0].id.clone(),
        contact_id: marta.id.clone(),
        expires_at: t0() + ACK_LINK_LIFETIME,
    };
    let token = signer.ack_token(&grant);
    assert_eq!(
        signer.check_ack(&token, t0() + ACK_LINK_LIFETIME),
        Err(LinkError::Expired)
    );
    let checked = signer.check_ack(&token, t0()).unwrap();
    let acked = tx!(
        store,
        reach::store::alerts::acknowledge,
        &checked.account_id,
        &CompanyAccess::All,
        &checked.alert_id,
        &checked.contact_id,
        t0()
    )
    .await
    .unwrap();
    assert_eq!(acked.acknowledged_by, Some(marta.id.clone()));
    assert_eq!(acked.acknowledged_at, Some(t0()));
    // The first acknowledgement stands.
    let again = tx!(
        store,
        reach::store::alerts::acknowledge,
        &acme.id,
        &CompanyAccess::All,
        &stored[0].id,
        &ContactId::from_string("someone-else"),
        t0() + Duration::minutes(1)
    )
    .await
    .unwrap();
    assert_eq!(again.acknowledged_by, Some(marta.id));
}

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
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&nw, "k", "warning", "firing")],
        t0()
    )
    .await
    .unwrap();
    tx!(store, reach::store::contacts::delete, &acme.id, &gone.id)
        .await
        .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    // Resolved before the delayed notice was due: nobody is told it fired, nor that it ended.
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&nw, "k", "warning", "resolved")],
        t0() + Duration::minutes(2)
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

pub async fn without_smtp_emails_are_written_as_eml_files(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ana = person(store, &acme, "Ana", CompanyAccess::All, Locale::En).await;
    add(store, &acme, &ana, "email", "ana@example.com", "info", 0).await;
    let dir = tempfile::tempdir().unwrap();
    let mail_dir = dir.path().join("mail");
    let worker = dispatcher(store, clock(), None, &mail_dir, false);
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&nw, "k", "info", "firing")],
        t0()
    )
    .await
    .unwrap();
    worker.run_once().await.unwrap();
    let files: Vec<_> = std::fs::read_dir(&mail_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().unwrap(), "eml");
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(eml.contains("To: Ana <ana@example.com>"), "{eml}");
    assert!(eml.contains("multipart/alternative"));
    let n = log(store, &acme.id).await.remove(0);
    assert_eq!(n.state.as_str(), "sent");
    let detail = read!(store, reach::store::outbox::attempts, &acme.id, &n.id)
        .await
        .unwrap()[0]
        .detail
        .clone()
        .unwrap();
    assert!(
        detail.starts_with("written to ") && detail.ends_with(".eml"),
        "{detail}"
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
    tx!(
        store,
        reach::store::methods::add,
        &acme.id,
        &sleeper.id,
        &new
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let worker = dispatcher(store, clock.clone(), None, dir.path(), true);
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[
            alert(&nw, "held", "warning", "firing"),
            alert(&nw, "gone", "warning", "firing"),
            alert(&nw, "loud", "critical", "firing"),
        ],
        t0()
    )
    .await
    .unwrap();
    assert_eq!(
        worker.run_once().await.unwrap(),
        1,
        "critical goes through quiet hours"
    );
    tx!(
        store,
        reach::app::ingest::store_batch,
        &acme.id,
        &[alert(&nw, "gone", "warning", "resolved")],
        t0() + Duration::hours(1)
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
