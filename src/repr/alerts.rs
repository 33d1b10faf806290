//! Alerts and notifications as the API answers them.

use super::{Audited, SeverityJson, time};
use crate::domain::Severity;
use crate::store::{Alert, Notification};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AlertJson {
    pub id: String,
    pub company_id: String,
    pub key: String,
    pub severity: SeverityJson,
    /// `firing` or `resolved`.
    pub status: String,
    pub title: String,
    pub body: Option<String>,
    pub labels: BTreeMap<String, String>,
    #[schema(format = DateTime)]
    pub opened_at: String,
    #[schema(format = DateTime)]
    pub acknowledged_at: Option<String>,
    /// The contact or user who acknowledged it.
    pub acknowledged_by: Option<String>,
    #[schema(format = DateTime)]
    pub resolved_at: Option<String>,
}

impl From<&Alert> for AlertJson {
    fn from(a: &Alert) -> Self {
        Self {
            id: a.id.to_string(),
            company_id: a.company_id.to_string(),
            key: a.key.clone(),
            severity: severity(a.severity),
            status: a.status.as_str().to_owned(),
            title: a.title.clone(),
            body: a.body.clone(),
            labels: a.labels.clone(),
            opened_at: time(a.opened_at),
            acknowledged_at: a.acknowledged_at.map(time),
            acknowledged_by: a.acknowledged_by.as_ref().map(ToString::to_string),
            resolved_at: a.resolved_at.map(time),
        }
    }
}

impl Audited for AlertJson {
    fn audit_id(&self) -> &str {
        &self.id
    }
}

fn severity(s: Severity) -> SeverityJson {
    match s {
        Severity::Info => SeverityJson::Info,
        Severity::Warning => SeverityJson::Warning,
        Severity::Critical => SeverityJson::Critical,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertList {
    pub items: Vec<AlertJson>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationJson {
    pub id: String,
    pub alert_id: Option<String>,
    pub report_run_id: Option<String>,
    pub contact_id: String,
    pub method_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub address: String,
    /// `queued`, `sending`, `sent`, `failed`, `dead` or `suppressed`.
    pub state: String,
    /// Why it was suppressed or failed.
    pub reason: Option<String>,
    pub attempts: i64,
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
    /// The step of the company's escalation policy (1-based); `null` without a policy.
    pub escalation_step: Option<i64>,
}

impl From<&Notification> for NotificationJson {
    fn from(n: &Notification) -> Self {
        let pending = matches!(n.state.as_str(), "queued" | "failed" | "sending");
        Self {
            id: n.id.to_string(),
            alert_id: n.alert_id.as_ref().map(ToString::to_string),
            report_run_id: None,
            contact_id: n.contact_id.to_string(),
            method_id: n.method_id.to_string(),
            kind: n.kind.as_str().to_owned(),
            address: n.address.clone(),
            state: n.state.as_str().to_owned(),
            reason: n.reason.clone(),
            attempts: n.attempts,
            next_attempt_at: pending.then(|| time(n.next_attempt_at)),
            created_at: time(n.created_at),
            sent_at: n.sent_at.map(time),
            escalation_step: n.escalation_step,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    pub items: Vec<NotificationJson>,
    pub next_cursor: Option<String>,
}
