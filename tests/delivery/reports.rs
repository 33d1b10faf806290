//! A report run end to end: scoped per recipient, in their language, through a real SMTP
//! server, with its CSV attachment and an unsubscribe link.

use crate::common::{add_method, ingest};
use crate::fixtures::{account, company, only};
use crate::harness::{PUBLIC_URL, SECRET_KEY, SmtpSink, dispatcher, t0};
use crate::{read, tx};
use chrono::Duration;
use reach::domain::report::{ReportInput, ScheduleInput};
use reach::domain::{
    AlertInput, CompaniesInput, CompanyAccess, Locale, MethodInput, NewContact, ParseContext,
    Region,
};
use reach::links::LinkSigner;
use reach::runtime::ManualClock;
use reach::store::{Account, Company, Contact, SqlStore};
use std::sync::Arc;

pub async fn person(
    store: &SqlStore,
    acme: &Account,
    name: &str,
    access: CompanyAccess,
    locale: Locale,
    email: &str,
) -> Contact {
    let c = tx!(
        store,
        reach::store::contacts::create,
        &acme.id,
        &NewContact {
            name: crate::fixtures::name(name),
            companies: access,
            locale: Some(locale),
            timezone: None,
        }
    )
    .await
    .unwrap();
    let m = MethodInput {
        kind: Some("email".into()),
        address: Some(email.into()),
        ..MethodInput::default()
    }
    .parse(&ParseContext {
        default_region: Region::parse("ES").unwrap(),
        allow_loopback: false,
    })
    .unwrap();
    add_method(store, &acme.id, &c.id, &m).await.unwrap();
    c
}

async fn alert(
    store: &SqlStore,
    acme: &Account,
    company: &Company,
    key: &str,
    severity: &str,
    at: chrono::DateTime<chrono::Utc>,
) {
    let a = AlertInput {
        company_id: Some(company.id.to_string()),
        key: Some(key.into()),
        severity: Some(severity.into()),
        title: Some(key.into()),
        ..AlertInput::default()
    }
    .parse("")
    .unwrap();
    ingest(store, &acme.id, &[a], at).await.unwrap();
}

pub async fn a_report_goes_to_each_recipient_scoped_with_its_csv(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let contoso = company(store, &acme, "Contoso").await;
    let nora = person(
        store,
        &acme,
        "Nora",
        only(&[&nw]),
        Locale::Es,
        "nora@northwind.example",
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
    let outsider = person(
        store,
        &acme,
        "Olga",
        only(&[&contoso]),
        Locale::En,
        "olga@contoso.example",
    )
    .await;
    for (c, key, sev) in [
        (&nw, "nw-disk", "warning"),
        (&nw, "nw-db", "critical"),
        (&contoso, "contoso-web", "critical"),
    ] {
        alert(store, &acme, c, key, sev, t0() - Duration::hours(2)).await;
    }
    let report = tx!(
        store,
        reach::store::reports::create,
        &acme.id,
        &ReportInput {
            name: Some("Daily alerts".into()),
            kind: Some("alert_summary".into()),
            companies: Some(CompaniesInput::Chosen(vec![nw.id.to_string()])),
            schedule: Some(ScheduleInput {
                every: Some("day".into()),
                at: Some("07:00".into()),
                timezone: Some("Europe/Madrid".into()),
                ..ScheduleInput::default()
            }),
            recipients: Some(vec![
                nora.id.to_string(),
                carl.id.to_string(),
                outsider.id.to_string(),
            ]),
            enabled: Some(true),
        }
        .parse()
        .unwrap(),
        t0()
    )
    .await
    .unwrap();
    let signer = LinkSigner::new(SECRET_KEY, PUBLIC_URL);
    let run = reach::reports::run_now(store, &signer, &acme.id, &report, t0())
        .await
        .unwrap();
    assert_eq!(run.state.as_str(), "done");
    assert_eq!(
        read!(store, reach::store::reports::run_deliveries, &run.id)
            .await
            .unwrap()
            .len(),
        2,
        "Olga sees none of the report's companies"
    );

    let smtp = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(t0()));
    let worker = dispatcher(store, clock, Some(&smtp), dir.path(), false);
    worker.run_once().await.unwrap();
    // The alerts' own emails (2 to Nora, 3 to Carl, 1 to Olga) and the two reports.
    let mails: Vec<_> = smtp
        .wait_for(8)
        .await
        .into_iter()
        .filter(|m| !m["attachments"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(mails.len(), 2);
    let to = |who: &str| {
        mails
            .iter()
            .find(|m| m["rcpt_tos"][0] == who)
            .unwrap()
            .clone()
    };
    let nora_mail = to("nora@northwind.example");
    assert_eq!(nora_mail["headers"]["subject"], "Informe: Daily alerts");
    // The chart of alerts per day, inline in the HTML part.
    let image = &nora_mail["images"][0];
    assert_eq!(image["content_type"], "image/png");
    assert_eq!(image["content_id"], "<chart>");
    assert!(image["size"].as_u64().unwrap() > 2000, "{image}");
    assert!(
        nora_mail["html"]
            .as_str()
            .unwrap()
            .contains("src=\"cid:chart\"")
    );
    let csv_text = nora_mail["attachments"][0]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(nora_mail["attachments"][0]["content_type"], "text/csv");
    for part in [
        nora_mail["text"].as_str().unwrap(),
        nora_mail["html"].as_str().unwrap(),
        csv_text.as_str(),
    ] {
        assert!(
            !part.contains("Contoso") && !part.contains("contoso"),
            "a Northwind-only recipient sees nothing of Contoso: {part}"
        );
        assert!(part.contains("Northwind"), "{part}");
    }
    // The CSV: SPEC's columns, one row per alert opened in the period (Northwind's two), times
    // in the recipient's zone (the account's, Europe/Madrid).
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        reach::reports::ALERT_CSV_COLUMNS
    );
    assert_eq!(
        csv_text.lines().next(),
        Some("opened_at,company,key,severity,title,status,acknowledged_at,resolved_at")
    );
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    rows.sort();
    let row = |key: &str, severity: &str| {
        [
            "2026-11-25T09:00:00+01:00",
            "Northwind",
            key,
            severity,
            key,
            "firing",
            "",
            "",
        ]
        .map(str::to_owned)
        .to_vec()
    };
    assert_eq!(rows, [row("nw-db", "critical"), row("nw-disk", "warning")]);
    // The email's own table still counts them by company and severity, in both parts.
    let text = nora_mail["text"].as_str().unwrap();
    let html = nora_mail["html"].as_str().unwrap();
    let lines: Vec<_> = text
        .lines()
        .filter(|l| l.starts_with("Northwind | "))
        .collect();
    assert_eq!(lines.len(), 2, "critical and warning for Northwind: {text}");
    for line in &lines {
        let cells: Vec<_> = line.split(" | ").collect();
        assert_eq!(cells[2], "1", "{line}");
        let tds: String = cells
            .iter()
            .map(|c| format!("<td style=\"border-bottom:1px solid #eef0f3\">{c}</td>"))
            .collect();
        assert!(html.contains(&tds), "the HTML part has the row {line}");
    }
    // The unsubscribe link turns reports off for that method only.
    let link = text
        .lines()
        .find_map(|l| {
            l.split_once(": http://reach.test/unsubscribe/")
                .map(|(_, t)| t.to_owned())
        })
        .expect("unsubscribe link");
    let fields = signer.check("unsubscribe", &link, t0()).unwrap();
    assert_eq!(fields[1], nora.id.as_str());
    // Carl (all companies, English) gets the report of the report's companies: Northwind only.
    let carl_mail = to("carl@acme.example");
    assert_eq!(carl_mail["headers"]["subject"], "Report: Daily alerts");
    assert!(!carl_mail["text"].as_str().unwrap().contains("Contoso"));
}

pub async fn the_scheduler_runs_each_due_report_once_even_when_racing(store: &SqlStore) {
    use reach::reports::Scheduler;
    use reach::runtime::Wakeup;
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let nora = person(
        store,
        &acme,
        "Nora",
        only(&[&nw]),
        Locale::En,
        "nora@example.com",
    )
    .await;
    // Daily at 07:00 UTC; t0 is 10:00 UTC, so the first run is tomorrow at 07:00.
    let report = tx!(
        store,
        reach::store::reports::create,
        &acme.id,
        &ReportInput {
            name: Some("Coverage".into()),
            kind: Some("coverage".into()),
            companies: Some(CompaniesInput::All),
            schedule: Some(ScheduleInput {
                every: Some("day".into()),
                at: Some("07:00".into()),
                timezone: Some("UTC".into()),
                ..ScheduleInput::default()
            }),
            recipients: Some(vec![nora.id.to_string()]),
            enabled: Some(true),
        }
        .parse()
        .unwrap(),
        t0()
    )
    .await
    .unwrap();
    let first = t0() + Duration::hours(21);
    assert_eq!(report.next_run_at, Some(first));
    let clock = Arc::new(ManualClock::new(t0()));
    let scheduler = |clock: Arc<ManualClock>| Scheduler {
        store: store.clone(),
        clock,
        links: LinkSigner::new(SECRET_KEY, PUBLIC_URL),
        wakeup: Wakeup::default(),
    };
    let (a, b) = (scheduler(clock.clone()), scheduler(clock.clone()));
    assert_eq!(a.run_once().await.unwrap(), 0, "not due yet");
    clock.set(first);
    // Two nodes' schedulers at the same moment: one run.
    let (ra, rb) = tokio::join!(a.run_once(), b.run_once());
    assert_eq!(ra.unwrap() + rb.unwrap(), 1);
    let runs = read!(store, reach::store::reports::runs, &acme.id, &report.id)
        .await
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].state.as_str(), runs[0].scheduled_for),
        ("done", first)
    );
    assert_eq!(
        read!(store, reach::store::reports::run_deliveries, &runs[0].id)
            .await
            .unwrap()
            .len(),
        1
    );
    // Every node down for three days: the missed runs happen once, at start-up, then the
    // schedule goes on from now.
    clock.set(first + Duration::days(3) + Duration::hours(2));
    assert_eq!(a.run_once().await.unwrap(), 1);
    assert_eq!(a.run_once().await.unwrap(), 0);
    let runs = read!(store, reach::store::reports::runs, &acme.id, &report.id)
        .await
        .unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        read!(store, reach::store::reports::get, &acme.id, &report.id)
            .await
            .unwrap()
            .next_run_at,
        Some(first + Duration::days(4))
    );
    assert_eq!(
        runs[0].period_start, first,
        "the period runs from the previous run"
    );
}
