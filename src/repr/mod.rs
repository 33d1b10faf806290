//! The public JSON form of each resource: what the API answers and what the audit log keeps
//! as an object's before and after (one shape for both, so the log reads like the API).

use crate::domain::{CompaniesInput, CompanyAccess, MethodType, QuietHours, Role, Severity};
use crate::store::{Account, Company, Contact, ContactKind, Method, Page};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub mod alerts;
pub mod audit;
pub mod imports;
pub mod integrations;
pub mod reports;
pub mod schedules;
pub mod tokens;

pub use alerts::*;
pub use audit::*;
pub use imports::*;
pub use integrations::*;
pub use reports::*;
pub use schedules::*;
pub use tokens::*;

/// An object as the audit log records it: its JSON form and its id.
pub trait Audited: Serialize {
    fn audit_id(&self) -> &str;
}

pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `"all"` or a list of company ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CompaniesJson {
    All(AllCompanies),
    Chosen(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AllCompanies {
    All,
}

impl CompaniesJson {
    pub fn input(&self) -> CompaniesInput {
        match self {
            Self::All(_) => CompaniesInput::All,
            Self::Chosen(ids) => CompaniesInput::Chosen(ids.clone()),
        }
    }
}

impl From<&CompanyAccess> for CompaniesJson {
    fn from(access: &CompanyAccess) -> Self {
        match access {
            CompanyAccess::All => Self::All(AllCompanies::All),
            CompanyAccess::Only(set) => Self::Chosen(set.iter().map(ToString::to_string).collect()),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompanyJson {
    pub id: String,
    pub name: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Its escalation policy; `null`: everyone with access is told at once.
    pub escalation_policy_id: Option<String>,
}

impl From<&Company> for CompanyJson {
    fn from(c: &Company) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name.clone(),
            created_at: time(c.created_at),
            escalation_policy_id: c.escalation_policy_id.as_ref().map(ToString::to_string),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyList {
    pub items: Vec<CompanyJson>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuietHoursJson {
    /// `HH:MM` in the contact's time zone.
    #[schema(example = "22:00")]
    pub from: String,
    #[schema(example = "07:00")]
    pub to: String,
}

/// `email`, `sms`, `phone`, `webhook`, or a chat or push service: `slack`, `teams`,
/// `discord`, `ntfy`, `telegram`, `matrix`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MethodTypeJson {
    Email,
    Sms,
    Phone,
    Webhook,
    Slack,
    Teams,
    Discord,
    Ntfy,
    Telegram,
    Matrix,
}

/// `info`, `warning` or `critical`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeverityJson {
    Info,
    Warning,
    Critical,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MethodJson {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: MethodTypeJson,
    /// Normalised: E.164 numbers, punycode email domains.
    pub address: String,
    pub label: Option<String>,
    /// The lowest severity sent; `null` sends no alerts.
    pub min_severity: Option<SeverityJson>,
    pub reports: bool,
    pub delay_minutes: u16,
    pub quiet_hours: Option<QuietHoursJson>,
    pub verified: bool,
    /// A user's primary email: cannot be deleted; changes with the user's email.
    pub primary: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// A webhook's signing secret (`whsec_...`, Standard Webhooks), only in the answer that
    /// creates the webhook: keep it then, it is not shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl MethodJson {
    /// The answer that shows a webhook's secret (once).
    pub fn with_secret(mut self, method: &Method) -> Self {
        self.secret = method.secret.as_ref().map(|s| s.expose().to_owned());
        self
    }
}

impl From<&Method> for MethodJson {
    fn from(m: &Method) -> Self {
        Self {
            id: m.id.to_string(),
            kind: match m.kind {
                MethodType::Email => MethodTypeJson::Email,
                MethodType::Sms => MethodTypeJson::Sms,
                MethodType::Phone => MethodTypeJson::Phone,
                MethodType::Webhook => MethodTypeJson::Webhook,
                MethodType::Slack => MethodTypeJson::Slack,
                MethodType::Teams => MethodTypeJson::Teams,
                MethodType::Discord => MethodTypeJson::Discord,
                MethodType::Ntfy => MethodTypeJson::Ntfy,
                MethodType::Telegram => MethodTypeJson::Telegram,
                MethodType::Matrix => MethodTypeJson::Matrix,
            },
            address: m.address.clone(),
            label: m.label.clone(),
            min_severity: m.min_severity.map(|s| match s {
                Severity::Info => SeverityJson::Info,
                Severity::Warning => SeverityJson::Warning,
                Severity::Critical => SeverityJson::Critical,
            }),
            reports: m.reports,
            delay_minutes: m.delay_minutes,
            quiet_hours: m.quiet_hours.map(|q| QuietHoursJson {
                from: QuietHours::format(q.from),
                to: QuietHours::format(q.to),
            }),
            verified: m.verified,
            primary: m.primary,
            created_at: time(m.created_at),
            secret: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KindJson {
    Contact,
    User,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoleJson {
    Admin,
    Technician,
}

/// A contact; users are contacts too (`kind: "user"`) and carry `email`, `role`, `disabled`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactJson {
    pub id: String,
    pub kind: KindJson,
    pub name: String,
    pub companies: CompaniesJson,
    /// `en`, `es`, or `null` (the account's language).
    pub locale: Option<String>,
    /// IANA time zone, or `null` (the account's).
    pub timezone: Option<String>,
    /// Users only: primary email (their login).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<RoleJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    pub methods: Vec<MethodJson>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<&Contact> for ContactJson {
    fn from(c: &Contact) -> Self {
        Self {
            id: c.id.to_string(),
            kind: match c.kind() {
                ContactKind::Contact => KindJson::Contact,
                ContactKind::User => KindJson::User,
            },
            name: c.name.clone(),
            companies: (&c.companies).into(),
            locale: c.locale.map(|l| l.as_str().to_owned()),
            timezone: c.timezone.map(|t| t.as_str().to_owned()),
            email: c.user.as_ref().map(|u| u.email.clone()),
            role: c.user.as_ref().map(|u| match u.role {
                Role::Admin => RoleJson::Admin,
                Role::Technician => RoleJson::Technician,
            }),
            disabled: c.user.as_ref().map(|u| u.disabled),
            methods: c.methods.iter().map(MethodJson::from).collect(),
            created_at: time(c.created_at),
            updated_at: time(c.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactList {
    pub items: Vec<ContactJson>,
    pub next_cursor: Option<String>,
}

impl From<Page<Contact>> for ContactList {
    fn from(page: Page<Contact>) -> Self {
        Self {
            items: page.items.iter().map(ContactJson::from).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountJson {
    pub id: String,
    pub name: String,
    /// ISO 3166 region in which phone numbers without `+` are read.
    pub default_region: String,
    pub locale: String,
    pub timezone: String,
    pub require_verified_phones: bool,
    pub repeat_interval_minutes: i64,
    /// Flood control: messages per destination per 10 minutes, by method type (`null`: none).
    pub flood_limits: FloodLimitsJson,
}

/// Messages per destination per 10 minutes; `null` is no limit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FloodLimitsJson {
    pub email: Option<i64>,
    pub sms: Option<i64>,
    pub phone: Option<i64>,
    pub webhook: Option<i64>,
}

impl From<crate::domain::FloodLimits> for FloodLimitsJson {
    fn from(l: crate::domain::FloodLimits) -> Self {
        Self {
            email: l.email.map(i64::from),
            sms: l.sms.map(i64::from),
            phone: l.phone.map(i64::from),
            webhook: l.webhook.map(i64::from),
        }
    }
}

impl From<&Account> for AccountJson {
    fn from(a: &Account) -> Self {
        Self {
            id: a.id.to_string(),
            name: a.name.clone(),
            default_region: a.default_region.as_str().to_owned(),
            locale: a.locale.as_str().to_owned(),
            timezone: a.timezone.as_str().to_owned(),
            require_verified_phones: a.require_verified_phones,
            repeat_interval_minutes: a.repeat_interval_minutes,
            flood_limits: a.flood_limits.into(),
        }
    }
}

macro_rules! audited {
    ($($t:ty),*) => {$(
        impl crate::repr::Audited for $t {
            fn audit_id(&self) -> &str {
                &self.id
            }
        }
    )*};
}

audited!(CompanyJson, MethodJson, ContactJson, AccountJson);
