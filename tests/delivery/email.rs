//! Email through a real SMTP server: headers, both parts and the language; SMTP 4xx against
//! 5xx; `.eml` files without SMTP.

use crate::common::ingest;
use crate::fixtures::{account, company, contact, only};
use crate::harness::{PUBLIC_URL, SECRET_KEY, SmtpSink, dispatcher, t0};
use crate::read;
use crate::steps::{add, alert, clock, log, person};
use chrono::Duration;
use reach::domain::{CompanyAccess, Locale};
use reach::links::LinkSigner;
use reach::store::{Notification, SqlStore};

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

    ingest(
        store,
        &acme.id,
        &[alert(&nw, "srv-12", "critical", "firing")],
        t0(),
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
    ingest(
        store,
        &acme.id,
        &[alert(&nw, "srv-12", "critical", "resolved")],
        t0(),
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
    ingest(
        store,
        &acme.id,
        &[alert(&contoso, "db", "warning", "firing")],
        t0(),
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
    ingest(
        store,
        &acme.id,
        &[alert(&nw, "k", "critical", "firing")],
        t0(),
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

pub async fn without_smtp_emails_are_written_as_eml_files(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ana = person(store, &acme, "Ana", CompanyAccess::All, Locale::En).await;
    add(store, &acme, &ana, "email", "ana@example.com", "info", 0).await;
    let dir = tempfile::tempdir().unwrap();
    let mail_dir = dir.path().join("mail");
    let worker = dispatcher(store, clock(), None, &mail_dir, false);
    ingest(store, &acme.id, &[alert(&nw, "k", "info", "firing")], t0())
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
