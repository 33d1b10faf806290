//! Scheduled reports: what they are about ([`ReportKind`]), for which companies and
//! recipients ([`ReportInput`] → [`NewReport`]), and when they run ([`Schedule`]). Schedules
//! and their parsing live in `schedule`; the next run, computed in the report's time zone and
//! right across daylight-saving changes, in `next_run`.

pub(crate) mod next_run;
pub(crate) mod schedule;

pub use schedule::{Every, Schedule, ScheduleInput};

use super::Invalid;

/// What a report tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    AlertSummary,
    DeliverySummary,
    Coverage,
}

impl ReportKind {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input.trim() {
            "alert_summary" => Ok(Self::AlertSummary),
            "delivery_summary" => Ok(Self::DeliverySummary),
            "coverage" => Ok(Self::Coverage),
            _ => Err(Invalid::OneOf {
                allowed: "alert_summary, delivery_summary, coverage",
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AlertSummary => "alert_summary",
            Self::DeliverySummary => "delivery_summary",
            Self::Coverage => "coverage",
        }
    }
}

/// A report definition as given (API body or form).
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub companies: Option<super::CompaniesInput>,
    pub schedule: Option<ScheduleInput>,
    pub recipients: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

/// A valid report definition. Company and recipient ids are checked against the account by the
/// store (field errors `companies` and `recipients`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewReport {
    pub name: super::Name,
    pub kind: ReportKind,
    pub companies: super::CompanyAccess,
    pub schedule: Schedule,
    pub recipients: Vec<super::ContactId>,
    pub enabled: bool,
}

/// At most this many recipients per report.
pub const MAX_RECIPIENTS: usize = 200;

impl ReportInput {
    pub fn parse(&self) -> Result<NewReport, Vec<super::FieldError>> {
        let mut errors = super::Errors::default();
        let name = match &self.name {
            Some(n) => errors.check("name", super::Name::parse(n)),
            None => {
                errors.push("name", Invalid::Required);
                None
            }
        };
        let kind = match &self.kind {
            Some(k) => errors.check("kind", ReportKind::parse(k)),
            None => {
                errors.push("kind", Invalid::Required);
                None
            }
        };
        let companies = match &self.companies {
            Some(c) => errors.check("companies", c.parse()),
            None => {
                errors.push("companies", Invalid::Required);
                None
            }
        };
        let schedule = match &self.schedule {
            Some(s) => match s.parse("schedule") {
                Ok(s) => Some(s),
                Err(fields) => {
                    for f in fields {
                        errors.push(&f.field, f.error);
                    }
                    None
                }
            },
            None => {
                errors.push("schedule", Invalid::Required);
                None
            }
        };
        let recipients = match &self.recipients {
            Some(ids) if ids.is_empty() => {
                errors.push("recipients", Invalid::Required);
                None
            }
            // Ids are opaque, but none is empty or has control characters.
            Some(ids)
                if ids
                    .iter()
                    .any(|id| id.trim().is_empty() || id.chars().any(char::is_control)) =>
            {
                errors.push(
                    "recipients",
                    Invalid::Type {
                        message: "Unknown contact".into(),
                    },
                );
                None
            }
            Some(ids) if ids.len() > MAX_RECIPIENTS => {
                errors.push(
                    "recipients",
                    Invalid::Range {
                        min: 1,
                        max: MAX_RECIPIENTS as i64,
                    },
                );
                None
            }
            Some(ids) => {
                let mut unique: Vec<super::ContactId> = Vec::new();
                for id in ids {
                    let id = super::ContactId::from_string(id.trim());
                    if !unique.contains(&id) {
                        unique.push(id);
                    }
                }
                Some(unique)
            }
            None => {
                errors.push("recipients", Invalid::Required);
                None
            }
        };
        errors.finish(|| {
            Some(NewReport {
                name: name?,
                kind: kind?,
                companies: companies?,
                schedule: schedule?,
                recipients: recipients?,
                enabled: self.enabled.unwrap_or(true),
            })
        })
    }
}
