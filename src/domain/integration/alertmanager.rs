//! The `alertmanager` payload (SPEC §2 "Alerts in: integrations"): Prometheus Alertmanager's
//! `webhook_config` body, version 4 (`Message` in Alertmanager's `notify/webhook/webhook.go`),
//! one alert per item of `alerts[]`. Grafana's version 1 body has the same items, so `grafana`
//! reads them through [`read_alerts`] and the rule is written once.
//!
//! The top level (`version`, `groupKey`, `truncatedAlerts`, `groupLabels`, …) carries nothing
//! an alert needs and is not checked, so a later version with the same items still works.

use super::{CompanyHint, Defaults, Incoming, NotTheFormat, as_text, severity_from_label};
use crate::domain::AlertStatus;
use serde_json::Value;
use std::collections::BTreeMap;

const EXPECTED: &str = "an Alertmanager webhook body (version 4) with an `alerts` array";

/// The title of an alert with neither a `summary` annotation nor an `alertname` label.
const NO_TITLE: &str = "Alert";

pub(super) fn parse(body: &Value, defaults: &Defaults) -> Result<Vec<Incoming>, NotTheFormat> {
    match body.get("alerts") {
        Some(Value::Array(alerts)) => read_alerts(alerts, defaults, EXPECTED),
        _ => Err(NotTheFormat(EXPECTED.to_owned())),
    }
}

/// The items of an Alertmanager-shaped `alerts` array (Alertmanager's version 4, Grafana's
/// version 1), one [`Incoming`] each, in order; `format` names the body in errors.
///
/// - key: `fingerprint`; without one, the fingerprint Alertmanager itself computes from the
///   item's labels ([`fingerprint`]), so a later body that carries it is the same alert;
/// - status: `status`, `firing` or `resolved` (anything else names `alerts[i].status`);
/// - severity: label `severity`, else the integration's default;
/// - title: annotation `summary`, else label `alertname`, else "Alert"; body: annotation
///   `description` (blank values count as missing);
/// - labels: the item's labels; the company hint: label `company_label`, when not blank
///   (Prometheus treats an empty label as an absent one).
pub(super) fn read_alerts(
    alerts: &[Value],
    defaults: &Defaults,
    format: &str,
) -> Result<Vec<Incoming>, NotTheFormat> {
    alerts
        .iter()
        .enumerate()
        .map(|(i, item)| read_item(&format!("alerts[{i}]"), item, defaults, format))
        .collect()
}

fn read_item(
    path: &str,
    item: &Value,
    defaults: &Defaults,
    format: &str,
) -> Result<Incoming, NotTheFormat> {
    let wrong = |field: &str, what: &str| NotTheFormat(format!("{format}: `{path}{field}` {what}"));
    let Value::Object(item) = item else {
        return Err(wrong("", "must be an object"));
    };
    let status = item
        .get("status")
        .and_then(Value::as_str)
        .and_then(|s| AlertStatus::parse(s).ok())
        .ok_or_else(|| wrong(".status", "must be `firing` or `resolved`"))?;
    let labels = string_map(item.get("labels"))
        .ok_or_else(|| wrong(".labels", "must be an object of strings"))?;
    let annotations = string_map(item.get("annotations"))
        .ok_or_else(|| wrong(".annotations", "must be an object of strings"))?;
    let key = match text(item.get("fingerprint")) {
        Some(key) => key,
        None if labels.is_empty() => {
            return Err(wrong(
                ".fingerprint",
                "is required for an alert without labels",
            ));
        }
        None => fingerprint(&labels),
    };
    let title = present(annotations.get("summary"))
        .or_else(|| present(labels.get("alertname")))
        .unwrap_or(NO_TITLE)
        .to_owned();
    Ok(Incoming {
        key,
        status,
        severity: severity_from_label(
            labels.get("severity").map(String::as_str),
            defaults.default_severity,
        ),
        title,
        body: present(annotations.get("description")).map(str::to_owned),
        company: company_hint(&labels, &defaults.company_label, &format!("{path}.labels")),
        labels,
    })
}

/// A JSON object of labels (or annotations, or Grafana's legacy `tags`) as text: strings as
/// they are, numbers and booleans written out, nulls (and nested values) skipped. Missing or
/// `null` is no labels; anything but an object is `None`, not the format.
pub(super) fn string_map(value: Option<&Value>) -> Option<BTreeMap<String, String>> {
    match value {
        None | Some(Value::Null) => Some(BTreeMap::new()),
        Some(Value::Object(map)) => Some(
            map.iter()
                .filter_map(|(name, value)| Some((name.clone(), as_text(value)?)))
                .collect(),
        ),
        Some(_) => None,
    }
}

/// A field's value as text ([`as_text`]), unless missing or blank.
pub(super) fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(as_text).filter(|s| !s.trim().is_empty())
}

fn present(value: Option<&String>) -> Option<&str> {
    value.map(String::as_str).filter(|s| !s.trim().is_empty())
}

/// The company label's value, when the alert has it and it is not blank; `field` is where it
/// sits in the body (`alerts[2].labels`, `tags`), for the 422 that names it.
pub(super) fn company_hint(
    labels: &BTreeMap<String, String>,
    company_label: &str,
    field: &str,
) -> Option<CompanyHint> {
    present(labels.get(company_label)).map(|value| CompanyHint {
        value: value.to_owned(),
        field: format!("{field}.{company_label}"),
    })
}

/// Alertmanager's own fingerprint of a label set (prometheus/common `model/signature.go`,
/// `labelSetToFingerprint`): FNV-1a 64 over the names in byte order, each name and value
/// followed by the byte 255, written as 16 hex digits. Bounded in length, unlike the labels.
fn fingerprint(labels: &BTreeMap<String, String>) -> String {
    const OFFSET: u64 = 14_695_981_039_346_656_037;
    const PRIME: u64 = 1_099_511_628_211;
    let mut hash = OFFSET;
    for (name, value) in labels {
        for byte in name.bytes().chain([255]).chain(value.bytes()).chain([255]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Severity;
    use serde_json::json;

    const GROUP: &str =
        include_str!("../../../tests/fixtures/integrations/alertmanager/firing_and_resolved.json");
    const NO_ALERTS: &str =
        include_str!("../../../tests/fixtures/integrations/alertmanager/no_alerts.json");

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn hint(value: &str, field: &str) -> Option<CompanyHint> {
        Some(CompanyHint {
            value: value.to_owned(),
            field: field.to_owned(),
        })
    }

    #[test]
    fn reads_every_alert_of_a_documented_group() {
        let want = vec![
            Incoming {
                key: "a2eade6bbfc2330f".to_owned(),
                status: AlertStatus::Firing,
                severity: Severity::Critical,
                title: "Disk /var on srv-12 is 95% full".to_owned(),
                body: Some("Free space on /var has been under 5% for 10 minutes.".to_owned()),
                labels: labels(&[
                    ("alertname", "DiskFull"),
                    ("company", "Acme"),
                    ("instance", "srv-12:9100"),
                    ("job", "node"),
                    ("mountpoint", "/var"),
                    ("severity", "critical"),
                ]),
                company: hint("Acme", "alerts[0].labels.company"),
            },
            Incoming {
                key: "d0a6434abe463994".to_owned(),
                status: AlertStatus::Resolved,
                severity: Severity::Warning,
                title: "Disk / on srv-07 is 85% full".to_owned(),
                body: None,
                labels: labels(&[
                    ("alertname", "DiskFull"),
                    ("instance", "srv-07:9100"),
                    ("job", "node"),
                    ("mountpoint", "/"),
                    ("severity", "warning"),
                ]),
                company: None,
            },
            Incoming {
                key: "b725dae97973d0a9".to_owned(),
                status: AlertStatus::Firing,
                severity: Severity::Info,
                title: "NodeExporterDown".to_owned(),
                body: None,
                labels: labels(&[
                    ("alertname", "NodeExporterDown"),
                    ("instance", "srv-31:9100"),
                    ("job", "node"),
                ]),
                company: None,
            },
        ];
        let defaults = Defaults {
            default_severity: Severity::Info,
            ..Defaults::default()
        };
        assert_eq!(
            parse(&serde_json::from_str(GROUP).unwrap(), &defaults),
            Ok(want)
        );
    }

    #[test]
    fn a_body_without_alerts_is_a_test_request() {
        assert_eq!(
            parse(
                &serde_json::from_str(NO_ALERTS).unwrap(),
                &Defaults::default()
            ),
            Ok(vec![])
        );
    }

    #[test]
    fn the_company_label_is_the_integrations() {
        let defaults = Defaults {
            company_label: "customer".to_owned(),
            ..Defaults::default()
        };
        let body = json!({"alerts": [
            {"status": "firing", "fingerprint": "1", "labels": {"company": "Acme"}},
            {"status": "firing", "fingerprint": "2", "labels": {"customer": "  "}},
            {"status": "firing", "fingerprint": "3", "labels": {"customer": "Globex"}},
        ]});
        let hints: Vec<_> = parse(&body, &defaults)
            .unwrap()
            .into_iter()
            .map(|alert| alert.company)
            .collect();
        assert_eq!(
            hints,
            vec![None, None, hint("Globex", "alerts[2].labels.customer")]
        );
    }

    #[test]
    fn items_fall_back_field_by_field() {
        // (item, key, title, body, severity)
        type Row = (
            Value,
            &'static str,
            &'static str,
            Option<&'static str>,
            Severity,
        );
        let table: Vec<Row> = vec![
            (
                json!({"status": "firing", "fingerprint": "f1",
                       "labels": {"alertname": "Up", "severity": "PAGE"},
                       "annotations": {"summary": " ", "description": ""}}),
                "f1",
                "Up",
                None,
                Severity::Critical,
            ),
            (
                json!({"status": "resolved", "fingerprint": 42, "labels": {"severity": "p4"}}),
                "42",
                "Alert",
                None,
                Severity::Info,
            ),
            (
                json!({"status": " firing ", "fingerprint": "",
                       "labels": {"name": "garland, briggs", "fear": "love is not enough"},
                       "annotations": {"description": "d"}}),
                "507a62d79ee76c9a",
                "Alert",
                Some("d"),
                Severity::Warning,
            ),
        ];
        for (item, key, title, body, severity) in table {
            let got = parse(&json!({"alerts": [item]}), &Defaults::default()).unwrap();
            let got = &got[0];
            assert_eq!(
                (got.key.as_str(), got.title.as_str(), got.body.as_deref()),
                (key, title, body),
                "{item}"
            );
            assert_eq!(got.severity, severity, "{item}");
        }
    }

    #[test]
    fn labels_become_text_and_nulls_are_skipped() {
        let body = json!({"alerts": [{"status": "firing", "fingerprint": "f",
            "labels": {"a": "x", "n": 3, "big": 1e300, "b": true, "z": null, "o": {"k": 1}}}]});
        let got = parse(&body, &Defaults::default()).unwrap();
        assert_eq!(
            got[0].labels,
            labels(&[("a", "x"), ("b", "true"), ("big", "1e+300"), ("n", "3")])
        );
    }

    #[test]
    fn the_fallback_key_is_alertmanagers_fingerprint() {
        // prometheus/common `model/signature_test.go` and the fixture's own items.
        let table: &[(&[(&str, &str)], &str)] = &[
            (&[], "cbf29ce484222325"),
            (
                &[("name", "garland, briggs"), ("fear", "love is not enough")],
                "507a62d79ee76c9a", // 5799056148416392346
            ),
            (&[("first-label", "first-label-value")], "476b44f5db3e21f9"),
            (
                &[
                    ("alertname", "NodeExporterDown"),
                    ("instance", "srv-31:9100"),
                    ("job", "node"),
                ],
                "b725dae97973d0a9",
            ),
        ];
        for (pairs, want) in table {
            assert_eq!(fingerprint(&labels(pairs)), *want, "{pairs:?}");
        }
    }

    #[test]
    fn other_bodies_are_not_the_format() {
        // [body, what the message says after EXPECTED]
        let table: Vec<(Value, String)> = serde_json::from_str(include_str!(
            "../../../tests/fixtures/integrations/alertmanager/not_the_format.json"
        ))
        .unwrap();
        for (body, want) in table {
            let Err(NotTheFormat(message)) = parse(&body, &Defaults::default()) else {
                panic!("{body} was read");
            };
            assert!(message.starts_with(EXPECTED), "{body}: {message}");
            assert!(message.contains(&want), "{body}: {message}");
        }
    }
}
