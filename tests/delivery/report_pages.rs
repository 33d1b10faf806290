//! The alert summary's pages per person, end to end through a real SMTP server: who the
//! escalation policies paged in the period and how many times (one page per alert, event, step
//! and round, however many of their methods it went to), only of the recipient's companies, in
//! their language, in the email's text and HTML and never in its CSV; no section without pages.

use crate::common::{add_method, ingest};
use crate::fixtures::{account, company, method, only};
use crate::harness::{SmtpSink, dispatcher, t0};
use crate::phone_steps::critical;
use crate::report_oncall::{mail_to, policy, report, run, schedule, section};
use crate::reports::person;
use crate::tx;
use chrono::Duration;
use reach::domain::oncall::policy::Target;
use reach::domain::{CompanyAccess, Locale};
use reach::runtime::ManualClock;
use reach::store::SqlStore;
use std::sync::Arc;

pub async fn an_alert_summary_counts_pages_per_person(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let contoso = company(store, &acme, "Contoso").await;
    // Bea is on call all along, through two emails; a page to both is one page.
    let bea = person(
        store,
        &acme,
        "Bea",
        CompanyAccess::All,
        Locale::En,
        "bea@acme.example",
    )
    .await;
    add_method(
        store,
        &acme.id,
        &bea.id,
        &method("email", "bea@home.example"),
    )
    .await
    .unwrap();
    let lead = person(
        store,
        &acme,
        "Lola Lead",
        CompanyAccess::All,
        Locale::En,
        "lola@acme.example",
    )
    .await;
    let carl = person(
        store,
        &acme,
        "Carl",
        CompanyAccess::All,
        Locale::En,
        "carl@acme.example",
    )
    .await;
    let nora = person(
        store,
        &acme,
        "Nora",
        only(&[&nw]),
        Locale::Es,
        "nora@northwind.example",
    )
    .await;
    let rota = schedule(store, &acme, "Primary", &[&bea.id], "2026-11-01").await;
    policy(
        store,
        &acme,
        "Night",
        vec![
            vec![Target::Schedule(rota.id.clone())],
            vec![Target::Contact(lead.id.clone())],
        ],
        1,
        &[&nw, &contoso],
    )
    .await;

    // Three alerts two hours before the run; two are acknowledged before step 2 pages the lead.
    // The policy runs again once: 10 minutes in, step 1 pages Bea again for the third.
    let opened = t0() - Duration::hours(2);
    let clock = Arc::new(ManualClock::new(opened));
    let smtp = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher(store, clock.clone(), Some(&smtp), dir.path(), false);
    let mut alerts = Vec::new();
    for (c, key) in [(&nw, "nw-1"), (&nw, "nw-2"), (&contoso, "contoso-1")] {
        alerts.extend(
            ingest(store, &acme.id, &[critical(c, key, "critical")], opened)
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        worker.run_once().await.unwrap(),
        6,
        "step 1: Bea's two emails per alert"
    );
    for a in &alerts[1..] {
        tx!(
            store,
            reach::store::alerts::acknowledge,
            &acme.id,
            &CompanyAccess::All,
            &a.id,
            &bea.id,
            opened + Duration::minutes(2)
        )
        .await
        .unwrap();
    }
    clock.set(opened + Duration::minutes(10));
    worker.run_once().await.unwrap();
    assert_eq!(
        smtp.wait_for(9).await.len(),
        9,
        "step 2 paged the lead once, and the second round's step 1 Bea's two emails"
    );

    let report = report(store, &acme, "alert_summary", &[&carl.id, &nora.id]).await;
    let mails = run(store, &acme, &report, &smtp, clock, 2).await;
    let (_, text, html, csv) = mail_to(&mails, "carl@acme.example");
    let lines = section(text, "Pages per person (escalation policies)");
    assert_eq!(
        lines,
        ["Bea: 4", "Lola Lead: 1"],
        "a second round is a second page: {text}"
    );
    for line in &lines {
        assert!(
            html.contains(&format!("<li>{line}</li>")),
            "the HTML part has {line}"
        );
    }
    assert!(
        !csv.contains("Bea") && !csv.contains("Lola"),
        "not in the CSV: {csv}"
    );
    // Nora sees Northwind's pages only, in Spanish.
    let (_, text, _, _) = mail_to(&mails, "nora@northwind.example");
    assert_eq!(
        section(text, "Avisos por persona (políticas de escalado)"),
        ["Bea: 3", "Lola Lead: 1"],
        "{text}"
    );
}

pub async fn without_pages_the_alert_summary_has_no_pages_section(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let carl = person(
        store,
        &acme,
        "Carl",
        CompanyAccess::All,
        Locale::En,
        "carl@acme.example",
    )
    .await;
    ingest(
        store,
        &acme.id,
        &[critical(&nw, "db", "critical")],
        t0() - Duration::hours(1),
    )
    .await
    .unwrap();
    let report = report(store, &acme, "alert_summary", &[&carl.id]).await;
    let smtp = SmtpSink::start();
    let mails = run(
        store,
        &acme,
        &report,
        &smtp,
        Arc::new(ManualClock::new(t0())),
        1,
    )
    .await;
    let (_, text, html, _) = &mails[0];
    assert!(text.contains("1 alerts in this period."), "{text}");
    assert!(
        !text.contains("Pages per person") && !html.contains("Pages per person"),
        "{text}"
    );
}
