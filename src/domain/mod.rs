//! Pure types and rules, no I/O. Every type here can only hold a valid value: input is parsed
//! once at the edge (API, web form, CLI) and nothing downstream checks it again.

mod access;
mod account;
mod address;
mod alert;
mod chat;
mod contact;
pub mod contacts_csv;
pub mod csv_cell;
mod email;
pub mod forwarded;
mod ids;
pub mod integration;
pub mod lifecycle;
pub mod limits;
mod maintenance;
mod method;
mod name;
pub mod net;
pub mod notification;
pub mod oncall;
mod phone;
pub mod report;
pub mod retention;
pub mod retry;
pub mod routing;
mod settings;
pub mod setup;
pub mod token;
pub mod tries;
mod user;
pub mod webhook;

pub use access::{CompanyAccess, CompanyScope};
pub use account::{AccountSettings, FloodLimits, Profile, RepeatInterval, UserChange};
pub use alert::{
    AlertInput, AlertStatus, Lines, NewAlert, check_controls, check_scope, parse_batch,
};
pub use chat::{MatrixRoom, TelegramChat};
pub use contact::{CompaniesInput, ContactInput, NewAccount, NewContact, NewUser};
pub use email::EmailAddress;
pub use ids::{
    AccountId, AlertId, CompanyId, ContactId, IntegrationId, MethodId, NotificationId, OverrideId,
    PolicyId, ReportId, RunId, ScheduleId, TokenId, WindowId,
};
pub use maintenance::NewWindow;
pub use method::{
    Address, DelayMinutes, MethodInput, MethodType, NewMethod, ParseContext, QuietHours,
    RoutingPrefs, Severity,
};
pub use name::Name;
pub use phone::{PhoneNumber, Region};
pub use settings::{Locale, TimeZone};
pub use user::{Password, Role};
pub use webhook::WebhookUrl;

use std::fmt;

/// Why a value was refused. The wording is English; the web app maps [`Invalid::code`] to its
/// translated messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("This field is required")]
    Required,
    #[error("Must be at most {max} characters")]
    TooLong { max: usize },
    #[error("Must be at least {min} characters")]
    TooShort { min: usize },
    #[error("Must not contain control characters or line breaks")]
    ControlCharacter,
    #[error("Enter a valid email address")]
    Email,
    #[error("Enter a valid phone number: {reason}")]
    Phone { reason: String },
    #[error("Enter a valid region code such as US or ES")]
    Region,
    #[error("Enter a valid webhook URL: {reason}")]
    Webhook { reason: String },
    #[error("Enter a Telegram chat id such as -1001234567890, or a public @channel name")]
    TelegramChat,
    #[error(
        "Enter a Matrix room id such as !abc:example.org (a room alias starting with # is not an id)"
    )]
    MatrixRoom,
    #[error("Must be one of: {allowed}")]
    OneOf { allowed: &'static str },
    #[error("Must be a whole number from {min} to {max}")]
    Range { min: i64, max: i64 },
    #[error("Enter a time as HH:MM")]
    Time,
    #[error("Enter a date as YYYY-MM-DD")]
    Date,
    #[error("Enter a time zone name such as Europe/Madrid")]
    TimeZone,
    #[error("Enter a date and time such as 2026-11-25T22:00:00Z (RFC 3339)")]
    DateTime,
    #[error("Must be after the start")]
    EndsBeforeStart,
    #[error("This code is not right")]
    CodeWrong,
    #[error("This code has expired; ask for a new one")]
    CodeExpired,
    #[error("Too many wrong codes; ask for a new one")]
    CodeLocked,
    #[error("No code was sent, or it was already used; ask for a new one")]
    CodeUnknown,
    #[error("Choose at least one company, or all companies")]
    NoCompanies,
    #[error("Only email methods can receive reports")]
    ReportsEmailOnly,
    #[error("Quiet hours need both a start and an end, and they must differ")]
    QuietHours,
    #[error("Already in use")]
    Taken,
    #[error("Unknown company")]
    UnknownCompany,
    #[error("Unknown contact")]
    UnknownContact,
    #[error("Unknown schedule")]
    UnknownSchedule,
    #[error("Unknown escalation policy")]
    UnknownPolicy,
    #[error("Not a valid value")]
    Malformed,
    #[error("The password is not right")]
    WrongPassword,
    #[error("Must be in the future")]
    InPast,
    #[error("Must not be later than the expiry of the token that makes it")]
    OutlivesToken,
    #[error("Too many wrong passwords: try again in 15 minutes")]
    TooManyTries,
    #[error("Enter a number of days or hours such as 90d or 12h")]
    Lifetime,
    /// A JSON value of the wrong type, or an unknown field.
    #[error("{message}")]
    Type { message: String },
    // The contacts CSV (`contacts_csv`): refused cells, named by line and column.
    #[error("No user of this account has this email")]
    UnknownUser,
    #[error("Several contacts have this name: rename them first, or import them as users")]
    NameShared,
    #[error("Repeats line {line}: a contact has each method once")]
    RepeatsLine { line: usize },
    #[error("Differs from line {line}, this contact's first row: leave it empty or repeat it")]
    DiffersFromLine { line: usize },
    #[error("Only user rows have an email_login")]
    LoginOnContact,
    #[error("Unknown column")]
    UnknownColumn,
    #[error("The header needs this column")]
    MissingColumn,
    #[error("This column is in the header twice")]
    RepeatedColumn,
    #[error("Has more cells than the header's {max}")]
    TooManyCells { max: usize },
    #[error("Not UTF-8 text: save the file as CSV UTF-8")]
    NotUtf8,
}

impl Invalid {
    /// A stable identifier for the message, used as the key of its translations.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooLong { .. } => "too-long",
            Self::TooShort { .. } => "too-short",
            Self::ControlCharacter => "control-character",
            Self::Email => "invalid-email",
            Self::Phone { .. } => "invalid-phone",
            Self::Region => "invalid-region",
            Self::Webhook { .. } => "invalid-webhook",
            Self::TelegramChat => "invalid-telegram-chat",
            Self::MatrixRoom => "invalid-matrix-room",
            Self::OneOf { .. } => "one-of",
            Self::Range { .. } => "out-of-range",
            Self::Time => "invalid-time",
            Self::Date => "invalid-date",
            Self::TimeZone => "invalid-timezone",
            Self::DateTime => "invalid-datetime",
            Self::EndsBeforeStart => "ends-before-start",
            Self::CodeWrong => "code-wrong",
            Self::CodeExpired => "code-expired",
            Self::CodeLocked => "code-locked",
            Self::CodeUnknown => "code-unknown",
            Self::NoCompanies => "no-companies",
            Self::ReportsEmailOnly => "reports-email-only",
            Self::QuietHours => "invalid-quiet-hours",
            Self::Taken => "taken",
            Self::UnknownCompany => "unknown-company",
            Self::UnknownContact => "unknown-contact",
            Self::UnknownSchedule => "unknown-schedule",
            Self::UnknownPolicy => "unknown-policy",
            Self::Malformed => "malformed",
            Self::Type { .. } => "wrong-type",
            Self::WrongPassword => "wrong-password",
            Self::InPast => "in-past",
            Self::OutlivesToken => "outlives-token",
            Self::TooManyTries => "too-many-tries",
            Self::Lifetime => "invalid-lifetime",
            Self::UnknownUser => "unknown-user",
            Self::NameShared => "name-shared",
            Self::RepeatsLine { .. } => "repeats-line",
            Self::DiffersFromLine { .. } => "differs-from-line",
            Self::LoginOnContact => "login-on-contact",
            Self::UnknownColumn => "unknown-column",
            Self::MissingColumn => "missing-column",
            Self::RepeatedColumn => "repeated-column",
            Self::TooManyCells { .. } => "too-many-cells",
            Self::NotUtf8 => "not-utf8",
        }
    }
}

/// One refused field: its name as the client sent it and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub error: Invalid,
}

impl FieldError {
    pub fn new(field: impl Into<String>, error: Invalid) -> Self {
        Self {
            field: field.into(),
            error,
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.error)
    }
}

/// Collects field errors so a form or body reports every bad field at once.
#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    /// Keeps the value, or records its error under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, Invalid>) -> Option<T> {
        result
            .map_err(|e| self.0.push(FieldError::new(field, e)))
            .ok()
    }

    /// [`Errors::check`] for a field named `{prefix}{name}`, the name written only for an
    /// error (a batch of alerts checks thousands of fields, nearly always good).
    pub fn check_at<T>(
        &mut self,
        prefix: &str,
        name: &str,
        result: Result<T, Invalid>,
    ) -> Option<T> {
        result
            .map_err(|e| self.0.push(FieldError::new(format!("{prefix}{name}"), e)))
            .ok()
    }

    pub fn push(&mut self, field: &str, error: Invalid) {
        self.0.push(FieldError::new(field, error));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// `Ok(value)` when nothing was refused.
    pub fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            // Every checked value was kept, so `value` can build the result.
            value().ok_or_else(|| vec![FieldError::new("", Invalid::Malformed)])
        } else {
            Err(self.0)
        }
    }
}

#[cfg(test)]
mod robustness {
    //! Whatever is typed, parsing answers `Ok` or `Err`; it never panics.
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const PIECES: &[&str] = &[
        "@",
        ".",
        "+",
        "-",
        "(",
        ")",
        " ",
        "\r\n",
        "\0",
        "\u{202e}",
        "xn--",
        "é",
        "ü",
        "👩‍👩‍👧",
        "ع",
        "0",
        "1",
        "34",
        "612",
        "http://",
        "https://",
        "localhost",
        "127.0.0.1",
        "[::1]",
        ":",
        "/",
        "%",
        "_",
        "\\",
        "\"",
        "a",
        "Z",
        "例",
        "\u{fe0f}",
        "\t",
        "#",
        "?",
        "=",
        "%00",
        "1440",
    ];

    #[test]
    fn random_input_never_panics() {
        let mut rng = StdRng::seed_from_u64(0x5eac4);
        let ctx = ParseContext {
            default_region: Region::parse("US").unwrap_or_else(|e| panic!("{e}")),
            allow_loopback: true,
        };
        for _ in 0..5_000 {
            let len = rng.gen_range(0..12);
            let text: String = (0..len)
                .map(|_| PIECES[rng.gen_range(0..PIECES.len())])
                .collect();
            let _ = Name::parse(&text);
            let _ = EmailAddress::parse(&text);
            let _ = PhoneNumber::parse(&text, ctx.default_region);
            let _ = WebhookUrl::parse(&text, true);
            let _ = Region::parse(&text);
            let _ = TimeZone::parse(&text);
            let _ = Locale::parse(&text);
            let _ = QuietHours::parse(&text, &text);
            let _ = crate::store::Cursor::parse(&text);
            for kind in ["email", "sms", "phone", "webhook"] {
                let input = MethodInput {
                    kind: Some(kind.into()),
                    address: Some(text.clone()),
                    label: Some(text.clone()),
                    min_severity: Some(Some(text.clone())),
                    reports: Some(rng.r#gen()),
                    delay_minutes: Some(rng.r#gen()),
                    quiet_hours: Some((text.clone(), text.clone())),
                };
                let _ = input.parse(&ctx);
            }
        }
    }
}
