use crate::domain::{
    AccountId, AlertId, CompanyAccess, CompanyId, ContactId, Locale, MethodId, MethodType,
    NotificationId, QuietHours, Region, ReportId, Role, RunId, Severity, TimeZone, WindowId,
};
use crate::store::PageRequest;
use chrono::{DateTime, Utc};

/// A page of a list and the cursor of the next one.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub default_region: Region,
    pub locale: Locale,
    pub timezone: TimeZone,
    pub require_verified_phones: bool,
    pub repeat_interval_minutes: i64,
    pub flood_limits: crate::domain::FloodLimits,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// Its escalation policy; `None`: everyone with access is told at once.
    pub escalation_policy_id: Option<crate::domain::PolicyId>,
}

/// A contact as lists and pages show it: with its login (for users) and methods.
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: ContactId,
    pub name: String,
    pub companies: CompanyAccess,
    pub locale: Option<Locale>,
    pub timezone: Option<TimeZone>,
    pub user: Option<UserInfo>,
    /// The primary email first, then in the order they were added.
    pub methods: Vec<Method>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Contact {
    pub fn kind(&self) -> ContactKind {
        match self.user {
            Some(_) => ContactKind::User,
            None => ContactKind::Contact,
        }
    }
}

/// What a user has beyond a contact.
#[derive(Debug, Clone, PartialEq)]
pub struct UserInfo {
    pub email: String,
    pub role: Role,
    pub disabled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    User,
    Contact,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Method {
    pub id: MethodId,
    pub contact_id: ContactId,
    pub kind: MethodType,
    pub address: String,
    pub label: Option<String>,
    pub min_severity: Option<Severity>,
    pub reports: bool,
    pub delay_minutes: u16,
    pub quiet_hours: Option<QuietHours>,
    pub verified: bool,
    /// A user's primary email: cannot be deleted, changes only with the user's email.
    pub primary: bool,
    /// A webhook's signing secret (`whsec_...`): shown once, when created; never listed.
    pub secret: Option<crate::config::Secret>,
    pub created_at: DateTime<Utc>,
}

/// Filters of the contacts list.
#[derive(Debug, Clone, Default)]
pub struct ContactQuery {
    /// Only contacts with access to this company.
    pub company: Option<CompanyId>,
    /// Case-insensitive text found in the name or a method's address.
    pub text: Option<String>,
    pub kind: Option<ContactKind>,
    pub page: PageRequest,
}

/// Who is behind an email or a token, with what they need to be let in.
#[derive(Debug, Clone, PartialEq)]
pub struct Login {
    pub account_id: AccountId,
    pub user_id: ContactId,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub companies: CompanyAccess,
    pub password_hash: Option<String>,
}

/// One change, for the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEntry {
    pub actor_id: ContactId,
    pub actor_name: String,
    /// `create`, `update` or `delete`.
    pub action: &'static str,
    /// `company`, `contact`, `method`, `user`, `account`, ...
    pub object_type: &'static str,
    pub object_id: String,
    /// The object as the API showed it before and after (JSON).
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: String,
    pub actor_id: ContactId,
    pub actor_name: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub at: DateTime<Utc>,
}

/// Filters of the audit log, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub object_id: Option<String>,
    pub actor_id: Option<ContactId>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub page: PageRequest,
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub id: AlertId,
    pub company_id: crate::domain::CompanyId,
    pub key: String,
    pub severity: Severity,
    pub status: crate::domain::AlertStatus,
    pub title: String,
    pub body: Option<String>,
    pub labels: std::collections::BTreeMap<String, String>,
    pub opened_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who acknowledged it (a contact or user id; the contact may since be deleted).
    pub acknowledged_by: Option<ContactId>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// One row of the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: NotificationId,
    pub alert_id: Option<AlertId>,
    pub contact_id: ContactId,
    pub method_id: MethodId,
    pub kind: MethodType,
    pub address: String,
    pub event: crate::domain::notification::Event,
    pub state: crate::domain::notification::State,
    pub reason: Option<String>,
    pub escalation: bool,
    pub held: bool,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The step of the company's escalation policy (1-based); `None` without a policy.
    pub escalation_step: Option<i64>,
}

/// Filters of the alerts list.
#[derive(Debug, Clone, Default)]
pub struct AlertQuery {
    pub company: Option<crate::domain::CompanyId>,
    pub status: Option<crate::domain::AlertStatus>,
    pub page: PageRequest,
}

/// Filters of the delivery log.
#[derive(Debug, Clone, Default)]
pub struct NotificationQuery {
    pub alert: Option<AlertId>,
    pub contact: Option<ContactId>,
    pub state: Option<String>,
    pub page: PageRequest,
}

/// A period during which a company's alerts are recorded, not sent.
#[derive(Debug, Clone, PartialEq)]
pub struct MaintenanceWindow {
    pub id: WindowId,
    pub company_id: crate::domain::CompanyId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: Option<String>,
}

/// What a worker needs to send one notification, read when it is sent (not when queued).
#[derive(Debug, Clone)]
pub struct DeliveryContext {
    pub account_id: crate::domain::AccountId,
    pub account_name: String,
    /// Shared with the answer of the batch that stored it (intake hands it over).
    pub alert: Option<std::sync::Arc<Alert>>,
    pub company_name: Option<String>,
    /// `None` when the contact or the method was deleted since.
    pub recipient: Option<RecipientInfo>,
    /// What a message that is not an alert carries (a verification code, a digest's start).
    pub payload: Option<String>,
    /// The account's flood limit for this method type (messages per 10 minutes), if any.
    pub flood_limit: Option<i64>,
}

pub use crate::domain::lifecycle::VerifyOutcome;

/// The person a notification goes to, in their language and time zone (or the account's).
#[derive(Debug, Clone)]
pub struct RecipientInfo {
    pub name: String,
    pub locale: crate::domain::Locale,
    pub timezone: crate::domain::TimeZone,
    pub webhook_secret: Option<crate::config::Secret>,
}

/// How one attempt to send ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    Sent,
    /// Failed; tried again later.
    Retry,
    /// Failed for good.
    Failed,
    /// Not sent after all (acknowledged, resolved, contact deleted...).
    Suppressed,
}

impl AttemptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Retry => "retry",
            Self::Failed => "failed",
            Self::Suppressed => "suppressed",
        }
    }

    pub fn parse(s: &str) -> std::result::Result<Self, crate::domain::Invalid> {
        match s {
            "sent" => Ok(Self::Sent),
            "retry" => Ok(Self::Retry),
            "failed" => Ok(Self::Failed),
            "suppressed" => Ok(Self::Suppressed),
            _ => Err(crate::domain::Invalid::OneOf {
                allowed: "sent, retry, failed, suppressed",
            }),
        }
    }
}

/// One attempt to send a notification, for the delivery log.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAttempt {
    pub notification_id: NotificationId,
    pub attempt: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: AttemptOutcome,
    /// The provider's answer or the error.
    pub detail: Option<String>,
}

/// A recorded attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub attempt: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: AttemptOutcome,
    pub detail: Option<String>,
}

/// A stored report definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub id: ReportId,
    pub name: String,
    pub kind: crate::domain::report::ReportKind,
    pub companies: crate::domain::CompanyAccess,
    pub schedule: crate::domain::report::Schedule,
    pub recipients: Vec<ContactId>,
    pub enabled: bool,
    /// `None` while disabled.
    pub next_run_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One run of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRun {
    pub id: RunId,
    pub report_id: ReportId,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub scheduled_for: DateTime<Utc>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
}

/// Operational numbers of the whole deployment (`/metrics`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    /// (state, method type, count)
    pub notifications: Vec<(String, String, i64)>,
    /// How long the oldest notification that is due has waited, if any.
    pub oldest_due_seconds: Option<f64>,
    pub alerts_firing: i64,
    /// (state, count)
    pub report_runs: Vec<(String, i64)>,
}
