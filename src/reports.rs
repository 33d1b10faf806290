//! Scheduled reports: the scheduler (claims due runs in the database, so each runs once even
//! with several nodes), and a run: for each recipient, the report scoped to the companies they
//! may see, in their language, as an email (HTML and text from one template, the numbers also
//! as a CSV attachment) to each of their email methods with `reports` on.

use crate::domain::report::ReportKind;
use crate::domain::{AccountId, CompanyAccess, CompanyId, ContactId, MethodId, MethodType, RunId};
use crate::i18n::Tr;
use crate::links::LinkSigner;
use crate::runtime::{Clock, Wakeup};
use crate::store::{self, Report, ReportRun, Result, SqlStore, StoreError};
use askama::Template;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;

pub use crate::delivery::message::{CHART_CID, ReportMail};

/// How long a report's unsubscribe link works.
pub const UNSUBSCRIBE_LIFETIME: Duration = Duration::days(90);

/// A run's period: since the previous run, or one day (week, month) before.
async fn period_start(
    store: &SqlStore,
    account: &AccountId,
    report: &Report,
    at: DateTime<Utc>,
) -> Result<DateTime<Utc>> {
    let previous = store::reports::runs(&mut *store.read().await?, account, &report.id)
        .await?
        .into_iter()
        .map(|r| r.scheduled_for)
        .find(|t| *t < at);
    Ok(previous.unwrap_or_else(|| {
        let default = match &report.schedule {
            crate::domain::report::Schedule::Calendar { every, .. } => match every {
                crate::domain::report::Every::Day => Duration::days(1),
                crate::domain::report::Every::Week(_) => Duration::days(7),
                crate::domain::report::Every::Month(_) => Duration::days(30),
            },
            crate::domain::report::Schedule::Cron { .. } => Duration::days(1),
        };
        at - default
    }))
}

/// Runs a report now (Run now): the run, with its deliveries queued.
pub async fn run_now(
    store: &SqlStore,
    links: &LinkSigner,
    account: &AccountId,
    report: &Report,
    now: DateTime<Utc>,
) -> Result<ReportRun> {
    let start = period_start(store, account, report, now).await?;
    let run = {
        let mut tx = store.write().await?;
        let run = store::reports::start_run(&mut tx, account, &report.id, now, start, None, now)
            .await?
            .ok_or(StoreError::conflict("run"))?;
        tx.commit().await?;
        run
    };
    execute(store, links, account, report, &run, now).await?;
    store::reports::runs(&mut *store.read().await?, account, &report.id)
        .await?
        .into_iter()
        .find(|r| r.id == run.id)
        .ok_or(StoreError::NotFound)
}

/// Builds and queues every recipient's email, then records the run done (or failed).
pub async fn execute(
    store: &SqlStore,
    links: &LinkSigner,
    account: &AccountId,
    report: &Report,
    run: &ReportRun,
    now: DateTime<Utc>,
) -> Result<()> {
    // Everything is built first; then the deliveries and the run's end land in one
    // transaction (a failed build records the run failed and queues nothing).
    let mut outcome = deliveries(store, links, account, report, run, now).await;
    if let Ok(deliveries) = &outcome {
        let mut tx = store.write().await?;
        match queue_all(&mut tx, account, &run.id, deliveries, now).await {
            Ok(()) => {
                store::reports::finish_run(&mut tx, &run.id, None, now).await?;
                tx.commit().await?;
                return Ok(());
            }
            // Nothing of this run is queued (the transaction rolls back); it is recorded failed.
            Err(e) => outcome = Err(e),
        }
    }
    let error = outcome.as_ref().err().map(ToString::to_string);
    let mut tx = store.write().await?;
    store::reports::finish_run(&mut tx, &run.id, error.as_deref(), now).await?;
    tx.commit().await?;
    outcome.map(drop)
}

async fn queue_all(
    tx: &mut sqlx::AnyConnection,
    account: &AccountId,
    run: &RunId,
    deliveries: &[(ContactId, MethodId, String)],
    now: DateTime<Utc>,
) -> Result<()> {
    for (contact, method, payload) in deliveries {
        store::reports::queue_delivery(tx, account, contact, method, run, payload, now).await?;
    }
    Ok(())
}

/// Each recipient's email for each of their email methods with reports on: (contact, method,
/// the queued payload).
async fn deliveries(
    store: &SqlStore,
    links: &LinkSigner,
    account: &AccountId,
    report: &Report,
    run: &ReportRun,
    now: DateTime<Utc>,
) -> Result<Vec<(ContactId, MethodId, String)>> {
    let mut db = store.read().await?;
    let acc = store::accounts::get(&mut db, account).await?;
    let companies = store::companies::all(&mut db, account, &CompanyAccess::All).await?;
    let mut out = Vec::new();
    for recipient in &report.recipients {
        let contact =
            match store::contacts::get(&mut db, account, &CompanyAccess::All, recipient).await {
                Ok(c) => c,
                Err(StoreError::NotFound) => continue,
                Err(e) => return Err(e),
            };
        // Only what the recipient may see: their access and the report's companies.
        let scope: Vec<(CompanyId, String)> = companies
            .iter()
            .filter(|c| contact.companies.includes(&c.id) && report.companies.includes(&c.id))
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect();
        if scope.is_empty() {
            continue;
        }
        let tr = Tr::new(contact.locale.unwrap_or(acc.locale));
        let zone = contact.timezone.unwrap_or(acc.timezone);
        let table = build(
            &mut db,
            account,
            report.kind,
            &scope,
            run.period_start,
            run.period_end,
            &tr,
            zone,
        )
        .await?;
        for method in contact
            .methods
            .iter()
            .filter(|m| m.kind == MethodType::Email && m.reports)
        {
            let unsubscribe = links.unsubscribe_url(
                account.as_str(),
                contact.id.as_str(),
                method.id.as_str(),
                now + UNSUBSCRIBE_LIFETIME,
            );
            let mail = render(
                report,
                run,
                &table,
                &tr,
                zone,
                &contact.name,
                &acc.name,
                &unsubscribe,
            )?;
            let payload =
                serde_json::to_string(&mail).map_err(|e| StoreError::Content(e.to_string()))?;
            out.push((contact.id.clone(), method.id.clone(), payload));
        }
    }
    Ok(out)
}

/// A report's numbers: headers, rows, and lines said before and after.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub intro: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub notes: Vec<String>,
    /// Alerts per day, for the chart (alert summaries).
    pub days: Option<DayCounts>,
}

fn minutes(values: &mut [i64], percentile: f64) -> String {
    if values.is_empty() {
        return "—".to_owned();
    }
    values.sort_unstable();
    let rank = ((percentile / 100.0) * (values.len() - 1) as f64).round() as usize;
    format!("{}", values[rank.min(values.len() - 1)] / 60)
}

#[allow(clippy::too_many_arguments)]
async fn build(
    db: &mut sqlx::AnyConnection,
    account: &AccountId,
    kind: ReportKind,
    scope: &[(CompanyId, String)],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    tr: &Tr,
    zone: crate::domain::TimeZone,
) -> Result<Table> {
    let ids: Vec<CompanyId> = scope.iter().map(|(id, _)| id.clone()).collect();
    let name_of = |id: &str| {
        scope
            .iter()
            .find(|(c, _)| c.as_str() == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    let h = |id: &str| tr.t(id);
    match kind {
        ReportKind::AlertSummary => {
            let alerts = store::reports::alerts_in(db, account, &ids, start, end).await?;
            // Per (company, severity): alerts, seconds to acknowledge, seconds to resolve.
            type Stats = (i64, Vec<i64>, Vec<i64>);
            let mut by: BTreeMap<(String, &'static str), Stats> = BTreeMap::new();
            let mut keys: BTreeMap<String, i64> = BTreeMap::new();
            for a in &alerts {
                let entry = by
                    .entry((name_of(a.company_id.as_str()), a.severity.as_str()))
                    .or_default();
                entry.0 += 1;
                if let Some(t) = a.acknowledged_at {
                    entry.1.push((t - a.opened_at).num_seconds());
                }
                if let Some(t) = a.resolved_at {
                    entry.2.push((t - a.opened_at).num_seconds());
                }
                *keys.entry(a.key.clone()).or_default() += 1;
            }
            let mut top: Vec<_> = keys.into_iter().collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let rows = by
                .into_iter()
                .map(|((company, severity), (n, mut ack, mut res))| {
                    vec![
                        company,
                        tr.t(&format!("severity-{severity}")),
                        n.to_string(),
                        minutes(&mut ack, 50.0),
                        minutes(&mut ack, 90.0),
                        minutes(&mut res, 50.0),
                        minutes(&mut res, 90.0),
                    ]
                })
                .collect();
            Ok(Table {
                intro: vec![tr.ta(
                    "report-alerts-total",
                    &[("count", &alerts.len().to_string())],
                )],
                headers: vec![
                    h("mail-fact-company"),
                    h("mail-fact-severity"),
                    h("report-col-alerts"),
                    h("report-col-ack-p50"),
                    h("report-col-ack-p90"),
                    h("report-col-resolve-p50"),
                    h("report-col-resolve-p90"),
                ],
                rows,
                notes: top
                    .iter()
                    .take(5)
                    .map(|(k, n)| tr.ta("report-top-key", &[("key", k), ("count", &n.to_string())]))
                    .collect(),
                days: Some(per_day(&alerts, start, end, zone)),
            })
        }
        ReportKind::DeliverySummary => {
            let notes = store::reports::notifications_in(db, account, &ids, start, end).await?;
            let mut by: BTreeMap<(String, String), BTreeMap<String, i64>> = BTreeMap::new();
            let mut dead: BTreeMap<String, i64> = BTreeMap::new();
            // The slowest deliveries: from queued to sent.
            let mut slowest: Vec<(i64, String, String)> = notes
                .iter()
                .filter_map(|(company, _, _, address, _, created, sent)| {
                    sent.map(|s| {
                        (
                            (s - *created).num_seconds(),
                            name_of(company),
                            address.clone(),
                        )
                    })
                })
                .collect();
            slowest.sort_by_key(|s| std::cmp::Reverse(s.0));
            for (company, kind, state, address, _, _, _) in &notes {
                *by.entry((name_of(company), kind.clone()))
                    .or_default()
                    .entry(state.clone())
                    .or_default() += 1;
                if state == "dead" {
                    *dead.entry(address.clone()).or_default() += 1;
                }
            }
            let states = ["sent", "failed", "dead", "suppressed"];
            let rows = by
                .into_iter()
                .map(|((company, kind), counts)| {
                    let mut row = vec![company, tr.t(&format!("type-{kind}"))];
                    row.extend(
                        states
                            .iter()
                            .map(|s| counts.get(*s).copied().unwrap_or(0).to_string()),
                    );
                    row
                })
                .collect();
            let mut headers = vec![h("mail-fact-company"), h("field-type")];
            headers.extend(states.iter().map(|s| tr.t(&format!("state-{s}"))));
            Ok(Table {
                intro: vec![tr.ta(
                    "report-notifications-total",
                    &[("count", &notes.len().to_string())],
                )],
                headers,
                rows,
                days: None,
                notes: slowest
                    .iter()
                    .take(3)
                    .filter(|(seconds, _, _)| *seconds > 0)
                    .map(|(seconds, company, address)| {
                        tr.ta(
                            "report-slowest",
                            &[
                                ("address", address),
                                ("company", company),
                                ("seconds", &seconds.to_string()),
                            ],
                        )
                    })
                    .chain(dead.iter().map(|(address, n)| {
                        tr.ta(
                            "report-failing-method",
                            &[("address", address), ("count", &n.to_string())],
                        )
                    }))
                    .collect(),
            })
        }
        ReportKind::Coverage => {
            let mut rows = Vec::new();
            let mut nobody = Vec::new();
            let mut unverified = Vec::new();
            for (company, name) in scope {
                let with_access = store::ContactQuery {
                    company: Some(company.clone()),
                    ..store::ContactQuery::default()
                };
                let people =
                    store::contacts::all(db, account, &CompanyAccess::All, &with_access).await?;
                let mut row = vec![name.clone()];
                for severity in [
                    crate::domain::Severity::Info,
                    crate::domain::Severity::Warning,
                    crate::domain::Severity::Critical,
                ] {
                    let reached = people
                        .iter()
                        .filter(|p| {
                            p.methods.iter().any(|m| {
                                m.verified && m.min_severity.is_some_and(|min| min <= severity)
                            })
                        })
                        .count();
                    row.push(if reached == 0 {
                        tr.t("report-nobody")
                    } else {
                        reached.to_string()
                    });
                }
                rows.push(row);
                for p in &people {
                    if !p.methods.iter().any(|m| {
                        m.min_severity
                            .is_some_and(|min| min <= crate::domain::Severity::Critical)
                    }) && !nobody.contains(&p.name)
                    {
                        nobody.push(p.name.clone());
                    }
                    for m in p.methods.iter().filter(|m| {
                        matches!(m.kind, MethodType::Sms | MethodType::Phone) && !m.verified
                    }) {
                        let line = format!("{} {}", p.name, m.address);
                        if !unverified.contains(&line) {
                            unverified.push(line);
                        }
                    }
                }
            }
            let mut notes: Vec<String> = nobody
                .iter()
                .map(|n| tr.ta("report-no-critical", &[("name", n)]))
                .collect();
            notes.extend(
                unverified
                    .iter()
                    .map(|u| tr.ta("report-unverified-phone", &[("who", u)])),
            );
            Ok(Table {
                days: None,
                intro: vec![tr.t("report-coverage-intro")],
                headers: vec![
                    h("mail-fact-company"),
                    tr.t("severity-info"),
                    tr.t("severity-warning"),
                    tr.t("severity-critical"),
                ],
                rows,
                notes,
            })
        }
    }
}

struct ReportFields<'a> {
    lang: &'static str,
    /// The chart's content id and its description, when there is one.
    chart: Option<(&'static str, String)>,
    subject: String,
    period: String,
    intro: &'a [String],
    headers: &'a [String],
    rows: &'a [Vec<String>],
    notes: &'a [String],
    attachment_note: String,
    footer: String,
    unsubscribe: &'a str,
    unsubscribe_label: String,
}

#[derive(Template)]
#[template(path = "email/report.html", escape = "html")]
struct ReportHtml<'a> {
    html: bool,
    m: &'a ReportFields<'a>,
}

#[derive(Template)]
#[template(path = "email/report.html", escape = "none")]
struct ReportText<'a> {
    html: bool,
    m: &'a ReportFields<'a>,
}

#[allow(clippy::too_many_arguments)]
fn render(
    report: &Report,
    run: &ReportRun,
    table: &Table,
    tr: &Tr,
    zone: crate::domain::TimeZone,
    name: &str,
    account: &str,
    unsubscribe: &str,
) -> Result<ReportMail> {
    let local = |t: DateTime<Utc>| {
        t.with_timezone(&zone.tz())
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    };
    let chart_png = match &table.days {
        Some(days) => Some(
            chart(
                days,
                &tr.t("report-chart-title"),
                &tr.t("severity-critical"),
                &tr.t("report-col-alerts"),
            )
            .map_err(StoreError::Content)?,
        ),
        None => None,
    };
    let fields = ReportFields {
        chart: chart_png
            .as_ref()
            .map(|_| (CHART_CID, tr.t("report-chart-title"))),
        lang: tr.lang(),
        subject: tr.ta("report-subject", &[("name", &report.name)]),
        period: tr.ta(
            "report-period",
            &[
                ("start", &local(run.period_start)),
                ("end", &local(run.period_end)),
            ],
        ),
        intro: &table.intro,
        headers: &table.headers,
        rows: &table.rows,
        notes: &table.notes,
        attachment_note: tr.t("report-attachment"),
        footer: tr.ta("mail-footer", &[("name", name), ("account", account)]),
        unsubscribe,
        unsubscribe_label: tr.t("report-unsubscribe"),
    };
    let fail =
        |e: askama::Error| StoreError::Content(format!("the report could not be written: {e}"));
    let html = ReportHtml {
        html: true,
        m: &fields,
    }
    .render()
    .map_err(fail)?;
    let text = ReportText {
        html: false,
        m: &fields,
    }
    .render()
    .map_err(fail)?;
    let mut csv = csv::Writer::from_writer(Vec::new());
    let csv_error =
        |e: csv::Error| StoreError::Content(format!("the CSV could not be written: {e}"));
    csv.write_record(&table.headers).map_err(csv_error)?;
    for row in &table.rows {
        csv.write_record(row).map_err(csv_error)?;
    }
    let csv = csv
        .into_inner()
        .map_err(|e| StoreError::Content(e.to_string()))
        .and_then(|b| String::from_utf8(b).map_err(|e| StoreError::Content(e.to_string())))?;
    Ok(ReportMail {
        subject: fields.subject.clone(),
        text,
        html,
        csv_name: format!(
            "{}-{}.csv",
            report.kind.as_str(),
            run.scheduled_for.format("%Y%m%d")
        ),
        csv,
        chart_png: chart_png.map(|png| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(png)
        }),
    })
}

/// Runs due reports: each node's scheduler claims a due run in the database, so it happens
/// once; a run missed while every node was down happens once at start-up.
#[derive(Debug)]
pub struct Scheduler {
    pub store: SqlStore,
    pub clock: Arc<dyn Clock>,
    pub links: LinkSigner,
    pub wakeup: Wakeup,
}

impl Scheduler {
    /// Starts every due run; how many this node started.
    pub async fn run_once(&self) -> Result<usize> {
        let now = self.clock.now();
        let mut started = 0;
        let due = store::reports::due(&mut *self.store.read().await?, now, 50).await?;
        for (account, report) in due {
            let Some(due) = report.next_run_at else {
                continue;
            };
            let next = report.schedule.next_after(now.max(due));
            let start = period_start(&self.store, &account, &report, due).await?;
            let run = {
                let mut tx = self.store.write().await?;
                let run =
                    store::reports::start_run(&mut tx, &account, &report.id, due, start, next, now)
                        .await?;
                tx.commit().await?;
                run
            };
            if let Some(run) = run {
                if let Err(e) =
                    execute(&self.store, &self.links, &account, &report, &run, now).await
                {
                    tracing::warn!(error = %e, report = %report.id, "a report run failed");
                }
                started += 1;
            }
        }
        if started > 0 {
            self.wakeup.wake();
        }
        Ok(started)
    }

    /// Runs until the process ends, looking for due reports every 15 seconds.
    pub async fn run(self) {
        loop {
            if let Err(e) = self.run_once().await {
                tracing::warn!(error = %e, "the report scheduler failed");
            }
            tokio::time::sleep(std::time::Duration::from_secs(15)).await;
        }
    }
}

/// Alerts per day of the period, in the recipient's zone: (day, all alerts, critical ones).
pub type DayCounts = Vec<(chrono::NaiveDate, i64, i64)>;

fn per_day(
    alerts: &[crate::store::Alert],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    zone: crate::domain::TimeZone,
) -> DayCounts {
    let tz = zone.tz();
    let (first, last) = (
        start.with_timezone(&tz).date_naive(),
        end.with_timezone(&tz).date_naive(),
    );
    let mut days: BTreeMap<chrono::NaiveDate, (i64, i64)> = BTreeMap::new();
    let mut day = first;
    while day <= last && days.len() < 62 {
        days.insert(day, (0, 0));
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    for a in alerts {
        let entry = days
            .entry(a.opened_at.with_timezone(&tz).date_naive())
            .or_default();
        entry.0 += 1;
        if a.severity == crate::domain::Severity::Critical {
            entry.1 += 1;
        }
    }
    days.into_iter().map(|(d, (n, c))| (d, n, c)).collect()
}

/// The chart of alerts per day as a PNG: all alerts in blue, the critical ones in red.
pub fn chart(
    days: &DayCounts,
    title: &str,
    critical_label: &str,
    all_label: &str,
) -> std::result::Result<Vec<u8>, String> {
    use plotters::prelude::*;
    static FONT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let font_ok = *FONT.get_or_init(|| {
        plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            include_bytes!("../assets/fonts/DejaVuSans.ttf"),
        )
        .is_ok()
    });
    if !font_ok {
        return Err("the chart font could not be loaded".into());
    }
    let (w, h) = (720_u32, 280_u32);
    let mut buffer = vec![255_u8; (w * h * 3) as usize];
    {
        let fail = |e: &dyn std::fmt::Display| e.to_string();
        let root = BitMapBackend::with_buffer(&mut buffer, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let top = days.iter().map(|d| d.1).max().unwrap_or(0).max(1);
        let n = days.len().max(1) as u32;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d((0..n).into_segmented(), 0..top + top / 5 + 1)
            .map_err(|e| fail(&e))?;
        let labels: Vec<String> = days
            .iter()
            .map(|d| d.0.format("%m-%d").to_string())
            .collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(days.len().min(14))
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(|e| fail(&e))?;
        let blue = RGBColor(31, 95, 191);
        let red = RGBColor(197, 34, 31);
        chart
            .draw_series(days.iter().enumerate().map(|(i, d)| {
                let x = i as u32;
                Rectangle::new(
                    [
                        (SegmentValue::Exact(x), 0),
                        (SegmentValue::Exact(x + 1), d.1),
                    ],
                    blue.filled(),
                )
            }))
            .map_err(|e| fail(&e))?
            .label(all_label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], blue.filled()));
        chart
            .draw_series(days.iter().enumerate().map(|(i, d)| {
                let x = i as u32;
                Rectangle::new(
                    [
                        (SegmentValue::Exact(x), 0),
                        (SegmentValue::Exact(x + 1), d.2),
                    ],
                    red.filled(),
                )
            }))
            .map_err(|e| fail(&e))?
            .label(critical_label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], red.filled()));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK.mix(0.2))
            .label_font(("sans-serif", 12))
            .draw()
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    let image =
        image::RgbImage::from_raw(w, h, buffer).ok_or("the chart buffer has the wrong size")?;
    let mut png = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageOutputFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(png.into_inner())
}
