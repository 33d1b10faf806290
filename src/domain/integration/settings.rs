//! An integration's settings as an admin gives them (API body or form), parsed all at once:
//! every bad field is reported together, under its JSON name.

use super::{Defaults, IntegrationKind};
use crate::domain::{CompanyId, Errors, FieldError, Invalid, Name, Severity};

/// A valid integration definition. The company id is checked against the account by the store
/// (a field error on `company_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIntegration {
    pub name: Name,
    pub kind: IntegrationKind,
    /// The fallback company of alerts whose company label names none (required for `heartbeat`).
    pub company_id: Option<CompanyId>,
    /// The label (Zabbix: the tag) naming an alert's company: 1–100 characters, default `company`.
    pub company_label: String,
    /// Default `warning`.
    pub default_severity: Severity,
    /// `heartbeat` only (and required there): 1–10080 minutes without a ping open an alert.
    pub heartbeat_minutes: Option<i64>,
}

impl NewIntegration {
    pub const MAX_LABEL_CHARS: usize = 100;
    pub const MAX_HEARTBEAT_MINUTES: i64 = 10_080;

    /// Parses every field. Blank optional text (as an empty form field sends it) means unset:
    /// no company, the `company` label, the `warning` default.
    pub fn parse(
        name: Option<&str>,
        kind: Option<&str>,
        company_id: Option<&str>,
        company_label: Option<&str>,
        default_severity: Option<&str>,
        heartbeat_minutes: Option<i64>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let name = match name {
            Some(n) => errors.check("name", Name::parse(n)),
            None => {
                errors.push("name", Invalid::Required);
                None
            }
        };
        let kind = match kind {
            Some(k) => errors.check("kind", IntegrationKind::parse(k)),
            None => {
                errors.push("kind", Invalid::Required);
                None
            }
        };
        let company = company_id.map(str::trim).filter(|c| !c.is_empty());
        // Ids are opaque, but none has control characters (PostgreSQL refuses NUL).
        let company_id = match company {
            Some(id) if id.chars().any(char::is_control) => {
                errors.push("company_id", Invalid::UnknownCompany);
                None
            }
            Some(id) => Some(CompanyId::from_string(id)),
            None => None,
        };
        if kind == Some(IntegrationKind::Heartbeat) && company.is_none() {
            errors.push("company_id", Invalid::Required);
        }
        let company_label = errors.check("company_label", label(company_label));
        let default_severity = match default_severity.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => errors.check("default_severity", Severity::parse(s)),
            None => Some(Severity::Warning),
        };
        let range = Invalid::Range {
            min: 1,
            max: Self::MAX_HEARTBEAT_MINUTES,
        };
        let heartbeat_minutes = match (kind, heartbeat_minutes) {
            (Some(IntegrationKind::Heartbeat), None) => {
                errors.push("heartbeat_minutes", Invalid::Required);
                None
            }
            (Some(IntegrationKind::Heartbeat), Some(m))
                if !(1..=Self::MAX_HEARTBEAT_MINUTES).contains(&m) =>
            {
                errors.push("heartbeat_minutes", range);
                None
            }
            (Some(IntegrationKind::Heartbeat), Some(m)) => Some(Some(m)),
            (_, None) => Some(None),
            // Another kind, or no valid kind to say whether it is allowed.
            (Some(_), Some(_)) => {
                errors.push("heartbeat_minutes", heartbeat_only());
                None
            }
            (None, Some(m)) if !(1..=Self::MAX_HEARTBEAT_MINUTES).contains(&m) => {
                errors.push("heartbeat_minutes", range);
                None
            }
            (None, Some(m)) => Some(Some(m)),
        };
        errors.finish(|| {
            Some(Self {
                name: name?,
                kind: kind?,
                company_id,
                company_label: company_label?,
                default_severity: default_severity?,
                heartbeat_minutes: heartbeat_minutes?,
            })
        })
    }

    /// What the parser of this integration's kind needs.
    pub fn defaults(&self) -> Defaults {
        Defaults {
            default_severity: self.default_severity,
            company_label: self.company_label.clone(),
        }
    }
}

fn heartbeat_only() -> Invalid {
    Invalid::Type {
        message: "Only heartbeat integrations take heartbeat_minutes".into(),
    }
}

/// The company label: trimmed, 1–100 characters, no control characters; blank is `company`.
fn label(input: Option<&str>) -> Result<String, Invalid> {
    let Some(text) = input.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok("company".to_owned());
    };
    if text.chars().count() > NewIntegration::MAX_LABEL_CHARS {
        return Err(Invalid::TooLong {
            max: NewIntegration::MAX_LABEL_CHARS,
        });
    }
    if text.chars().any(char::is_control) {
        return Err(Invalid::ControlCharacter);
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    type Input<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<i64>,
    );

    fn parse(i: Input<'_>) -> Result<NewIntegration, Vec<FieldError>> {
        NewIntegration::parse(i.0, i.1, i.2, i.3, i.4, i.5)
    }

    fn fields(i: Input<'_>) -> Vec<String> {
        match parse(i) {
            Ok(n) => panic!("{i:?} parsed: {n:?}"),
            Err(e) => e.into_iter().map(|f| f.field).collect(),
        }
    }

    #[test]
    fn good_settings_parse_with_their_defaults() {
        for kind in IntegrationKind::ALL {
            let (company, minutes) = if kind == IntegrationKind::Heartbeat {
                (Some("c1"), Some(5))
            } else {
                (None, None)
            };
            let got = parse((
                Some(" Prod "),
                Some(kind.as_str()),
                company,
                None,
                None,
                minutes,
            ))
            .unwrap_or_else(|e| panic!("{kind:?}: {e:?}"));
            assert_eq!(got.name.as_str(), "Prod");
            assert_eq!(got.kind, kind);
            assert_eq!(got.company_label, "company");
            assert_eq!(got.default_severity, Severity::Warning);
            assert_eq!(got.heartbeat_minutes, minutes);
            assert_eq!(got.company_id, company.map(CompanyId::from_string));
        }
        let got = parse((
            Some("Z"),
            Some("zabbix"),
            Some(" c9 "),
            Some(" customer "),
            Some("critical"),
            None,
        ));
        let got = got.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(got.company_id, Some(CompanyId::from_string("c9")));
        assert_eq!(got.company_label, "customer");
        assert_eq!(got.default_severity, Severity::Critical);
        assert_eq!(got.defaults().company_label, "customer");
        // Blank optional fields (an empty form field) are unset.
        let got = parse((
            Some("G"),
            Some("generic"),
            Some(" "),
            Some(""),
            Some(""),
            None,
        ));
        let got = got.unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            (got.company_id, got.company_label, got.default_severity),
            (None, "company".to_owned(), Severity::Warning)
        );
        let max = parse((
            Some("H"),
            Some("heartbeat"),
            Some("c"),
            None,
            None,
            Some(10_080),
        ));
        assert_eq!(max.map(|n| n.heartbeat_minutes), Ok(Some(10_080)));
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let long = "x".repeat(201);
        let label = "l".repeat(101);
        let table: Vec<(Input<'_>, Vec<&str>)> = vec![
            ((None, None, None, None, None, None), vec!["name", "kind"]),
            (
                (Some(" "), Some("pagerduty"), None, None, None, None),
                vec!["name", "kind"],
            ),
            (
                (Some(&long), Some("generic"), None, None, None, None),
                vec!["name"],
            ),
            (
                (Some("a\nb"), Some("generic"), None, None, None, None),
                vec!["name"],
            ),
            (
                (Some("H"), Some("heartbeat"), None, None, None, Some(5)),
                vec!["company_id"],
            ),
            (
                (Some("H"), Some("heartbeat"), Some("c"), None, None, None),
                vec!["heartbeat_minutes"],
            ),
            (
                (Some("H"), Some("heartbeat"), Some("c"), None, None, Some(0)),
                vec!["heartbeat_minutes"],
            ),
            (
                (
                    Some("H"),
                    Some("heartbeat"),
                    Some("c"),
                    None,
                    None,
                    Some(10_081),
                ),
                vec!["heartbeat_minutes"],
            ),
            (
                (Some("H"), Some("heartbeat"), None, None, None, Some(-1)),
                vec!["company_id", "heartbeat_minutes"],
            ),
            (
                (Some("A"), Some("alertmanager"), None, None, None, Some(5)),
                vec!["heartbeat_minutes"],
            ),
            (
                (Some("A"), Some("generic"), Some("c\0"), None, None, None),
                vec!["company_id"],
            ),
            (
                (Some("A"), Some("generic"), None, Some(&label), None, None),
                vec!["company_label"],
            ),
            (
                (Some("A"), Some("generic"), None, Some("a\tb"), None, None),
                vec!["company_label"],
            ),
            (
                (Some("A"), Some("generic"), None, None, Some("fatal"), None),
                vec!["default_severity"],
            ),
            (
                (
                    Some(""),
                    Some("x"),
                    Some("\0"),
                    Some(&label),
                    Some("x"),
                    Some(99_999),
                ),
                vec![
                    "name",
                    "kind",
                    "company_id",
                    "company_label",
                    "default_severity",
                    "heartbeat_minutes",
                ],
            ),
        ];
        for (input, want) in table {
            assert_eq!(fields(input), want, "{input:?}");
        }
    }

    #[test]
    fn heartbeat_minutes_belong_to_heartbeats_only() {
        let err = parse((Some("A"), Some("grafana"), None, None, None, Some(5)));
        assert_eq!(
            err,
            Err(vec![FieldError::new("heartbeat_minutes", heartbeat_only())])
        );
    }
}
