//! The `grafana` payload (SPEC §2 "Alerts in: integrations"). A body with an `alerts` array is
//! Grafana Alerting's webhook, version 1: the Alertmanager shape, read item by item exactly as
//! `alertmanager` reads it (Grafana's extras — top-level `title`, `state`, `message`, `orgId`,
//! and per item `values`, `valueString`, `silenceURL`, … — are ignored). A body without is the
//! legacy (dashboard) alerting webhook (`pkg/services/alerting/notifiers/webhook.go`): one
//! alert for the whole body.

use super::alertmanager::{company_hint, read_alerts, string_map, text};
use super::{Defaults, Incoming, NotTheFormat};
use crate::domain::AlertStatus;
use serde_json::{Map, Value};

const EXPECTED: &str = "a Grafana webhook body: version 1 with an `alerts` array, or the legacy \
                        one with `state` and `ruleId` or `ruleName`";
const VERSION_1: &str = "a Grafana alerting webhook body (version 1)";

/// The title of a legacy alert with neither `ruleName` nor `title`.
const NO_TITLE: &str = "Alert";

pub(super) fn parse(body: &Value, defaults: &Defaults) -> Result<Vec<Incoming>, NotTheFormat> {
    let Value::Object(body) = body else {
        return Err(NotTheFormat(EXPECTED.to_owned()));
    };
    match body.get("alerts") {
        Some(Value::Array(alerts)) => read_alerts(alerts, defaults, VERSION_1),
        // An `alerts` that is not an array is a broken version 1 body, not a legacy one.
        Some(_) => Err(NotTheFormat(format!(
            "{VERSION_1}: `alerts` must be an array"
        ))),
        None => legacy(body, defaults),
    }
}

/// The legacy body: key `ruleId` (as text), else `ruleName`; `state` `alerting`/`no_data` →
/// firing, `ok` → resolved; severity the integration's default; title `ruleName`, else
/// `title`, else "Alert"; body `message`; labels the rule's `tags`, the company hint
/// `tags.<company_label>`.
fn legacy(body: &Map<String, Value>, defaults: &Defaults) -> Result<Vec<Incoming>, NotTheFormat> {
    let wrong = |what: &str| NotTheFormat(format!("{EXPECTED}: {what}"));
    let state = body
        .get("state")
        .and_then(Value::as_str)
        .map(|s| s.trim().to_lowercase());
    let status = match state.as_deref() {
        Some("alerting" | "no_data") => AlertStatus::Firing,
        Some("ok") => AlertStatus::Resolved,
        // The other states Grafana documents are not alerts: `pending` (the condition holds
        // but not yet for the rule's `for` time) and `paused` (the rule was switched off).
        // Nothing to open or close; the request is accepted with no alert.
        Some("pending" | "paused") => return Ok(Vec::new()),
        _ => {
            return Err(wrong(
                "`state` must be `alerting`, `no_data`, `ok`, `pending` or `paused`",
            ));
        }
    };
    let key = text(body.get("ruleId"))
        .or_else(|| text(body.get("ruleName")))
        .ok_or_else(|| wrong("`ruleId` or `ruleName` is required"))?;
    let labels =
        string_map(body.get("tags")).ok_or_else(|| wrong("`tags` must be an object of strings"))?;
    let title = text(body.get("ruleName"))
        .or_else(|| text(body.get("title")))
        .unwrap_or_else(|| NO_TITLE.to_owned());
    Ok(vec![Incoming {
        key,
        status,
        severity: defaults.default_severity,
        title,
        body: text(body.get("message")),
        company: company_hint(&labels, &defaults.company_label, "tags"),
        labels,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Severity;
    use crate::domain::integration::CompanyHint;
    use serde_json::json;
    use std::collections::BTreeMap;

    const V1: &str =
        include_str!("../../../tests/fixtures/integrations/grafana/v1_two_alerts.json");
    const ALERTING: &str =
        include_str!("../../../tests/fixtures/integrations/grafana/legacy_alerting.json");
    const OK: &str = include_str!("../../../tests/fixtures/integrations/grafana/legacy_ok.json");

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn fixture(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    fn hint(value: &str, field: &str) -> Option<CompanyHint> {
        Some(CompanyHint {
            value: value.to_owned(),
            field: field.to_owned(),
        })
    }

    #[test]
    fn reads_the_documented_bodies() {
        let disk = |status: AlertStatus,
                    body: Option<&str>,
                    labels: BTreeMap<String, String>,
                    company: Option<CompanyHint>| Incoming {
            key: "17".to_owned(),
            status,
            severity: Severity::Info,
            title: "Disk usage high".to_owned(),
            body: body.map(str::to_owned),
            labels,
            company,
        };
        let message = "Disk usage on srv-12 is above 90%. Free some space or grow the volume.";
        let table: Vec<(&str, Vec<Incoming>)> = vec![
            (
                V1,
                vec![
                    Incoming {
                        key: "7c0f5e2a9b1d4e63".to_owned(),
                        status: AlertStatus::Firing,
                        severity: Severity::Critical,
                        title: "High memory usage in zone eu-1".to_owned(),
                        body: Some("Memory usage on the eu-1 web nodes is above 90%".to_owned()),
                        labels: labels(&[
                            ("alertname", "High memory usage"),
                            ("company", "Acme"),
                            ("severity", "Critical"),
                            ("team", "ops"),
                            ("zone", "eu-1"),
                        ]),
                        company: hint("Acme", "alerts[0].labels.company"),
                    },
                    Incoming {
                        key: "e41b9a07c3d25f18".to_owned(),
                        status: AlertStatus::Resolved,
                        severity: Severity::Info,
                        title: "High CPU usage".to_owned(),
                        body: None,
                        labels: labels(&[
                            ("alertname", "High CPU usage"),
                            ("team", "ops"),
                            ("zone", "us-1"),
                        ]),
                        company: None,
                    },
                ],
            ),
            (
                ALERTING,
                vec![disk(
                    AlertStatus::Firing,
                    Some(message),
                    labels(&[("company", "Acme"), ("team", "ops")]),
                    hint("Acme", "tags.company"),
                )],
            ),
            (
                OK,
                vec![disk(
                    AlertStatus::Resolved,
                    Some(message),
                    BTreeMap::new(),
                    None,
                )],
            ),
        ];
        let defaults = Defaults {
            default_severity: Severity::Info,
            ..Defaults::default()
        };
        for (text, want) in table {
            assert_eq!(parse(&fixture(text), &defaults), Ok(want), "{text}");
        }
    }

    #[test]
    fn legacy_fields_fall_back() {
        // (body, key, status, title, message)
        type Row = (
            Value,
            &'static str,
            AlertStatus,
            &'static str,
            Option<&'static str>,
        );
        let table: Vec<Row> = vec![
            (
                json!({"state": "no_data", "ruleId": "7", "ruleName": "r", "title": "t"}),
                "7",
                AlertStatus::Firing,
                "r",
                None,
            ),
            (
                json!({"state": "Alerting", "ruleId": null, "ruleName": "Load", "message": " "}),
                "Load",
                AlertStatus::Firing,
                "Load",
                None,
            ),
            (
                json!({"state": "ok", "ruleId": 0, "title": "[OK] x", "message": "m"}),
                "0",
                AlertStatus::Resolved,
                "[OK] x",
                Some("m"),
            ),
            (
                json!({"state": "ok", "ruleId": 12345678901234567890_u64}),
                "12345678901234567890",
                AlertStatus::Resolved,
                "Alert",
                None,
            ),
        ];
        for (body, key, status, title, text) in table {
            let got = parse(&body, &Defaults::default()).unwrap();
            let got = &got[..];
            let [got] = got else {
                panic!("{body}: {got:?}");
            };
            assert_eq!(
                (got.key.as_str(), got.status, got.title.as_str()),
                (key, status, title),
                "{body}"
            );
            assert_eq!(got.body.as_deref(), text, "{body}");
            assert_eq!(got.severity, Severity::Warning, "{body}");
        }
    }

    #[test]
    fn legacy_tags_are_the_labels() {
        let defaults = Defaults {
            company_label: "customer".to_owned(),
            ..Defaults::default()
        };
        let body = json!({"state": "alerting", "ruleId": 3, "ruleName": "r",
            "tags": {"customer": "Globex", "severity": "critical", "n": 2, "z": null}});
        let got = parse(&body, &defaults).unwrap();
        assert_eq!(
            got[0].labels,
            labels(&[("customer", "Globex"), ("n", "2"), ("severity", "critical")])
        );
        assert_eq!(got[0].company, hint("Globex", "tags.customer"));
        // Legacy: the integration's default, whatever the tags say (SPEC).
        assert_eq!(got[0].severity, Severity::Warning);
    }

    #[test]
    fn pending_and_paused_are_no_alert() {
        for state in ["pending", "paused", " PAUSED "] {
            let body = json!({"state": state, "ruleId": 1, "ruleName": "r"});
            assert_eq!(parse(&body, &Defaults::default()), Ok(vec![]), "{state}");
        }
        let empty = json!({"alerts": [], "state": "alerting", "title": "x"});
        assert_eq!(parse(&empty, &Defaults::default()), Ok(vec![]));
    }

    #[test]
    fn other_bodies_are_not_the_format() {
        let table: Vec<(Value, &str)> = vec![
            (Value::Null, EXPECTED),
            (json!("state"), EXPECTED),
            (json!(1e300), EXPECTED),
            (json!([{"state": "alerting"}]), EXPECTED),
            (json!({}), "`state` must be"),
            (json!({"ruleId": 1, "ruleName": "r"}), "`state` must be"),
            (json!({"state": "firing", "ruleId": 1}), "`state` must be"),
            (json!({"state": 1, "ruleId": 1}), "`state` must be"),
            (
                json!({"state": "alerting"}),
                "`ruleId` or `ruleName` is required",
            ),
            (
                json!({"state": "ok", "ruleId": {}, "ruleName": ""}),
                "`ruleId` or `ruleName` is required",
            ),
            (
                json!({"state": "ok", "ruleId": 1, "tags": ["a"]}),
                "`tags` must be an object",
            ),
            (json!({"alerts": null}), "`alerts` must be an array"),
            (json!({"alerts": {"0": {}}}), "`alerts` must be an array"),
            (json!({"alerts": [7]}), "`alerts[0]` must be an object"),
            (
                json!({"alerts": [{"status": "pending", "fingerprint": "f"}]}),
                "`alerts[0].status` must be `firing` or `resolved`",
            ),
            (
                json!({"alerts": [{"status": "firing", "fingerprint": "f", "labels": 1}]}),
                "`alerts[0].labels` must be an object",
            ),
        ];
        for (body, want) in table {
            let Err(NotTheFormat(message)) = parse(&body, &Defaults::default()) else {
                panic!("{body} was read");
            };
            assert!(message.contains(want), "{body}: {message}");
        }
        let Err(NotTheFormat(message)) = parse(&json!({"alerts": [1]}), &Defaults::default())
        else {
            panic!("read");
        };
        assert!(message.starts_with(VERSION_1), "{message}");
    }
}
