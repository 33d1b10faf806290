//! The audit log's entries and the maintenance windows, as the API answers them.

use super::{Audited, time};
use crate::store::{AuditEntry, MaintenanceWindow};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditJson {
    pub id: String,
    pub actor_id: String,
    pub actor_name: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    #[schema(format = DateTime)]
    pub at: String,
}

impl From<&AuditEntry> for AuditJson {
    fn from(e: &AuditEntry) -> Self {
        Self {
            id: e.id.clone(),
            actor_id: e.actor_id.to_string(),
            actor_name: e.actor_name.clone(),
            action: e.action.clone(),
            object_type: e.object_type.clone(),
            object_id: e.object_id.clone(),
            before: e.before.clone(),
            after: e.after.clone(),
            at: time(e.at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditJson>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WindowJson {
    pub id: String,
    pub company_id: String,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    pub reason: Option<String>,
}

impl From<&MaintenanceWindow> for WindowJson {
    fn from(w: &MaintenanceWindow) -> Self {
        Self {
            id: w.id.to_string(),
            company_id: w.company_id.to_string(),
            starts_at: time(w.starts_at),
            ends_at: time(w.ends_at),
            reason: w.reason.clone(),
        }
    }
}

impl Audited for WindowJson {
    fn audit_id(&self) -> &str {
        &self.id
    }
}
