//! Routing, as pure functions: who is told about an alert, through which methods, when, or why
//! not. The outbox (issue #6) stores what these plans say; workers re-check a held or delayed
//! notification against the alert's state when it comes due.
//!
//! The facts routing reads and the plans it answers are here; the planning itself is in `plan`,
//! and reading a method's quiet hours in the recipient's zone in `quiet`.

mod escalation;
mod plan;
mod quiet;

pub use escalation::{PlannedStep, Schedules, route_escalated};
pub use plan::route_opened;
pub use quiet::quiet_until;

use super::{CompanyAccess, CompanyId, ContactId, MethodId, MethodType, QuietHours, Severity};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// What routing needs to know about an alert that opened.
#[derive(Debug, Clone)]
pub struct AlertFacts {
    pub company: CompanyId,
    pub severity: Severity,
    pub opened_at: DateTime<Utc>,
}

/// A contact who might be told, with their methods.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub contact: ContactId,
    pub access: CompanyAccess,
    /// The contact's zone, else the account's: quiet hours are read in it.
    pub timezone: Tz,
    pub methods: Vec<MethodFacts>,
}

#[derive(Debug, Clone)]
pub struct MethodFacts {
    pub id: MethodId,
    pub kind: MethodType,
    pub min_severity: Option<Severity>,
    pub delay_minutes: u16,
    pub quiet_hours: Option<QuietHours>,
    pub verified: bool,
}

/// The account's and company's state when the alert opened.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub require_verified_phones: bool,
    /// The alert's company is in a maintenance window.
    pub in_maintenance: bool,
}

/// Why a notification is recorded but not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suppressed {
    Maintenance,
    QuietHours,
    Unverified,
    RateLimited,
    ContactDeleted,
}

impl Suppressed {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Maintenance => "maintenance",
            Self::QuietHours => "quiet hours",
            Self::Unverified => "unverified",
            Self::RateLimited => "rate limited",
            Self::ContactDeleted => "contact deleted",
        }
    }
}

/// What happens to one (alert, method) pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Send at `at`. `escalation`: only if the alert is still firing and unacknowledged then;
    /// `held`: it waited for quiet hours to end and is dropped if the alert resolved by then.
    Send {
        at: DateTime<Utc>,
        escalation: bool,
        held: bool,
    },
    /// Recorded, never sent.
    Suppress(Suppressed),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub contact: ContactId,
    pub method: MethodId,
    pub plan: Plan,
}
