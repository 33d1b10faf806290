//! The `zabbix` payload (SPEC §2 "Alerts in: integrations"): the JSON that Reach's own webhook
//! media type (`integrations/zabbix/media_reach.yaml`) posts, one alert per request. Values
//! come as Zabbix macros give them (strings: `"event_value": "1"`); numbers are accepted too.
//! `event_id` is the problem's `{EVENT.ID}`, which a recovery message also carries (Zabbix
//! resolves `{EVENT.ID}` to the original problem event there), so a recovery resolves the
//! alert its problem opened. Tags become labels (a tag given twice: its distinct values joined
//! with ", "), plus the `host` label; the company is the tag named `company_label`.

use super::{CompanyHint, Defaults, Incoming, NotTheFormat, as_text};
use crate::domain::{AlertStatus, Severity};
use serde_json::Value;
use std::collections::BTreeMap;

const EXPECTED: &str = "a body from Reach's Zabbix media type: a JSON object with `event_id`, \
    `event_value` (1 or 0), `subject` and optionally `event_nseverity`, `message`, `host` and \
    `tags` ({EVENT.TAGSJSON})";

pub(super) fn parse(body: &Value, defaults: &Defaults) -> Result<Vec<Incoming>, NotTheFormat> {
    let Value::Object(fields) = body else {
        return Err(wrong("the body is not an object"));
    };
    let key =
        text(fields.get("event_id"), "event_id")?.ok_or_else(|| wrong("`event_id` is missing"))?;
    let status = match text(fields.get("event_value"), "event_value")?.as_deref() {
        Some("1") => AlertStatus::Firing,
        Some("0") => AlertStatus::Resolved,
        _ => return Err(wrong("`event_value` must be 1 (problem) or 0 (recovery)")),
    };
    let severity = severity(
        text(fields.get("event_nseverity"), "event_nseverity")?.as_deref(),
        defaults.default_severity,
    );
    let title =
        text(fields.get("subject"), "subject")?.ok_or_else(|| wrong("`subject` is missing"))?;
    let body = text(fields.get("message"), "message")?;
    let host = text(fields.get("host"), "host")?;

    let mut labels = tags(fields.get("tags"))?;
    let company = labels
        .get(&defaults.company_label)
        .filter(|value| !value.is_empty())
        .map(|value| CompanyHint {
            value: value.clone(),
            field: format!("tags.{}", defaults.company_label),
        });
    if let Some(host) = host {
        labels.insert("host".to_owned(), host);
    }
    Ok(vec![Incoming {
        key,
        status,
        severity,
        title,
        body,
        labels,
        company,
    }])
}

/// `{EVENT.NSEVERITY}`: 0 not classified and 1 information → info, 2 warning and 3 average →
/// warning, 4 high and 5 disaster → critical; anything else is the integration's default.
fn severity(nseverity: Option<&str>, default: Severity) -> Severity {
    match nseverity {
        Some("0" | "1") => Severity::Info,
        Some("2" | "3") => Severity::Warning,
        Some("4" | "5") => Severity::Critical,
        _ => default,
    }
}

/// A field as trimmed text; `None` when absent, null or blank. Objects and arrays are not text.
fn text(value: Option<&Value>, name: &str) -> Result<Option<String>, NotTheFormat> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(value) => as_text(value)
            .map(|s| Some(s.trim().to_owned()).filter(|s| !s.is_empty()))
            .ok_or_else(|| wrong(&format!("`{name}` must be text or a number"))),
    }
}

/// `{EVENT.TAGSJSON}` (`[{"tag": "…", "value": "…"}]`) as an array or as a string holding it,
/// read into labels. Zabbix allows a tag name twice with different values: the non-empty ones
/// are joined.
fn tags(value: Option<&Value>) -> Result<BTreeMap<String, String>, NotTheFormat> {
    let parsed;
    let list = match value {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(BTreeMap::new()),
        Some(Value::String(s)) => {
            parsed = serde_json::from_str::<Value>(s)
                .map_err(|_| wrong("`tags` is a string that does not hold a JSON array"))?;
            &parsed
        }
        Some(other) => other,
    };
    let Value::Array(items) = list else {
        return Err(wrong(
            "`tags` must be an array of {\"tag\", \"value\"} objects",
        ));
    };
    let mut grouped: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let name = item
            .get("tag")
            .and_then(as_text)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| wrong(&format!("`tags[{i}].tag` must be a tag name")))?;
        let value = match item.get("value") {
            None | Some(Value::Null) => String::new(),
            Some(v) => {
                as_text(v).ok_or_else(|| wrong(&format!("`tags[{i}].value` must be text")))?
            }
        };
        let values = grouped.entry(name).or_default();
        if !values.contains(&value) {
            values.push(value);
        }
    }
    Ok(grouped
        .into_iter()
        .map(|(name, values)| {
            let values: Vec<String> = values.into_iter().filter(|v| !v.is_empty()).collect();
            (name, values.join(", "))
        })
        .collect())
}

fn wrong(detail: &str) -> NotTheFormat {
    NotTheFormat(format!("expected {EXPECTED}; {detail}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PROBLEM: &str = include_str!("../../../tests/fixtures/integrations/zabbix/problem.json");
    const RECOVERY: &str =
        include_str!("../../../tests/fixtures/integrations/zabbix/recovery.json");
    const TAGS_AS_STRING: &str =
        include_str!("../../../tests/fixtures/integrations/zabbix/tags_as_string.json");
    const NUMBERS: &str = include_str!("../../../tests/fixtures/integrations/zabbix/numbers.json");
    const MEDIA_TYPE: &str = include_str!("../../../integrations/zabbix/media_reach.yaml");

    fn read(fixture: &str, defaults: &Defaults) -> Result<Vec<Incoming>, NotTheFormat> {
        parse(&serde_json::from_str(fixture).unwrap(), defaults)
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_media_types_bodies_become_one_alert_each() {
        let problem_labels = labels(&[
            ("company", "Acme"),
            ("component", "cpu"),
            ("host", "web-01"),
            ("scope", "availability, performance"),
        ]);
        let acme = Some(CompanyHint {
            value: "Acme".to_owned(),
            field: "tags.company".to_owned(),
        });
        let problem = Incoming {
            key: "4242".to_owned(),
            status: AlertStatus::Firing,
            severity: Severity::Critical,
            title: "Problem: High CPU utilization on web-01".to_owned(),
            body: Some(
                "Problem started at 10:02:07 on 2024.05.14\nHost: web-01\nSeverity: High\n\
                 Original problem ID: 4242"
                    .to_owned(),
            ),
            labels: problem_labels.clone(),
            company: acme.clone(),
        };
        let recovery = Incoming {
            status: AlertStatus::Resolved,
            title: "Resolved in 12m: High CPU utilization on web-01".to_owned(),
            body: Some(
                "Problem has been resolved at 10:14:07 on 2024.05.14\nHost: web-01\n\
                 Severity: High\nOriginal problem ID: 4242"
                    .to_owned(),
            ),
            ..problem.clone()
        };
        let from_string = Incoming {
            key: "977".to_owned(),
            severity: Severity::Warning,
            title: "Problem: Free disk space is less than 20% on db-02".to_owned(),
            body: None,
            labels: labels(&[("host", "db-02"), ("service", "postgres")]),
            company: None,
            ..problem.clone()
        };
        let numbers = Incoming {
            key: "31337".to_owned(),
            severity: Severity::Info,
            title: "Problem: Zabbix agent is not available".to_owned(),
            body: Some("Agent unreachable for 5 minutes".to_owned()),
            labels: labels(&[("company", "Globex"), ("host", "edge-7")]),
            company: Some(CompanyHint {
                value: "Globex".to_owned(),
                field: "tags.company".to_owned(),
            }),
            ..problem.clone()
        };
        let table = [
            (PROBLEM, problem),
            (RECOVERY, recovery),
            (TAGS_AS_STRING, from_string),
            (NUMBERS, numbers),
        ];
        for (fixture, want) in table {
            assert_eq!(read(fixture, &Defaults::default()), Ok(vec![want]));
        }
    }

    #[test]
    fn severity_follows_nseverity_else_the_default() {
        let defaults = Defaults {
            default_severity: Severity::Info,
            company_label: "customer".to_owned(),
        };
        let table: &[(Value, Severity)] = &[
            (json!("0"), Severity::Info),
            (json!("1"), Severity::Info),
            (json!(2), Severity::Warning),
            (json!("3"), Severity::Warning),
            (json!(" 4 "), Severity::Critical),
            (json!("5"), Severity::Critical),
            (json!("6"), Severity::Info),
            (json!("High"), Severity::Info),
            (json!(1e300), Severity::Info),
            (Value::Null, Severity::Info),
        ];
        for (nseverity, want) in table {
            let body = json!({"event_id": "1", "event_value": "1", "subject": "s",
                "event_nseverity": nseverity, "tags": [{"tag": "company", "value": "Acme"}]});
            let got = parse(&body, &defaults).unwrap();
            assert_eq!(got[0].severity, *want, "{nseverity}");
            assert_eq!(got[0].company, None, "company_label is `customer`");
        }
    }

    #[test]
    fn malformed_bodies_are_not_the_format() {
        let valid = json!({"event_id": "1", "event_value": "1", "subject": "s"});
        let changed: &[(&str, Value, &str)] = &[
            ("event_id", Value::Null, "`event_id`"),
            ("event_id", json!(" "), "`event_id`"),
            ("event_id", json!({}), "`event_id`"),
            ("event_value", Value::Null, "`event_value`"),
            ("event_value", json!("2"), "`event_value`"),
            ("event_value", json!("{EVENT.VALUE}"), "`event_value`"),
            ("event_value", json!(1e300), "`event_value`"),
            ("event_value", json!([1]), "`event_value`"),
            ("subject", Value::Null, "`subject`"),
            ("subject", json!(""), "`subject`"),
            ("message", json!({}), "`message`"),
            ("host", json!([]), "`host`"),
            ("tags", json!({}), "`tags`"),
            ("tags", json!(7), "`tags`"),
            ("tags", json!("{EVENT.TAGSJSON}"), "`tags`"),
            ("tags", json!("{\"tag\":\"a\"}"), "`tags`"),
            ("tags", json!(["a"]), "`tags[0].tag`"),
            ("tags", json!([{"value": "a"}]), "`tags[0].tag`"),
            (
                "tags",
                json!([{"tag": "a"}, {"tag": "b", "value": {}}]),
                "`tags[1].value`",
            ),
        ];
        let mut table = vec![
            (Value::Null, "not an object"),
            (json!("event_id=1"), "not an object"),
            (json!([]), "not an object"),
            (json!({"event_value": "1", "subject": "s"}), "`event_id`"),
        ];
        for (field, value, names) in changed {
            let mut body = valid.clone();
            body[*field] = value.clone();
            table.push((body, names));
        }
        for (body, names) in table {
            match parse(&body, &Defaults::default()) {
                Err(NotTheFormat(message)) => {
                    assert!(message.contains(names), "{body}: {message}");
                    assert!(message.contains("Zabbix media type"), "{message}");
                }
                Ok(got) => panic!("{body} was read as {got:?}"),
            }
        }
    }

    #[test]
    fn tags_without_values_and_empty_tags_read_cleanly() {
        let body = json!({"event_id": 5, "event_value": 0, "subject": "s", "message": "",
            "host": "", "tags": [{"tag": "company"}, {"tag": "team", "value": null},
            {"tag": "port", "value": 443}]});
        let got = parse(&body, &Defaults::default()).unwrap();
        assert_eq!(
            got[0].labels,
            labels(&[("company", ""), ("port", "443"), ("team", "")])
        );
        assert_eq!(
            (got[0].body.as_deref(), got[0].company.as_ref()),
            (None, None)
        );
        for empty in [json!(""), json!("[]"), json!([]), Value::Null] {
            let body = json!({"event_id": "5", "event_value": "1", "subject": "s", "tags": empty});
            assert!(
                parse(&body, &Defaults::default()).unwrap()[0]
                    .labels
                    .is_empty()
            );
        }
        // The `host` field wins over a tag named `host`.
        let body = json!({"event_id": "5", "event_value": "1", "subject": "s", "host": "web-01",
            "tags": [{"tag": "host", "value": "other"}]});
        assert_eq!(
            parse(&body, &Defaults::default()).unwrap()[0].labels["host"],
            "web-01"
        );
    }

    #[test]
    fn the_shipped_media_type_sends_every_field_with_its_macro() {
        let parameters = [
            ("event_id", "{EVENT.ID}"),
            ("event_value", "{EVENT.VALUE}"),
            ("event_nseverity", "{EVENT.NSEVERITY}"),
            ("subject", "{ALERT.SUBJECT}"),
            ("message", "{ALERT.MESSAGE}"),
            ("host", "{HOST.NAME}"),
            ("tags", "{EVENT.TAGSJSON}"),
        ];
        let (head, script) = MEDIA_TYPE.split_once("script: |").unwrap();
        let payload = script.split_once("var payload = {").unwrap().1;
        let payload = payload.split_once("};").unwrap().0;
        for (field, mac) in parameters {
            let parameter = format!("name: {field}\n          value: '{mac}'\n");
            assert!(head.contains(&parameter), "parameter {parameter}");
            assert!(
                payload.contains(&format!("\n{:16}{field}: ", "")),
                "payload {field}"
            );
        }
        assert_eq!(
            payload.matches(": ").count(),
            parameters.len(),
            "exactly SPEC's fields"
        );
        assert!(
            head.contains("name: URL\n"),
            "the integration URL parameter"
        );
        assert!(script.contains("request.post(params.URL, JSON.stringify(payload))"));
        assert!(
            script.contains("status < 200 || status >= 300"),
            "non-2xx fails"
        );
        assert!(script.contains("throw 'Sending failed: '"));
        assert!(MEDIA_TYPE.starts_with("zabbix_export:\n  version: '6.0'\n"));
        for mode in ["PROBLEM", "RECOVERY"] {
            assert!(
                script.contains(&format!("operation_mode: {mode}\n")),
                "{mode}"
            );
        }
    }
}
