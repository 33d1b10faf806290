//! From a sender's alerts to Reach alerts: each [`Incoming`] gets its company (the company
//! label's value when it names one of the account's companies, by name case-insensitively or
//! by id; otherwise the integration's fallback) and goes through the same field checks as a
//! posted alert ([`AlertInput::parse`]). Any refusal refuses the whole request (SPEC §2
//! "Alerts in: integrations").

use super::{Body, Incoming, IntegrationKind};
use crate::domain::{AlertInput, CompanyId, FieldError, Invalid, NewAlert};

/// How a request carries its alerts, which names the fields of their errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One alert per item of `alerts[]` (Alertmanager, Grafana version 1): `alerts[2].title`.
    Items,
    /// The request is the alert (Zabbix, Uptime Kuma, generic, Grafana legacy): `title`.
    Request,
}

impl Shape {
    /// The shape of a body of `kind`: a Grafana body is version 1 when it has `alerts`.
    pub fn of(kind: IntegrationKind, body: Body<'_>) -> Self {
        match (kind, body) {
            (IntegrationKind::Alertmanager, _) => Self::Items,
            (IntegrationKind::Grafana, Body::Json(value)) if value.get("alerts").is_some() => {
                Self::Items
            }
            _ => Self::Request,
        }
    }

    fn prefix(self, index: usize) -> String {
        match self {
            Self::Items => format!("alerts[{index}]."),
            Self::Request => String::new(),
        }
    }
}

/// One of the account's companies, as the company label may name it.
#[derive(Debug, Clone, Copy)]
pub struct KnownCompany<'a> {
    pub id: &'a CompanyId,
    pub name: &'a str,
}

/// The company a label value names: a company's id, else its name (case-insensitive).
fn named<'a>(value: &str, companies: &[KnownCompany<'a>]) -> Option<&'a CompanyId> {
    let value = value.trim();
    companies
        .iter()
        .find(|c| c.id.as_str() == value)
        .or_else(|| {
            let wanted = value.to_lowercase();
            companies
                .iter()
                .find(|c| c.name.trim().to_lowercase() == wanted)
        })
        .map(|c| c.id)
}

/// The Reach alerts of a request, all or nothing. An alert whose company cannot be found is a
/// field error (`Invalid::UnknownCompany`) on the field that carried its company label
/// (`alerts[2].labels.company`), or on `company_id` (the integration has none) when it has no
/// label; every other field is checked as a posted alert's (`alerts[2].title`).
/// `label_path` is where the company label sits in the kind's body (`labels.company`; Zabbix
/// `tags.company`): an alert with no company names it (`alerts[2].labels.company`).
pub fn resolve(
    alerts: Vec<Incoming>,
    shape: Shape,
    companies: &[KnownCompany<'_>],
    fallback: Option<&CompanyId>,
    label_path: &str,
) -> Result<Vec<NewAlert>, Vec<FieldError>> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut resolved = Vec::with_capacity(alerts.len());
    for (i, alert) in alerts.into_iter().enumerate() {
        let hinted = alert
            .company
            .as_ref()
            .and_then(|h| named(&h.value, companies));
        let Some(company) = hinted.or(fallback) else {
            let field = alert.company.as_ref().map_or_else(
                || format!("{}{label_path}", shape.prefix(i)),
                |h| h.field.clone(),
            );
            if !errors.iter().any(|e| e.field == field) {
                errors.push(FieldError::new(field, Invalid::UnknownCompany));
            }
            continue;
        };
        let input = AlertInput {
            company_id: Some(company.as_str().to_owned()),
            key: Some(alert.key),
            severity: Some(alert.severity.as_str().to_owned()),
            title: Some(alert.title),
            body: alert.body,
            labels: alert.labels,
            status: Some(alert.status.as_str().to_owned()),
        };
        match input.parse(&shape.prefix(i)) {
            Ok(new) => resolved.push(new),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(resolved)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::integration::CompanyHint;
    use crate::domain::{AlertStatus, Severity};
    use serde_json::json;
    use std::collections::BTreeMap;

    fn incoming(key: &str, hint: Option<(&str, &str)>) -> Incoming {
        Incoming {
            key: key.to_owned(),
            status: AlertStatus::Firing,
            severity: Severity::Critical,
            title: format!("{key} is down"),
            body: Some("details".to_owned()),
            labels: BTreeMap::from([("company".to_owned(), "x".to_owned())]),
            company: hint.map(|(value, field)| CompanyHint {
                value: value.to_owned(),
                field: field.to_owned(),
            }),
        }
    }

    fn ids() -> (CompanyId, CompanyId, CompanyId) {
        (
            CompanyId::from_string("c-acme"),
            CompanyId::from_string("c-globex"),
            CompanyId::from_string("c-fallback"),
        )
    }

    #[test]
    fn the_company_is_the_label_when_it_names_one_else_the_fallback() {
        let (acme, globex, fallback) = ids();
        let companies = [
            KnownCompany {
                id: &acme,
                name: "Acme Corp",
            },
            KnownCompany {
                id: &globex,
                name: "Globex",
            },
        ];
        let field = "alerts[0].labels.company";
        // (the label's value, the fallback) → the company, or the field of the 422
        type Case<'a> = (
            Option<&'a str>,
            Option<&'a CompanyId>,
            Result<&'a CompanyId, &'a str>,
        );
        let table: &[Case<'_>] = &[
            (Some("Acme Corp"), None, Ok(&acme)),
            (Some("  acme CORP "), None, Ok(&acme)),
            (Some("c-globex"), None, Ok(&globex)),
            (Some("C-GLOBEX"), None, Err(field)),
            (Some("Initech"), Some(&fallback), Ok(&fallback)),
            (Some("globex"), Some(&fallback), Ok(&globex)),
            (None, Some(&fallback), Ok(&fallback)),
            (Some("Initech"), None, Err(field)),
            (None, None, Err(field)),
        ];
        for (hint, fallback, want) in table {
            let alerts = vec![incoming("k", hint.map(|h| (h, field)))];
            let got = resolve(
                alerts,
                Shape::Items,
                &companies,
                *fallback,
                "labels.company",
            );
            match want {
                Ok(id) => {
                    let got = got.unwrap_or_else(|e| panic!("{hint:?}: {e:?}"));
                    assert_eq!(&got[0].company, *id, "{hint:?}");
                }
                Err(name) => assert_eq!(
                    got,
                    Err(vec![FieldError::new(*name, Invalid::UnknownCompany)]),
                    "{hint:?}"
                ),
            }
        }
    }

    #[test]
    fn one_unknown_company_refuses_the_whole_request() {
        let (acme, _, _) = ids();
        let companies = [KnownCompany {
            id: &acme,
            name: "Acme",
        }];
        let alerts = vec![
            incoming("a", Some(("Acme", "alerts[0].labels.company"))),
            incoming("b", Some(("Acme", "alerts[1].labels.company"))),
            incoming("c", Some(("Nobody", "alerts[2].labels.company"))),
        ];
        assert_eq!(
            resolve(alerts, Shape::Items, &companies, None, "labels.company"),
            Err(vec![FieldError::new(
                "alerts[2].labels.company",
                Invalid::UnknownCompany
            )])
        );
        // Alerts without the label and no fallback: each names the label it lacks.
        let alerts = vec![incoming("a", None), incoming("b", None)];
        assert_eq!(
            resolve(alerts, Shape::Items, &companies, None, "labels.company"),
            Err(vec![
                FieldError::new("alerts[0].labels.company", Invalid::UnknownCompany),
                FieldError::new("alerts[1].labels.company", Invalid::UnknownCompany)
            ])
        );
        let alerts = vec![incoming("z", None)];
        assert_eq!(
            resolve(alerts, Shape::Request, &companies, None, "tags.company"),
            Err(vec![FieldError::new(
                "tags.company",
                Invalid::UnknownCompany
            )])
        );
    }

    #[test]
    fn fields_are_checked_as_a_posted_alerts_are() {
        let (_, _, fallback) = ids();
        let mut bad = incoming("k", None);
        bad.title = "two\nlines".to_owned();
        bad.key = "x".repeat(201);
        bad.labels.insert("host".to_owned(), "a\u{0}b".to_owned());
        let table: &[(Shape, &[&str])] = &[
            (
                Shape::Items,
                &["alerts[1].key", "alerts[1].title", "alerts[1].labels.host"],
            ),
            (Shape::Request, &["key", "title", "labels.host"]),
        ];
        for (shape, want) in table {
            let alerts = vec![incoming("fine", None), bad.clone()];
            let errors =
                resolve(alerts, *shape, &[], Some(&fallback), "labels.company").unwrap_err();
            let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, *want, "{shape:?}");
        }
    }

    #[test]
    fn good_alerts_keep_every_field() {
        let (acme, _, _) = ids();
        let mut alert = incoming("disk:srv-1", None);
        alert.status = AlertStatus::Resolved;
        alert.severity = Severity::Info;
        alert.body = Some("  ".to_owned());
        let got = resolve(
            vec![alert.clone()],
            Shape::Request,
            &[],
            Some(&acme),
            "labels.company",
        );
        assert_eq!(
            got,
            Ok(vec![NewAlert {
                company: acme.clone(),
                key: "disk:srv-1".to_owned(),
                severity: Severity::Info,
                title: "disk:srv-1 is down".to_owned(),
                body: None,
                labels: alert.labels,
                status: AlertStatus::Resolved,
            }])
        );
        assert_eq!(
            resolve(Vec::new(), Shape::Items, &[], None, "labels.company"),
            Ok(Vec::new())
        );
    }

    #[test]
    fn shapes_follow_the_kind_and_body() {
        let v1 = json!({"alerts": []});
        let legacy = json!({"ruleId": 1, "state": "ok"});
        let form: Vec<(String, String)> = Vec::new();
        let table = [
            (IntegrationKind::Alertmanager, Body::Json(&v1), Shape::Items),
            (IntegrationKind::Grafana, Body::Json(&v1), Shape::Items),
            (
                IntegrationKind::Grafana,
                Body::Json(&legacy),
                Shape::Request,
            ),
            (IntegrationKind::Zabbix, Body::Json(&v1), Shape::Request),
            (IntegrationKind::UptimeKuma, Body::Json(&v1), Shape::Request),
            (IntegrationKind::Generic, Body::Form(&form), Shape::Request),
            (IntegrationKind::Heartbeat, Body::Json(&v1), Shape::Request),
        ];
        for (kind, body, want) in table {
            assert_eq!(Shape::of(kind, body), want, "{kind:?}");
        }
    }
}
