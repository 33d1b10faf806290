//! What reports say of escalation policies, end to end through a real SMTP server: the coverage
//! report names the on-call gaps of the coming 14 days (a schedule that starts in 3 days, a
//! target without access, a target no critical alert would reach); each recipient only of
//! their companies, in their language, in the email's text and HTML and never in its CSV. The
//! alert summary's pages per person are in `report_pages`, with these helpers.

use crate::common::add_method;
use crate::fixtures::{account, company, contact, method, only};
use crate::harness::{PUBLIC_URL, SECRET_KEY, SmtpSink, dispatcher, t0};
use crate::reports::person;
use crate::tx;
use chrono::{NaiveDate, NaiveTime};
use reach::domain::oncall::policy::{NewPolicy, Policy, Step, Target};
use reach::domain::oncall::{NewSchedule, Rotation, ShiftEvery};
use reach::domain::report::{ReportInput, ScheduleInput};
use reach::domain::{CompaniesInput, CompanyAccess, ContactId, Locale, Name, TimeZone};
use reach::links::LinkSigner;
use reach::runtime::ManualClock;
use reach::store::{Account, Company, Report, SqlStore};
use serde_json::Value;
use std::sync::Arc;

/// A schedule of daily shifts handing off at 09:00 UTC from `starts_on`.
pub async fn schedule(
    store: &SqlStore,
    acme: &Account,
    name: &str,
    members: &[&ContactId],
    starts_on: &str,
) -> reach::store::schedules::Schedule {
    tx!(
        store,
        reach::store::schedules::create,
        &acme.id,
        &NewSchedule {
            name: Name::parse(name).unwrap(),
            rotation: Rotation {
                timezone: TimeZone::parse("UTC").unwrap(),
                members: members.iter().map(|m| (*m).clone()).collect(),
                every: ShiftEvery::Day,
                count: 1,
                handoff: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                starts_on: NaiveDate::parse_from_str(starts_on, "%Y-%m-%d").unwrap(),
            },
        },
        "feed-key",
        t0()
    )
    .await
    .unwrap()
}

/// A policy of these steps (5 minutes apart, no repeat) that `companies` follow.
pub async fn policy(
    store: &SqlStore,
    acme: &Account,
    name: &str,
    steps: Vec<Vec<Target>>,
    repeat: u8,
    companies: &[&Company],
) {
    let stored = tx!(
        store,
        reach::store::policies::create,
        &acme.id,
        &NewPolicy {
            name: Name::parse(name).unwrap(),
            policy: Policy {
                steps: steps
                    .into_iter()
                    .map(|targets| Step {
                        targets,
                        wait_minutes: 5,
                    })
                    .collect(),
                repeat,
            },
        },
        t0()
    )
    .await
    .unwrap();
    for c in companies {
        tx!(
            store,
            reach::store::policies::set_for_company,
            &acme.id,
            &c.id,
            Some(&stored.id)
        )
        .await
        .unwrap();
    }
}

pub async fn report(
    store: &SqlStore,
    acme: &Account,
    kind: &str,
    recipients: &[&ContactId],
) -> Report {
    tx!(
        store,
        reach::store::reports::create,
        &acme.id,
        &ReportInput {
            name: Some("Weekly".into()),
            kind: Some(kind.into()),
            companies: Some(CompaniesInput::All),
            schedule: Some(ScheduleInput {
                every: Some("day".into()),
                at: Some("07:00".into()),
                timezone: Some("UTC".into()),
                ..ScheduleInput::default()
            }),
            recipients: Some(recipients.iter().map(|r| r.to_string()).collect()),
            enabled: Some(true),
        }
        .parse()
        .unwrap(),
        t0()
    )
    .await
    .unwrap()
}

/// Runs the report at t0 and sends what is queued: the report emails (those with an
/// attachment) by recipient address, as (text, HTML, CSV).
pub async fn run(
    store: &SqlStore,
    acme: &Account,
    report: &Report,
    smtp: &SmtpSink,
    clock: Arc<ManualClock>,
    expected: usize,
) -> Vec<Mail> {
    let signer = LinkSigner::new(SECRET_KEY, PUBLIC_URL);
    let done = reach::reports::run_now(store, &signer, &acme.id, report, t0())
        .await
        .unwrap();
    assert_eq!(done.state.as_str(), "done");
    let dir = tempfile::tempdir().unwrap();
    clock.set(t0());
    let before = smtp.messages().len();
    let sent = dispatcher(store, clock, Some(smtp), dir.path(), false)
        .run_once()
        .await
        .unwrap();
    let reports: Vec<Value> = smtp
        .wait_for(before + sent)
        .await
        .into_iter()
        .filter(|m| !m["attachments"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(reports.len(), expected);
    reports
        .iter()
        .map(|m| {
            let s = |v: &Value| v.as_str().unwrap().to_owned();
            (
                s(&m["rcpt_tos"][0]),
                s(&m["text"]),
                s(&m["html"]),
                s(&m["attachments"][0]["content"]),
            )
        })
        .collect()
}

/// A report email: (recipient, text part, HTML part, CSV attachment).
pub type Mail = (String, String, String, String);

/// The lines of the text part's section titled `title`, without their `- `.
pub fn section(text: &str, title: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| *l != title)
        .skip(1)
        .map_while(|l| l.strip_prefix("- "))
        .map(str::to_owned)
        .collect()
}

/// The report email sent to `to`.
pub fn mail_to<'a>(mails: &'a [Mail], to: &str) -> &'a Mail {
    mails
        .iter()
        .find(|m| m.0 == to)
        .unwrap_or_else(|| panic!("no report to {to}"))
}

pub async fn a_coverage_report_names_on_call_gaps(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let contoso = company(store, &acme, "Contoso").await;
    let ana = person(
        store,
        &acme,
        "Ana",
        CompanyAccess::All,
        Locale::En,
        "ana@acme.example",
    )
    .await;
    let carl = contact(store, &acme, "Carl", only(&[&contoso])).await;
    // Dora's only method is an unverified SMS: the account requires verified phones.
    let dora = contact(store, &acme, "Dora", only(&[&nw])).await;
    add_method(store, &acme.id, &dora.id, &method("sms", "+34612345678"))
        .await
        .unwrap();
    let rita = person(
        store,
        &acme,
        "Rita",
        CompanyAccess::All,
        Locale::En,
        "rita@acme.example",
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
    // t0 is 2026-11-25 10:00 UTC: the rotation starts in three days, on the 28th at 09:00.
    let primary = schedule(store, &acme, "Primary", &[&ana.id], "2026-11-28").await;
    let covered = schedule(store, &acme, "Covered", &[&ana.id], "2026-11-01").await;
    let later = schedule(store, &acme, "Contoso rota", &[&ana.id], "2026-12-05").await;
    policy(
        store,
        &acme,
        "Night",
        vec![
            vec![Target::Schedule(primary.id.clone())],
            vec![
                Target::Contact(carl.id.clone()),
                Target::Contact(dora.id.clone()),
            ],
            vec![
                Target::Schedule(covered.id.clone()),
                Target::CompanyContacts,
            ],
        ],
        0,
        &[&nw],
    )
    .await;
    policy(
        store,
        &acme,
        "Contoso day",
        vec![vec![Target::Schedule(later.id.clone())]],
        0,
        &[&contoso],
    )
    .await;
    let report = report(store, &acme, "coverage", &[&rita.id, &nora.id]).await;
    let smtp = SmtpSink::start();
    let clock = Arc::new(ManualClock::new(t0()));
    let mails = run(store, &acme, &report, &smtp, clock, 2).await;

    // Times in the account's zone (Europe/Madrid): the window opens at the run, 11:00 CET.
    // Companies in name order (Contoso, Northwind); Ana, on both rotas, is reachable.
    let (_, text, html, csv) = mail_to(&mails, "rita@acme.example");
    let lines = section(text, "On call in the next 14 days");
    assert_eq!(
        lines,
        [
            "Nobody is on call in schedule Contoso rota (policy Contoso day) from 2026-11-25 \
             11:00 CET until 2026-12-05 10:00 CET.",
            "Nobody is on call in schedule Primary (policy Night) from 2026-11-25 11:00 CET \
             until 2026-11-28 10:00 CET.",
            "Carl is a target of policy Night but has no access to Northwind: they are never \
             paged for it.",
            "Dora is a target of policy Night (Northwind) but has no method that would receive \
             a critical alert.",
        ],
        "{text}"
    );
    assert!(html.contains(
        "<h2 style=\"margin:20px 0 6px;font-size:16px\">On call in the next 14 days</h2>"
    ));
    for line in &lines {
        assert!(
            html.contains(&format!("<li>{line}</li>")),
            "the HTML part has {line}"
        );
    }
    assert!(
        !csv.contains("Primary") && !csv.contains("Dora"),
        "the CSV keeps its columns: {csv}"
    );

    // Nora may see Northwind only: Northwind's gaps, in Spanish; nothing of Contoso's policy.
    let (_, text, html, _) = mail_to(&mails, "nora@northwind.example");
    assert_eq!(
        section(text, "Guardias en los próximos 14 días"),
        [
            "Nadie está de guardia en el calendario Primary (política Night) desde el \
             2026-11-25 11:00 CET hasta el 2026-11-28 10:00 CET.",
            "Carl figura entre los destinatarios de la política Night pero no tiene acceso a Northwind: \
             nunca recibe sus avisos.",
            "Dora figura entre los destinatarios de la política Night (Northwind) pero no tiene ningún \
             método que reciba una alerta crítica.",
        ],
        "{text}"
    );
    for part in [text, html] {
        assert!(!part.contains("Contoso"), "{part}");
    }
}
