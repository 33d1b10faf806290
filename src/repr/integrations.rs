//! Integrations as the API answers them: never their token, except once in the create and
//! rotate answers, inside `url`.

use super::{Audited, time};
use crate::store::Integration;
use serde::Serialize;
use utoipa::ToSchema;

/// An integration (the audit log keeps this shape too: no token in it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntegrationJson {
    pub id: String,
    pub name: String,
    /// `alertmanager`, `grafana`, `zabbix`, `uptime_kuma`, `generic` or `heartbeat`.
    pub kind: String,
    /// The company of alerts whose company label names none; `null`: none.
    pub company_id: Option<String>,
    /// The label (Zabbix: the tag) whose value names an alert's company.
    pub company_label: String,
    /// `info`, `warning` or `critical`: for alerts that name no severity Reach knows.
    pub default_severity: String,
    /// `heartbeat` only: minutes without a ping before a critical alert opens.
    pub heartbeat_minutes: Option<i64>,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When a monitoring system last called its URL; `null`: never.
    #[schema(format = DateTime)]
    pub last_received_at: Option<String>,
    /// How many alerts it has stored, in all.
    pub alerts_accepted: i64,
}

impl From<&Integration> for IntegrationJson {
    fn from(i: &Integration) -> Self {
        Self {
            id: i.id.to_string(),
            name: i.name.clone(),
            kind: i.kind.as_str().to_owned(),
            company_id: i.company_id.as_ref().map(ToString::to_string),
            company_label: i.company_label.clone(),
            default_severity: i.default_severity.as_str().to_owned(),
            heartbeat_minutes: i.heartbeat_minutes,
            created_at: time(i.created_at),
            last_received_at: i.last_received_at.map(time),
            alerts_accepted: i.alerts_accepted,
        }
    }
}

impl Audited for IntegrationJson {
    fn audit_id(&self) -> &str {
        &self.id
    }
}

/// The create and rotate answers: the integration and its secret URL, shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IntegrationUrlJson {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub company_id: Option<String>,
    pub company_label: String,
    pub default_severity: String,
    pub heartbeat_minutes: Option<i64>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub last_received_at: Option<String>,
    pub alerts_accepted: i64,
    /// `{REACH_PUBLIC_URL}/hooks/{token}`: where the monitoring system posts, with no other
    /// credential. Keep it now: it is not shown again.
    pub url: String,
}

impl IntegrationUrlJson {
    pub fn new(integration: &Integration, url: &str) -> Self {
        let IntegrationJson {
            id,
            name,
            kind,
            company_id,
            company_label,
            default_severity,
            heartbeat_minutes,
            created_at,
            last_received_at,
            alerts_accepted,
        } = IntegrationJson::from(integration);
        Self {
            id,
            name,
            kind,
            company_id,
            company_label,
            default_severity,
            heartbeat_minutes,
            created_at,
            last_received_at,
            alerts_accepted,
            url: url.to_owned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationList {
    pub items: Vec<IntegrationJson>,
    /// Always `null`: an account's integrations come in one page.
    pub next_cursor: Option<String>,
}
