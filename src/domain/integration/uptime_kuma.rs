//! The `uptime_kuma` payload (SPEC §2 "Alerts in: integrations"): Uptime Kuma's webhook
//! notification with the `application/json` body, `{"heartbeat", "monitor", "msg"}`
//! (`server/notification-providers/webhook.js`), one alert per request keyed by `monitor.id`.
//! `heartbeat.status` 0 (down) fires and 1 (up) resolves, always critical; 2 (pending) and 3
//! (maintenance) change nothing. A message without a heartbeat — the Test button's
//! (`"<name> Testing"`, `heartbeat` and `monitor` null) or a certificate-expiry notice —
//! carries no alert. Labels: the monitor's tags (a tag given twice: its distinct values joined
//! with ", "), then `monitor_type`, `monitor_url` and `monitor_hostname`; the company is the
//! tag named `company_label`, `monitor.tags[i].value`.

use super::{CompanyHint, Defaults, Incoming, NotTheFormat, as_text};
use crate::domain::{AlertStatus, Severity};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

const EXPECTED: &str = "an Uptime Kuma webhook body (Request Body \"application/json\"): a JSON \
    object with `heartbeat`, `monitor` and `msg`";

pub(super) fn parse(body: &Value, defaults: &Defaults) -> Result<Vec<Incoming>, NotTheFormat> {
    let Value::Object(fields) = body else {
        return Err(wrong("the body is not an object"));
    };
    let msg = match fields.get("msg") {
        Some(Value::String(msg)) => msg.trim(),
        _ => return Err(wrong("`msg` must be text")),
    };
    let heartbeat = match fields.get("heartbeat") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(heartbeat)) => heartbeat,
        Some(_) => return Err(wrong("`heartbeat` must be an object or null")),
    };
    let status = match heartbeat.get("status").and_then(as_text).as_deref() {
        Some("0") => AlertStatus::Firing,
        Some("1") => AlertStatus::Resolved,
        Some("2" | "3") => return Ok(Vec::new()),
        _ => return Err(wrong("`heartbeat.status` must be 0, 1, 2 or 3")),
    };
    let Some(Value::Object(monitor)) = fields.get("monitor") else {
        return Err(wrong(
            "`monitor` must be an object when `heartbeat` is given",
        ));
    };
    let key = required(monitor, "id")?;
    let title = required(monitor, "name")?;
    let (mut labels, company) = tags(monitor.get("tags"), &defaults.company_label)?;
    for (label, field) in [
        ("monitor_type", "type"),
        ("monitor_url", "url"),
        ("monitor_hostname", "hostname"),
    ] {
        let value = monitor.get(field).and_then(as_text);
        let value = value.as_deref().map(str::trim).unwrap_or_default();
        // A monitor that is not an HTTP one keeps the form's placeholder URL.
        if !matches!(value, "" | "https://" | "http://") {
            labels.insert(label.to_owned(), value.to_owned());
        }
    }
    Ok(vec![Incoming {
        key,
        status,
        severity: Severity::Critical,
        title,
        body: Some(msg.to_owned()).filter(|msg| !msg.is_empty()),
        labels,
        company,
    }])
}

/// `monitor.<field>` as non-blank text.
fn required(monitor: &Map<String, Value>, field: &str) -> Result<String, NotTheFormat> {
    monitor
        .get(field)
        .and_then(as_text)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| wrong(&format!("`monitor.{field}` is missing")))
}

/// The monitor's tags (`[{"name", "value", …}]`) as labels, and the company tag's value.
fn tags(
    value: Option<&Value>,
    company_label: &str,
) -> Result<(BTreeMap<String, String>, Option<CompanyHint>), NotTheFormat> {
    let items = match value {
        None | Some(Value::Null) => return Ok((BTreeMap::new(), None)),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(wrong("`monitor.tags` must be an array")),
    };
    let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut company_at = None;
    for (i, item) in items.iter().enumerate() {
        let name = item
            .get("name")
            .and_then(as_text)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| wrong(&format!("`monitor.tags[{i}].name` must be a tag name")))?;
        let value = match item.get("value") {
            None | Some(Value::Null) => String::new(),
            Some(v) => as_text(v)
                .map(|s| s.trim().to_owned())
                .ok_or_else(|| wrong(&format!("`monitor.tags[{i}].value` must be text")))?,
        };
        if name == company_label && !value.is_empty() && company_at.is_none() {
            company_at = Some(i);
        }
        let values = grouped.entry(name).or_default();
        if !values.contains(&value) {
            values.push(value);
        }
    }
    let labels: BTreeMap<String, String> = grouped
        .into_iter()
        .map(|(name, values)| {
            let values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
            (name, values.join(", "))
        })
        .collect();
    let company = company_at.and_then(|i| {
        labels.get(company_label).map(|value| CompanyHint {
            value: value.clone(),
            field: format!("monitor.tags[{i}].value"),
        })
    });
    Ok((labels, company))
}

fn wrong(detail: &str) -> NotTheFormat {
    NotTheFormat(format!("expected {EXPECTED}; {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DIR: &str = "../../../tests/fixtures/integrations/uptime_kuma";
    const DOWN: &str = include_str!("../../../tests/fixtures/integrations/uptime_kuma/down.json");
    const UP: &str = include_str!("../../../tests/fixtures/integrations/uptime_kuma/up.json");
    const PORT_DOWN: &str =
        include_str!("../../../tests/fixtures/integrations/uptime_kuma/port_down.json");
    const PENDING: &str =
        include_str!("../../../tests/fixtures/integrations/uptime_kuma/pending.json");
    const MAINTENANCE: &str =
        include_str!("../../../tests/fixtures/integrations/uptime_kuma/maintenance.json");
    const TEST: &str = include_str!("../../../tests/fixtures/integrations/uptime_kuma/test.json");
    const CERT_EXPIRY: &str =
        include_str!("../../../tests/fixtures/integrations/uptime_kuma/cert_expiry.json");

    fn read(fixture: &str) -> Result<Vec<Incoming>, NotTheFormat> {
        parse(
            &serde_json::from_str(fixture).unwrap(),
            &Defaults::default(),
        )
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn down_fires_and_up_resolves_one_alert_per_monitor() {
        let down = Incoming {
            key: "12".to_owned(),
            status: AlertStatus::Firing,
            severity: Severity::Critical,
            title: "Shop API".to_owned(),
            body: Some("[Shop API] [🔴 Down] Request failed with status code 503".to_owned()),
            labels: labels(&[
                ("company", "Acme"),
                ("env", "prod, eu"),
                ("monitor_type", "http"),
                ("monitor_url", "https://shop.example.com/health"),
            ]),
            company: Some(CompanyHint {
                value: "Acme".to_owned(),
                field: "monitor.tags[1].value".to_owned(),
            }),
        };
        let up = Incoming {
            status: AlertStatus::Resolved,
            body: Some("[Shop API] [✅ Up] 200 - OK".to_owned()),
            ..down.clone()
        };
        let port_down = Incoming {
            key: "31".to_owned(),
            title: "Mail relay".to_owned(),
            body: Some("[Mail relay] [🔴 Down] connect ECONNREFUSED 10.0.0.25:25".to_owned()),
            labels: labels(&[
                ("monitor_hostname", "10.0.0.25"),
                ("monitor_type", "port"),
                ("team", ""),
            ]),
            company: None,
            ..down.clone()
        };
        let table = [(DOWN, down), (UP, up), (PORT_DOWN, port_down)];
        for (fixture, want) in table {
            assert_eq!(read(fixture), Ok(vec![want]));
        }
    }

    #[test]
    fn pending_maintenance_tests_and_notices_carry_no_alert() {
        for (name, fixture) in [
            ("pending", PENDING),
            ("maintenance", MAINTENANCE),
            ("test", TEST),
            ("cert_expiry", CERT_EXPIRY),
        ] {
            assert_eq!(read(fixture), Ok(vec![]), "{DIR}/{name}.json");
        }
    }

    #[test]
    fn the_company_tag_is_the_configured_one() {
        let defaults = Defaults {
            default_severity: Severity::Info,
            company_label: "customer".to_owned(),
        };
        let body = json!({"msg": "m", "heartbeat": {"status": "0"},
            "monitor": {"id": "7", "name": "n", "tags": [
                {"name": "customer", "value": null}, {"name": "company", "value": "Acme"},
                {"name": "customer", "value": 42}]}});
        let got = parse(&body, &defaults).unwrap();
        assert_eq!(got[0].severity, Severity::Critical, "never the default");
        assert_eq!(
            got[0].company,
            Some(CompanyHint {
                value: "42".to_owned(),
                field: "monitor.tags[2].value".to_owned()
            })
        );
        assert_eq!(
            got[0].labels,
            labels(&[("company", "Acme"), ("customer", "42")])
        );
        assert_eq!(got[0].body.as_deref(), Some("m"));
    }

    #[test]
    fn malformed_bodies_are_not_the_format() {
        let monitor = json!({"id": 1, "name": "n"});
        let table: &[(Value, &str)] = &[
            (Value::Null, "not an object"),
            (json!("down"), "not an object"),
            (json!([{"msg": "m"}]), "not an object"),
            (json!({}), "`msg`"),
            (
                json!({"msg": null, "heartbeat": null, "monitor": null}),
                "`msg`",
            ),
            (
                json!({"msg": 5, "heartbeat": {"status": 0}, "monitor": monitor}),
                "`msg`",
            ),
            (
                json!({"msg": "m", "heartbeat": "down", "monitor": monitor}),
                "`heartbeat`",
            ),
            (
                json!({"msg": "m", "heartbeat": [], "monitor": monitor}),
                "`heartbeat`",
            ),
            (
                json!({"msg": "m", "heartbeat": {}, "monitor": monitor}),
                "`heartbeat.status`",
            ),
            (
                json!({"msg": "m", "heartbeat": {"status": 4}, "monitor": monitor}),
                "`heartbeat.status`",
            ),
            (
                json!({"msg": "m", "heartbeat": {"status": -1}, "monitor": monitor}),
                "`heartbeat.status`",
            ),
            (
                json!({"msg": "m", "heartbeat": {"status": 1e300}, "monitor": monitor}),
                "`heartbeat.status`",
            ),
            (
                json!({"msg": "m", "heartbeat": {"status": "DOWN"}, "monitor": monitor}),
                "`heartbeat.status`",
            ),
            (json!({"msg": "m", "heartbeat": {"status": 0}}), "`monitor`"),
            (
                json!({"msg": "m", "heartbeat": {"status": 0}, "monitor": null}),
                "`monitor`",
            ),
            (
                json!({"msg": "m", "heartbeat": {"status": 0}, "monitor": "n"}),
                "`monitor`",
            ),
            (
                json!({"msg": "m", "heartbeat": {"status": 0}, "monitor": {"name": "n"}}),
                "`monitor.id`",
            ),
            (
                json!({"msg": "m", "heartbeat": {"status": 0}, "monitor": {"id": {}, "name": "n"}}),
                "`monitor.id`",
            ),
            (
                json!({"msg": "m", "heartbeat": {"status": 0}, "monitor": {"id": 1}}),
                "`monitor.name`",
            ),
            (
                json!({"msg": "m", "heartbeat": {"status": 0}, "monitor": {"id": 1, "name": " "}}),
                "`monitor.name`",
            ),
            (
                json!({"msg": "m", "heartbeat": {"status": 0},
                "monitor": {"id": 1, "name": "n", "tags": {}}}),
                "`monitor.tags`",
            ),
            (
                json!({"msg": "m", "heartbeat": {"status": 0},
                "monitor": {"id": 1, "name": "n", "tags": ["prod"]}}),
                "`monitor.tags[0].name`",
            ),
            (
                json!({"msg": "m", "heartbeat": {"status": 0}, "monitor": {"id": 1, "name": "n",
                "tags": [{"name": "a"}, {"name": "b", "value": [1]}]}}),
                "`monitor.tags[1].value`",
            ),
        ];
        for (body, names) in table {
            match parse(body, &Defaults::default()) {
                Err(NotTheFormat(message)) => {
                    assert!(message.contains(names), "{body}: {message}");
                    assert!(message.contains("Uptime Kuma webhook"), "{message}");
                }
                Ok(got) => panic!("{body} was read as {got:?}"),
            }
        }
    }
}
