//! Configure > Integrations: the form's fields, the list's rows and the configuration snippet
//! each kind's monitoring system needs (SPEC §2 "Alerts in: integrations").

use super::Web;
use crate::domain::integration::{IntegrationKind, NewIntegration};
use crate::domain::{FieldError, Invalid};
use crate::store::Integration;
use serde::Deserialize;

/// The add and edit form, as the browser sends it (every field text).
#[derive(Debug, Default, Deserialize)]
pub struct IntegrationForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub company_id: String,
    #[serde(default)]
    pub company_label: String,
    #[serde(default)]
    pub default_severity: String,
    #[serde(default)]
    pub heartbeat_minutes: String,
}

impl IntegrationForm {
    /// A new integration's form: Alertmanager, the `company` label, `warning`.
    pub fn fresh() -> Self {
        Self {
            kind: IntegrationKind::Alertmanager.as_str().to_owned(),
            company_label: "company".to_owned(),
            default_severity: "warning".to_owned(),
            ..Self::default()
        }
    }

    /// The form of an existing integration.
    pub fn of(i: &Integration) -> Self {
        Self {
            name: i.name.clone(),
            kind: i.kind.as_str().to_owned(),
            company_id: i
                .company_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            company_label: i.company_label.clone(),
            default_severity: i.default_severity.as_str().to_owned(),
            heartbeat_minutes: i
                .heartbeat_minutes
                .map(|m| m.to_string())
                .unwrap_or_default(),
        }
    }

    /// Parses the form with the API's rules; a blank heartbeat field is unset, text that is
    /// not a whole number is a field error beside the others.
    pub fn parse(&self) -> Result<NewIntegration, Vec<FieldError>> {
        let minutes = self.heartbeat_minutes.trim();
        let (minutes, bad_minutes) = match minutes {
            "" => (None, false),
            text => match text.parse::<i64>() {
                Ok(m) => (Some(m), false),
                Err(_) => (None, true),
            },
        };
        let parsed = NewIntegration::parse(
            Some(&self.name),
            Some(&self.kind),
            Some(&self.company_id),
            Some(&self.company_label),
            Some(&self.default_severity),
            minutes,
        );
        if !bad_minutes {
            return parsed;
        }
        let mut errors = vec![FieldError::new(
            "heartbeat_minutes",
            Invalid::Range {
                min: 1,
                max: NewIntegration::MAX_HEARTBEAT_MINUTES,
            },
        )];
        errors.extend(
            parsed
                .err()
                .unwrap_or_default()
                .into_iter()
                .filter(|e| e.field != "heartbeat_minutes"),
        );
        Err(errors)
    }
}

/// The kinds for the kind select: value and label.
pub fn kinds(web: &Web) -> Vec<(&'static str, String)> {
    IntegrationKind::ALL
        .into_iter()
        .map(|k| {
            (
                k.as_str(),
                web.t(&format!("integration-kind-{}", k.as_str())),
            )
        })
        .collect()
}

/// The severities for the default severity select: value and label.
pub fn severities(web: &Web) -> Vec<(&'static str, String)> {
    ["info", "warning", "critical"]
        .into_iter()
        .map(|s| (s, web.t(&format!("severity-{s}"))))
        .collect()
}

/// One integration in the list, as the viewer reads it.
pub struct IntegrationRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub company: String,
    pub last_received: String,
    pub accepted: i64,
}

impl IntegrationRow {
    pub fn new(web: &Web, i: &Integration) -> Self {
        // A heartbeat's pings count as receiving something.
        let last = match (i.last_received_at, i.last_ping_at) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        Self {
            id: i.id.to_string(),
            name: i.name.clone(),
            kind: web.t(&format!("integration-kind-{}", i.kind.as_str())),
            company: i.company_id.as_ref().map_or_else(
                || web.t("integration-company-none"),
                |c| web.company_name(c.as_str()),
            ),
            last_received: last.map_or_else(|| web.t("integration-never"), |t| web.when(t)),
            accepted: i.alerts_accepted,
        }
    }
}

/// What a kind's snippet shows: the URL (shown once), or on the edit page a placeholder.
pub struct Snippet {
    pub kind: &'static str,
    pub url: String,
    /// For heartbeats: the cron minute field of a ping twice per allowed gap.
    pub cron: String,
    pub company_label: String,
}

impl Snippet {
    pub fn new(web: &Web, i: &Integration, url: Option<&str>) -> Self {
        let every = i.heartbeat_minutes.map_or(1, |m| (m / 2).clamp(1, 30));
        Self {
            kind: i.kind.as_str(),
            url: url.map_or_else(|| web.t("integration-url-placeholder"), str::to_owned),
            cron: if every == 1 {
                "*".to_owned()
            } else {
                format!("*/{every}")
            },
            company_label: i.company_label.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(kind: &str, minutes: &str) -> IntegrationForm {
        IntegrationForm {
            name: "Prometheus".into(),
            kind: kind.into(),
            heartbeat_minutes: minutes.into(),
            ..IntegrationForm::fresh()
        }
    }

    #[test]
    fn the_form_parses_like_the_api() {
        let ok = form("alertmanager", "").parse().expect("valid");
        assert_eq!(ok.kind, IntegrationKind::Alertmanager);
        assert_eq!(ok.company_id, None);
        assert_eq!(ok.heartbeat_minutes, None);

        let fields = |f: IntegrationForm| -> Vec<String> {
            f.parse()
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(
            fields(IntegrationForm {
                name: String::new(),
                ..form("alertmanager", "")
            }),
            ["name"]
        );
        // Not a number: one error on the field, the others still reported.
        let bad = form("heartbeat", "soon").parse().err().unwrap_or_default();
        assert_eq!(bad[0].field, "heartbeat_minutes");
        assert!(matches!(bad[0].error, Invalid::Range { .. }));
        assert_eq!(
            bad.iter()
                .filter(|e| e.field == "heartbeat_minutes")
                .count(),
            1
        );
        assert!(bad.iter().any(|e| e.field == "company_id"));
        assert_eq!(fields(form("generic", "5")), ["heartbeat_minutes"]);
    }
}
