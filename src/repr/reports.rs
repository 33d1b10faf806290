//! Reports and their runs as the API answers them.

use super::{Audited, CompaniesJson, time};
use crate::domain::report::ScheduleInput;
use crate::domain::{ContactId, MethodId, NotificationId};
use crate::store::{Report, ReportRun};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportJson {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub companies: CompaniesJson,
    pub schedule: ScheduleInput,
    pub recipients: Vec<String>,
    pub enabled: bool,
    #[schema(format = DateTime)]
    pub next_run_at: Option<String>,
}

impl From<&Report> for ReportJson {
    fn from(r: &Report) -> Self {
        Self {
            id: r.id.to_string(),
            name: r.name.clone(),
            kind: r.kind.as_str().to_owned(),
            companies: CompaniesJson::from(&r.companies),
            schedule: r.schedule.to_json(),
            recipients: r.recipients.iter().map(ToString::to_string).collect(),
            enabled: r.enabled,
            next_run_at: r.next_run_at.map(time),
        }
    }
}

impl Audited for ReportJson {
    fn audit_id(&self) -> &str {
        &self.id
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportList {
    pub items: Vec<ReportJson>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryJson {
    pub contact_id: String,
    pub method_id: String,
    pub notification_id: String,
    pub state: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunJson {
    pub id: String,
    pub report_id: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    #[schema(format = DateTime)]
    pub scheduled_for: String,
    #[schema(format = DateTime)]
    pub period_start: String,
    #[schema(format = DateTime)]
    pub period_end: String,
    #[schema(format = DateTime)]
    pub started_at: Option<String>,
    #[schema(format = DateTime)]
    pub finished_at: Option<String>,
    pub deliveries: Vec<DeliveryJson>,
}

impl RunJson {
    /// A run with its deliveries: (contact, method, notification, state) each.
    pub fn new(
        run: &ReportRun,
        deliveries: &[(ContactId, MethodId, NotificationId, String)],
    ) -> Self {
        Self {
            id: run.id.to_string(),
            report_id: run.report_id.to_string(),
            state: run.state.clone(),
            scheduled_for: time(run.scheduled_for),
            period_start: time(run.period_start),
            period_end: time(run.period_end),
            started_at: run.started_at.map(time),
            finished_at: run.finished_at.map(time),
            deliveries: deliveries
                .iter()
                .map(
                    |(contact_id, method_id, notification_id, state)| DeliveryJson {
                        contact_id: contact_id.to_string(),
                        method_id: method_id.to_string(),
                        notification_id: notification_id.to_string(),
                        state: state.clone(),
                    },
                )
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunList {
    pub items: Vec<RunJson>,
    pub next_cursor: Option<String>,
}
