//! The `generic` payload (SPEC §2 "Alerts in: integrations"), for anything that can POST JSON
//! or an HTML form: `summary` (required), `details`, `severity`, `dedup`, `action` (`close`
//! resolves, anything else fires); one alert per request keyed by `dedup`, else `summary`.
//! A JSON body may add a `labels` object (the alert's labels; the company is the label named
//! `company_label`, `labels.<name>`); a form has no labels and, for a field given twice, the
//! first value counts. Other fields are ignored.

use super::{Body, CompanyHint, Defaults, Incoming, NotTheFormat, as_text, severity_from_label};
use crate::domain::AlertStatus;
use serde_json::Value;
use std::collections::BTreeMap;

const EXPECTED: &str = "a generic alert: a JSON object or an HTML form with `summary` and \
    optionally `details`, `severity`, `dedup`, `action` (`close` resolves) and, in JSON, a \
    `labels` object";

pub(super) fn parse(body: Body<'_>, defaults: &Defaults) -> Result<Vec<Incoming>, NotTheFormat> {
    let (fields, labels) = match body {
        Body::Json(Value::Object(object)) => {
            let mut fields = Fields::default();
            for (name, slot) in fields.slots() {
                *slot = match object.get(name) {
                    None | Some(Value::Null) => None,
                    Some(value) => Some(
                        as_text(value).ok_or_else(|| wrong(&format!("`{name}` must be text")))?,
                    ),
                };
            }
            (fields, labels(object.get("labels"))?)
        }
        Body::Json(_) => return Err(wrong("the body is not an object")),
        Body::Form(pairs) => {
            let mut fields = Fields::default();
            for (name, slot) in fields.slots() {
                *slot = pairs
                    .iter()
                    .find(|(field, _)| field == name)
                    .map(|(_, value)| value.clone());
            }
            (fields, BTreeMap::new())
        }
    };
    let title = present(fields.summary).ok_or_else(|| wrong("`summary` is missing"))?;
    let status = match fields.action.as_deref().map(str::trim) {
        Some(action) if action.eq_ignore_ascii_case("close") => AlertStatus::Resolved,
        _ => AlertStatus::Firing,
    };
    let company = labels
        .get(&defaults.company_label)
        .filter(|value| !value.trim().is_empty())
        .map(|value| CompanyHint {
            value: value.clone(),
            field: format!("labels.{}", defaults.company_label),
        });
    Ok(vec![Incoming {
        key: present(fields.dedup).unwrap_or_else(|| title.clone()),
        status,
        severity: severity_from_label(fields.severity.as_deref(), defaults.default_severity),
        title,
        body: present(fields.details),
        labels,
        company,
    }])
}

/// The fields SPEC names, as sent.
#[derive(Default)]
struct Fields {
    summary: Option<String>,
    details: Option<String>,
    severity: Option<String>,
    dedup: Option<String>,
    action: Option<String>,
}

impl Fields {
    fn slots(&mut self) -> [(&'static str, &mut Option<String>); 5] {
        [
            ("summary", &mut self.summary),
            ("details", &mut self.details),
            ("severity", &mut self.severity),
            ("dedup", &mut self.dedup),
            ("action", &mut self.action),
        ]
    }
}

/// Trimmed, and `None` when blank.
fn present(value: Option<String>) -> Option<String> {
    value.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// `labels`: an object of text (numbers and booleans written out, nulls skipped).
fn labels(value: Option<&Value>) -> Result<BTreeMap<String, String>, NotTheFormat> {
    let object = match value {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::Object(object)) => object,
        Some(_) => return Err(wrong("`labels` must be an object of text values")),
    };
    let mut labels = BTreeMap::new();
    for (name, value) in object {
        if value.is_null() {
            continue;
        }
        let text = as_text(value).ok_or_else(|| wrong(&format!("`labels.{name}` must be text")))?;
        labels.insert(name.clone(), text);
    }
    Ok(labels)
}

fn wrong(detail: &str) -> NotTheFormat {
    NotTheFormat(format!("expected {EXPECTED}; {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Severity;
    use serde_json::json;

    const FULL: &str = include_str!("../../../tests/fixtures/integrations/generic/full.json");
    const MINIMAL: &str = include_str!("../../../tests/fixtures/integrations/generic/minimal.json");
    const CLOSE: &str = include_str!("../../../tests/fixtures/integrations/generic/close.json");

    fn json_body(fixture: &str, defaults: &Defaults) -> Result<Vec<Incoming>, NotTheFormat> {
        parse(
            Body::Json(&serde_json::from_str(fixture).unwrap()),
            defaults,
        )
    }

    fn form(pairs: &[(&str, &str)], defaults: &Defaults) -> Result<Vec<Incoming>, NotTheFormat> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        parse(Body::Form(&pairs), defaults)
    }

    fn alert(key: &str, status: AlertStatus, severity: Severity, title: &str) -> Incoming {
        Incoming {
            key: key.to_owned(),
            status,
            severity,
            title: title.to_owned(),
            body: None,
            labels: BTreeMap::new(),
            company: None,
        }
    }

    #[test]
    fn json_and_forms_become_one_alert_each() {
        let defaults = Defaults {
            default_severity: Severity::Info,
            company_label: "company".to_owned(),
        };
        let full = Incoming {
            body: Some(
                "Queue depth 1520 > 1000 for 10 minutes.\nRunbook: https://wiki.example/queues"
                    .to_owned(),
            ),
            labels: [
                ("company", "Acme"),
                ("env", "prod"),
                ("queue", "orders"),
                ("retries", "3"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            company: Some(CompanyHint {
                value: "Acme".to_owned(),
                field: "labels.company".to_owned(),
            }),
            ..alert(
                "orders-queue-depth",
                AlertStatus::Firing,
                Severity::Critical,
                "Orders queue is backing up",
            )
        };
        let close = Incoming {
            status: AlertStatus::Resolved,
            severity: Severity::Info,
            body: None,
            labels: BTreeMap::new(),
            company: None,
            ..full.clone()
        };
        let minimal = alert(
            "Backup failed on nas-01",
            AlertStatus::Firing,
            Severity::Info,
            "Backup failed on nas-01",
        );
        let table = [
            (json_body(FULL, &defaults), full),
            (json_body(CLOSE, &defaults), close),
            (json_body(MINIMAL, &defaults), minimal.clone()),
            (
                form(
                    &[
                        ("summary", " Disk full "),
                        ("details", "/var at 99%"),
                        ("severity", "WARN"),
                        ("dedup", "disk-var"),
                        ("action", "trigger"),
                        ("company", "Acme"),
                    ],
                    &defaults,
                ),
                Incoming {
                    body: Some("/var at 99%".to_owned()),
                    ..alert(
                        "disk-var",
                        AlertStatus::Firing,
                        Severity::Warning,
                        "Disk full",
                    )
                },
            ),
            (
                form(
                    &[
                        ("summary", "Disk full"),
                        ("action", "Close"),
                        ("action", "trigger"),
                        ("severity", "p9"),
                        ("dedup", " "),
                        ("details", ""),
                    ],
                    &defaults,
                ),
                alert(
                    "Disk full",
                    AlertStatus::Resolved,
                    Severity::Info,
                    "Disk full",
                ),
            ),
            (
                json_body(
                    r#"{"summary": 404, "dedup": 17, "severity": null, "action": true,
                    "details": " ", "labels": {"company": " ", "ok": false, "gone": null}}"#,
                    &defaults,
                ),
                Incoming {
                    labels: [("company", " "), ("ok", "false")]
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect(),
                    ..alert("17", AlertStatus::Firing, Severity::Info, "404")
                },
            ),
        ];
        for (got, want) in table {
            assert_eq!(got, Ok(vec![want]));
        }
        let warning = Defaults::default();
        assert_eq!(
            json_body(MINIMAL, &warning).unwrap()[0].severity,
            Severity::Warning
        );
    }

    #[test]
    fn malformed_bodies_are_not_the_format() {
        let json_table: &[(Value, &str)] = &[
            (Value::Null, "not an object"),
            (json!("summary=x"), "not an object"),
            (json!([{"summary": "x"}]), "not an object"),
            (json!(12345678901234567890_u64), "not an object"),
            (json!({}), "`summary`"),
            (json!({"summary": null}), "`summary`"),
            (json!({"summary": "  "}), "`summary`"),
            (json!({"summary": {"text": "x"}}), "`summary`"),
            (json!({"summary": ["x"]}), "`summary`"),
            (json!({"summary": "x", "details": {}}), "`details`"),
            (
                json!({"summary": "x", "severity": ["critical"]}),
                "`severity`",
            ),
            (json!({"summary": "x", "dedup": {}}), "`dedup`"),
            (json!({"summary": "x", "action": ["close"]}), "`action`"),
            (
                json!({"summary": "x", "labels": "company=Acme"}),
                "`labels`",
            ),
            (
                json!({"summary": "x", "labels": [["company", "Acme"]]}),
                "`labels`",
            ),
            (
                json!({"summary": "x", "labels": {"company": {"name": "Acme"}}}),
                "`labels.company`",
            ),
        ];
        let form_table: &[&[(&str, &str)]] = &[
            &[],
            &[("Summary", "x")],
            &[("summary", "")],
            &[("details", "x")],
        ];
        let got = json_table
            .iter()
            .map(|(body, names)| (parse(Body::Json(body), &Defaults::default()), *names))
            .chain(
                form_table
                    .iter()
                    .map(|pairs| (form(pairs, &Defaults::default()), "`summary`")),
            );
        for (got, names) in got {
            match got {
                Err(NotTheFormat(message)) => {
                    assert!(message.contains(names), "{message}");
                    assert!(message.contains("a generic alert"), "{message}");
                }
                Ok(got) => panic!("read as {got:?}"),
            }
        }
    }
}
