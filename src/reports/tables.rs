//! The numbers of each report kind (alert summary, delivery summary, coverage) for one
//! recipient's companies and period: the [`Table`] a report email and its CSV show (its
//! escalation-policy sections come from `oncall`).

use super::alert_csv::{Csv, alert_rows};
use super::oncall::{coverage_section, pages_section};
use crate::domain::report::ReportKind;
use crate::domain::{AccountId, CompanyAccess, CompanyId, MethodType};
use crate::i18n::Tr;
use crate::store::{self, Result};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// A report's numbers: headers, rows, and lines said before and after.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub intro: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub notes: Vec<String>,
    /// Alerts per day, for the chart (alert summaries).
    pub days: Option<DayCounts>,
    /// The CSV attachment when it is not this table: the alert summary's one row per alert.
    pub csv: Option<Csv>,
    /// Titled lists after the notes, in the email only (never in its CSV): the alert
    /// summary's pages per person, the coverage report's on-call gaps.
    pub sections: Vec<Section>,
}

/// A titled list of lines a report email shows after its table and notes.
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub title: String,
    pub lines: Vec<String>,
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
pub(super) async fn build(
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
                csv: Some(alert_rows(&alerts, name_of, zone)),
                sections: pages_section(db, account, &ids, start, end, tr)
                    .await?
                    .into_iter()
                    .collect(),
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
                csv: None,
                sections: Vec::new(),
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
            // The policies' gaps from the run's time on (`end`: its scheduled time, or now).
            let sections = coverage_section(db, account, scope, end, tr, zone)
                .await?
                .into_iter()
                .collect();
            Ok(Table {
                days: None,
                csv: None,
                sections,
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
