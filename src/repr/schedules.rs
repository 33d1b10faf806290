//! On-call schedules as the API answers them: the schedule with its secret `ical_url`, who is
//! on call, the spans of a range and the overrides.

use super::{Audited, time};
use crate::domain::oncall::{NewSchedule, ShiftInput, Span};
use crate::store::schedules::{Schedule, StoredOverride};
use serde::Serialize;
use utoipa::ToSchema;

/// A schedule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScheduleJson {
    pub id: String,
    pub name: String,
    /// IANA time zone of the handoff time.
    pub timezone: String,
    /// Contact ids in rotation order.
    pub members: Vec<String>,
    pub shift: ShiftInput,
    /// `YYYY-MM-DD`: the first member's first shift starts this day at the handoff time.
    pub starts_on: String,
    /// A secret iCalendar feed of the schedule, for calendar apps (no login).
    pub ical_url: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl ScheduleJson {
    pub fn new(s: &Schedule, ical_url: String) -> Self {
        Self {
            id: s.id.to_string(),
            name: s.name.clone(),
            timezone: s.rotation.timezone.as_str().to_owned(),
            members: s.rotation.members.iter().map(ToString::to_string).collect(),
            shift: NewSchedule::shift_json(&s.rotation),
            starts_on: s.rotation.starts_on.format("%Y-%m-%d").to_string(),
            ical_url,
            created_at: time(s.created_at),
        }
    }

    /// What the audit log keeps: the schedule without its feed URL.
    pub fn audited(s: &Schedule) -> Self {
        Self::new(s, String::new())
    }
}

impl Audited for ScheduleJson {
    fn audit_id(&self) -> &str {
        &self.id
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScheduleList {
    pub items: Vec<ScheduleJson>,
    pub next_cursor: Option<String>,
}

/// Someone on call for a span of time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OnCallJson {
    /// `null`: nobody is on call.
    pub contact_id: Option<String>,
    #[schema(format = DateTime)]
    pub from: Option<String>,
    #[schema(format = DateTime)]
    pub until: Option<String>,
    /// From an override rather than the rotation.
    #[serde(rename = "override")]
    pub by_override: bool,
}

impl From<Option<&Span>> for OnCallJson {
    fn from(span: Option<&Span>) -> Self {
        Self {
            contact_id: span.map(|s| s.contact.to_string()),
            from: span.map(|s| time(s.from)),
            until: span.map(|s| time(s.until)),
            by_override: span.is_some_and(|s| s.by_override),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShiftList {
    pub items: Vec<OnCallJson>,
}

/// An override: someone else on call from `starts_at` until `ends_at`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverrideJson {
    pub id: String,
    pub schedule_id: String,
    pub contact_id: String,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&StoredOverride> for OverrideJson {
    fn from(o: &StoredOverride) -> Self {
        Self {
            id: o.id.to_string(),
            schedule_id: o.schedule_id.to_string(),
            contact_id: o.over.contact.to_string(),
            starts_at: time(o.over.starts_at),
            ends_at: time(o.over.ends_at),
            created_at: time(o.created_at),
        }
    }
}

impl Audited for OverrideJson {
    fn audit_id(&self) -> &str {
        &self.id
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverrideList {
    pub items: Vec<OverrideJson>,
    pub next_cursor: Option<String>,
}

/// An escalation policy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolicyJson {
    pub id: String,
    pub name: String,
    /// In order: step 1 at once, each next after the wait of the one before.
    pub steps: Vec<crate::domain::oncall::policy::StepInput>,
    /// How many times the steps run again after the last (0–5).
    pub repeat: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&crate::store::policies::StoredPolicy> for PolicyJson {
    fn from(p: &crate::store::policies::StoredPolicy) -> Self {
        let (steps, repeat) = p.policy.input();
        Self {
            id: p.id.to_string(),
            name: p.name.clone(),
            steps,
            repeat,
            created_at: time(p.created_at),
        }
    }
}

impl Audited for PolicyJson {
    fn audit_id(&self) -> &str {
        &self.id
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolicyList {
    pub items: Vec<PolicyJson>,
    pub next_cursor: Option<String>,
}
