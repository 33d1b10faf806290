//! What the API reads and writes: request extractors and the JSON shapes of answers.

use crate::domain::{
    CompaniesInput, CompanyAccess, Errors, FieldError, Invalid, Locale, MethodType, QuietHours,
    Role, Severity, TimeZone,
};
use crate::error::AppError;
use crate::store::{Account, AuditEntry, Company, Contact, ContactKind, Method, Page};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// A JSON body: 415 unless it is `application/json`, 413 above the limit, 400 when it is not
/// JSON, 422 naming the field when a value has the wrong type or an unknown field is sent.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| {
                let v = v.trim().to_ascii_lowercase();
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::TooLarge
            } else {
                AppError::Malformed(e.body_text())
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Reads JSON, telling syntax errors (400) from values of the wrong shape (422 on the field).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(shape_error)?;
    deserializer
        .end()
        .map_err(|e| AppError::Malformed(e.to_string()))?;
    Ok(value)
}

/// Reads a value already parsed as JSON into `T` (422 naming the field on a wrong shape).
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
    serde_path_to_error::deserialize(value).map_err(shape_error)
}

fn shape_error(e: serde_path_to_error::Error<serde_json::Error>) -> AppError {
    let inner = e.inner();
    if inner.is_syntax() || inner.is_eof() || inner.is_io() {
        return AppError::Malformed(inner.to_string());
    }
    let path = e.path().to_string();
    let message = inner.to_string();
    // serde names a missing field in its message and the parent in the path.
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next());
    let field = match (path.as_str(), missing) {
        (".", Some(name)) => name.to_owned(),
        (_, Some(name)) => format!("{path}.{name}"),
        (".", None) => String::new(),
        (_, None) => path,
    };
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    AppError::Validation(vec![FieldError::new(field, Invalid::Type { message })])
}

/// For `Option<Option<T>>` fields: absent is `None`, `null` is `Some(None)`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A contact's language and time zone after a patch: a field left out keeps its current value,
/// `null` or blank unsets it. Bad values are recorded in `errors` (and answer `None`).
pub fn patched_preferences(
    errors: &mut Errors,
    locale: Option<Option<String>>,
    timezone: Option<Option<String>>,
    current: (Option<Locale>, Option<TimeZone>),
) -> Option<(Option<Locale>, Option<TimeZone>)> {
    let value = |given: Option<Option<String>>, current: Option<&str>| {
        given
            .unwrap_or(current.map(str::to_owned))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let locale = match value(locale, current.0.map(Locale::as_str)) {
        None => Some(None),
        Some(l) => errors.check("locale", Locale::parse(&l)).map(Some),
    };
    let timezone = match value(timezone, current.1.map(TimeZone::as_str)) {
        None => Some(None),
        Some(t) => errors.check("timezone", TimeZone::parse(&t)).map(Some),
    };
    Some((locale?, timezone?))
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
}

impl From<&Company> for CompanyJson {
    fn from(c: &Company) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name.clone(),
            created_at: time(c.created_at),
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

/// `email`, `sms`, `phone` or `webhook`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MethodTypeJson {
    Email,
    Sms,
    Phone,
    Webhook,
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

macro_rules! audited {
    ($($t:ty),*) => {$(
        impl crate::http::Audited for $t {
            fn audit_id(&self) -> &str {
                &self.id
            }
        }
    )*};
}

audited!(CompanyJson, MethodJson, ContactJson, AccountJson);
