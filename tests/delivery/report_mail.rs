//! A report email as mail clients and spreadsheets meet it: RFC 8058 one-click unsubscribe
//! headers that work with no login, and a CSV whose formula-like cells are neutralised.

use crate::common::ingest;
use crate::fixtures::{account, company};
use crate::harness::{PUBLIC_URL, SECRET_KEY, SmtpSink, dispatcher, t0};
use crate::reports::person;
use crate::{read, tx};
use chrono::Duration;
use reach::domain::report::{ReportInput, ScheduleInput};
use reach::domain::{AlertInput, CompaniesInput, CompanyAccess, Locale};
use reach::links::LinkSigner;
use reach::runtime::ManualClock;
use reach::store::SqlStore;
use std::sync::Arc;

/// A report email carries its unsubscribe link as RFC 8058 one-click headers, and the POST a
/// mail client makes to it (no login, no CSRF token) turns reports off for that method; CSV
/// cells a spreadsheet would run as formulas are written with a leading `'`.
pub async fn a_report_has_one_click_unsubscribe_and_a_csv_safe_for_spreadsheets(store: &SqlStore) {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt as _;
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "=Northwind").await;
    let nora = person(
        store,
        &acme,
        "Nora",
        CompanyAccess::All,
        Locale::En,
        "nora@northwind.example",
    )
    .await;
    for (key, title) in [
        ("@sum", "=HYPERLINK(\"http://evil.example\",\"x\")"),
        ("-disk", "+34612345678"),
        ("plain", "-1+2"),
    ] {
        let a = AlertInput {
            company_id: Some(nw.id.to_string()),
            key: Some(key.into()),
            severity: Some("info".into()),
            title: Some(title.into()),
            ..AlertInput::default()
        }
        .parse("")
        .unwrap();
        ingest(store, &acme.id, &[a], t0() - Duration::hours(1))
            .await
            .unwrap();
    }
    let report = tx!(
        store,
        reach::store::reports::create,
        &acme.id,
        &ReportInput {
            name: Some("Daily".into()),
            kind: Some("alert_summary".into()),
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
    let signer = LinkSigner::new(SECRET_KEY, PUBLIC_URL);
    reach::reports::run_now(store, &signer, &acme.id, &report, t0())
        .await
        .unwrap();
    let smtp = SmtpSink::start();
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher(
        store,
        Arc::new(ManualClock::new(t0())),
        Some(&smtp),
        dir.path(),
        false,
    );
    worker.run_once().await.unwrap();
    // Info alerts email nobody (email takes warnings and up): the report is the one email.
    let mail = smtp
        .wait_for(1)
        .await
        .into_iter()
        .find(|m| !m["attachments"].as_array().unwrap().is_empty())
        .expect("the report email");

    // Cells that would run as formulas get a quote; a phone number in E.164 stays as it is.
    let csv_text = mail["attachments"][0]["content"].as_str().unwrap();
    let mut rows: Vec<Vec<String>> = csv::Reader::from_reader(csv_text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    rows.sort_by(|a, b| a[2].cmp(&b[2]));
    let cells: Vec<[&str; 3]> = rows
        .iter()
        .map(|r| [r[1].as_str(), r[2].as_str(), r[4].as_str()])
        .collect();
    assert_eq!(
        cells,
        [
            ["'=Northwind", "'-disk", "+34612345678"],
            [
                "'=Northwind",
                "'@sum",
                "'=HYPERLINK(\"http://evil.example\",\"x\")"
            ],
            ["'=Northwind", "plain", "'-1+2"],
        ]
    );
    for row in &rows {
        let restored: Vec<_> = row
            .iter()
            .map(|c| reach::domain::csv_cell::restore(c))
            .collect();
        assert!(
            !restored[1].starts_with('\''),
            "import strips it: {restored:?}"
        );
    }

    // RFC 8058: the signed unsubscribe link of the body, as one-click headers.
    let text = mail["text"].as_str().unwrap();
    let url = text
        .lines()
        .find_map(|l| {
            l.find("http://reach.test/unsubscribe/")
                .map(|i| l[i..].trim().to_owned())
        })
        .expect("unsubscribe link");
    let headers = &mail["headers"];
    assert_eq!(headers["list-unsubscribe"], format!("<{url}>"));
    assert_eq!(
        headers["list-unsubscribe-post"],
        "List-Unsubscribe=One-Click"
    );

    // The mail client's POST: no session, no CSRF cookie or field.
    let state = Arc::new(reach::http::AppState::new(
        store.clone(),
        reach::config::Secret::from(SECRET_KEY.to_owned()),
        false,
        PUBLIC_URL,
        reach::runtime::Wakeup::default(),
    ));
    let reports_on = || async {
        read!(
            store,
            reach::store::contacts::get,
            &acme.id,
            &CompanyAccess::All,
            &nora.id
        )
        .await
        .unwrap()
        .methods[0]
            .reports
    };
    assert!(reports_on().await);
    let answer = reach::http::router(state)
        .oneshot(
            Request::post(url.trim_start_matches(PUBLIC_URL))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from("List-Unsubscribe=One-Click"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(!reports_on().await, "reports are off for that method");
}
