//! The alert summary's CSV attachment: one row per alert opened in the period, in SPEC's
//! columns (not the email's table, which counts them).

use chrono::{DateTime, Utc};

/// A CSV attachment's header row and rows.
#[derive(Debug, Clone, Default)]
pub struct Csv {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The alert summary's CSV columns (SPEC §2 "Scheduled reports").
pub const ALERT_CSV_COLUMNS: [&str; 8] = [
    "opened_at",
    "company",
    "key",
    "severity",
    "title",
    "status",
    "acknowledged_at",
    "resolved_at",
];

/// One row per alert opened in the period, times in RFC 3339 in the recipient's zone; raw
/// severity and status values, so the file reads the same in every language.
pub(super) fn alert_rows(
    alerts: &[crate::store::Alert],
    company: impl Fn(&str) -> String,
    zone: crate::domain::TimeZone,
) -> Csv {
    let time = |t: DateTime<Utc>| {
        t.with_timezone(&zone.tz())
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let rows = alerts
        .iter()
        .map(|a| {
            vec![
                time(a.opened_at),
                company(a.company_id.as_str()),
                a.key.clone(),
                a.severity.as_str().to_owned(),
                a.title.clone(),
                a.status.as_str().to_owned(),
                a.acknowledged_at.map(time).unwrap_or_default(),
                a.resolved_at.map(time).unwrap_or_default(),
            ]
        })
        .collect();
    Csv {
        headers: ALERT_CSV_COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AlertId, AlertStatus, CompanyId, Severity, TimeZone};
    use std::collections::BTreeMap;

    #[test]
    fn the_alert_csv_has_one_row_per_alert_in_specs_columns() {
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let alert = |key: &str, ack: Option<&str>, resolved: Option<&str>| crate::store::Alert {
            id: AlertId::from_string(key),
            company_id: CompanyId::from_string("nw"),
            key: key.to_owned(),
            severity: Severity::Critical,
            status: if resolved.is_some() {
                AlertStatus::Resolved
            } else {
                AlertStatus::Firing
            },
            title: format!("{key} down"),
            body: None,
            labels: BTreeMap::new(),
            opened_at: at("2026-11-25T08:00:00Z"),
            acknowledged_at: ack.map(at),
            acknowledged_by: None,
            resolved_at: resolved.map(at),
        };
        let zone = TimeZone::parse("Europe/Madrid").unwrap_or_else(|e| panic!("{e}"));
        let csv = alert_rows(
            &[
                alert(
                    "db",
                    Some("2026-11-25T08:05:00Z"),
                    Some("2026-11-25T09:00:30Z"),
                ),
                alert("web", None, None),
            ],
            |id| {
                if id == "nw" {
                    "Northwind".into()
                } else {
                    String::new()
                }
            },
            zone,
        );
        assert_eq!(
            csv.headers.join(","),
            "opened_at,company,key,severity,title,status,acknowledged_at,resolved_at"
        );
        let rows: Vec<String> = csv.rows.iter().map(|r| r.join(",")).collect();
        assert_eq!(
            rows,
            [
                "2026-11-25T09:00:00+01:00,Northwind,db,critical,db down,resolved,2026-11-25T09:05:00+01:00,2026-11-25T10:00:30+01:00",
                "2026-11-25T09:00:00+01:00,Northwind,web,critical,web down,firing,,",
            ]
        );
    }
}
