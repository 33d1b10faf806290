//! Alerts in from the monitoring tools people already run (SPEC §2 "Alerts in:
//! integrations"): one pure parser per kind turns a sender's own payload into [`Incoming`]
//! alerts — key, status, severity, title, body, labels and the company label's value — before
//! the company is resolved and the alerts go through the same checks and ingest path as
//! `POST /api/v1/alerts`. A body that is not the kind's format is [`NotTheFormat`] (400).

mod alertmanager;
mod generic;
mod grafana;
pub mod heartbeat;
mod intake;
mod settings;
mod uptime_kuma;
mod zabbix;

pub use intake::{KnownCompany, Shape, resolve};

pub use settings::NewIntegration;

use super::{AlertStatus, Invalid, Severity};
use std::collections::BTreeMap;

/// The kinds of integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegrationKind {
    Alertmanager,
    Grafana,
    Zabbix,
    UptimeKuma,
    Generic,
    Heartbeat,
}

impl IntegrationKind {
    pub const ALL: [Self; 6] = [
        Self::Alertmanager,
        Self::Grafana,
        Self::Zabbix,
        Self::UptimeKuma,
        Self::Generic,
        Self::Heartbeat,
    ];

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == input.trim())
            .ok_or(Invalid::OneOf {
                allowed: "alertmanager, grafana, zabbix, uptime_kuma, generic, heartbeat",
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alertmanager => "alertmanager",
            Self::Grafana => "grafana",
            Self::Zabbix => "zabbix",
            Self::UptimeKuma => "uptime_kuma",
            Self::Generic => "generic",
            Self::Heartbeat => "heartbeat",
        }
    }
}

/// What an integration's settings give its parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defaults {
    /// Used when the payload names no severity Reach knows (default `warning`).
    pub default_severity: Severity,
    /// The label (Zabbix: the tag) whose value names the alert's company (default `company`).
    pub company_label: String,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            default_severity: Severity::Warning,
            company_label: "company".to_owned(),
        }
    }
}

/// The value of the company label of an alert, and the field that carried it (for the 422
/// that names it when no company matches, e.g. `alerts[2].labels.company`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyHint {
    pub value: String,
    pub field: String,
}

/// One alert read from a sender's payload, before its company is resolved and its fields
/// checked (lengths, control characters) as every posted alert's are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub key: String,
    pub status: AlertStatus,
    pub severity: Severity,
    pub title: String,
    pub body: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// The company label's value, when the alert has that label.
    pub company: Option<CompanyHint>,
}

/// A request body as it arrived: JSON, or an HTML form's fields (`generic` takes both).
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    Json(&'a serde_json::Value),
    Form(&'a [(String, String)]),
}

/// The body is not the kind's format: what was expected, for the 400 problem document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotTheFormat(pub String);

/// The alerts in a sender's payload (none for a test request, e.g. Uptime Kuma's test or an
/// Alertmanager body with no alerts). A `heartbeat` body is a ping and carries no alert.
pub fn parse(
    kind: IntegrationKind,
    body: Body<'_>,
    defaults: &Defaults,
) -> Result<Vec<Incoming>, NotTheFormat> {
    match kind {
        IntegrationKind::Alertmanager => alertmanager::parse(json(body, kind)?, defaults),
        IntegrationKind::Grafana => grafana::parse(json(body, kind)?, defaults),
        IntegrationKind::Zabbix => zabbix::parse(json(body, kind)?, defaults),
        IntegrationKind::UptimeKuma => uptime_kuma::parse(json(body, kind)?, defaults),
        IntegrationKind::Generic => generic::parse(body, defaults),
        IntegrationKind::Heartbeat => Ok(Vec::new()),
    }
}

fn json(body: Body<'_>, kind: IntegrationKind) -> Result<&serde_json::Value, NotTheFormat> {
    match body {
        Body::Json(value) => Ok(value),
        Body::Form(_) => Err(NotTheFormat(format!(
            "a {} integration takes a JSON body",
            kind.as_str()
        ))),
    }
}

/// A severity as monitoring tools write it, case-insensitively (SPEC's table); anything else or
/// nothing is the integration's default.
pub fn severity_from_label(label: Option<&str>, default: Severity) -> Severity {
    let Some(label) = label else {
        return default;
    };
    match label.trim().to_lowercase().as_str() {
        "critical" | "page" | "error" | "high" | "disaster" | "p1" | "p2" => Severity::Critical,
        "warning" | "warn" | "average" | "medium" | "p3" => Severity::Warning,
        "info" | "information" | "low" | "none" | "p4" | "p5" => Severity::Info,
        _ => default,
    }
}

/// A JSON value as text, the way keys and labels are read: strings as they are, numbers and
/// booleans written out (`ruleId` 17 → `"17"`), anything else `None`.
pub fn as_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_are_read_as_monitoring_tools_write_them() {
        let table: &[(Option<&str>, Severity)] = &[
            (Some("critical"), Severity::Critical),
            (Some("PAGE"), Severity::Critical),
            (Some(" Disaster "), Severity::Critical),
            (Some("p2"), Severity::Critical),
            (Some("warn"), Severity::Warning),
            (Some("Average"), Severity::Warning),
            (Some("p3"), Severity::Warning),
            (Some("information"), Severity::Info),
            (Some("none"), Severity::Info),
            (Some("p5"), Severity::Info),
            (Some("urgent"), Severity::Warning),
            (None, Severity::Warning),
        ];
        for (label, want) in table {
            assert_eq!(
                severity_from_label(*label, Severity::Warning),
                *want,
                "{label:?}"
            );
        }
        assert_eq!(
            severity_from_label(Some("???"), Severity::Info),
            Severity::Info
        );
    }

    #[test]
    fn kinds_round_trip() {
        for kind in IntegrationKind::ALL {
            assert_eq!(IntegrationKind::parse(kind.as_str()), Ok(kind));
        }
        assert!(IntegrationKind::parse("pagerduty").is_err());
    }
}
