//! Scheduled reports: what they are about and when they run. The next run is computed in the
//! report's time zone, so it is right across daylight-saving changes: a local time that does
//! not exist that day (spring forward) runs at the first instant after the gap, and one that
//! happens twice (fall back) runs once, at the first.

use super::{Invalid, TimeZone};
use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveTime, TimeZone as _, Utc, Weekday,
};
use std::str::FromStr;

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

/// How often a calendar schedule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    Day,
    Week(Weekday),
    /// On this day of the month, or the last day when the month is shorter.
    Month(u32),
}

/// When a report runs.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// Every day, week or month at a local time in a zone.
    Calendar {
        every: Every,
        at: NaiveTime,
        timezone: TimeZone,
    },
    /// A five-field cron expression (`MIN HOUR DOM MON DOW`) in a zone.
    Cron {
        expression: String,
        cron: Box<croner::Cron>,
        timezone: TimeZone,
    },
}

impl PartialEq for Schedule {
    fn eq(&self, other: &Self) -> bool {
        self.to_json() == other.to_json()
    }
}

/// A schedule as given (API body, form, or stored JSON).
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub every: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weekday: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
}

fn weekday(input: &str) -> Result<Weekday, Invalid> {
    match input.trim() {
        "mon" => Ok(Weekday::Mon),
        "tue" => Ok(Weekday::Tue),
        "wed" => Ok(Weekday::Wed),
        "thu" => Ok(Weekday::Thu),
        "fri" => Ok(Weekday::Fri),
        "sat" => Ok(Weekday::Sat),
        "sun" => Ok(Weekday::Sun),
        _ => Err(Invalid::OneOf {
            allowed: "mon, tue, wed, thu, fri, sat, sun",
        }),
    }
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

impl ScheduleInput {
    /// A valid schedule, or field errors named `{prefix}.every`, `{prefix}.at`, ...
    pub fn parse(&self, prefix: &str) -> Result<Schedule, Vec<super::FieldError>> {
        let mut errors = super::Errors::default();
        let field = |name: &str| format!("{prefix}.{name}");
        let timezone = match &self.timezone {
            Some(tz) => errors.check(&field("timezone"), TimeZone::parse(tz)),
            None => {
                errors.push(&field("timezone"), Invalid::Required);
                None
            }
        };
        if let Some(expression) = &self.cron {
            if self.every.is_some()
                || self.at.is_some()
                || self.weekday.is_some()
                || self.day.is_some()
            {
                errors.push(
                    &field("cron"),
                    Invalid::Type {
                        message: "Give either a cron expression or every/at, not both".into(),
                    },
                );
            }
            let expression = expression.trim().to_owned();
            let five_fields = expression.split_whitespace().count() == 5;
            let cron = if five_fields {
                errors.check(
                    &field("cron"),
                    croner::Cron::from_str(&expression).map_err(|e| Invalid::Type {
                        message: format!("Not a cron expression: {e}"),
                    }),
                )
            } else {
                errors.push(
                    &field("cron"),
                    Invalid::Type {
                        message: "A cron expression has five fields: MIN HOUR DOM MON DOW".into(),
                    },
                );
                None
            };
            return errors.finish(|| {
                Some(Schedule::Cron {
                    expression,
                    cron: Box::new(cron?),
                    timezone: timezone?,
                })
            });
        }
        let every = match self.every.as_deref().map(str::trim) {
            Some("day") => Some(Every::Day),
            Some("week") => match &self.weekday {
                Some(w) => errors.check(&field("weekday"), weekday(w)).map(Every::Week),
                None => {
                    errors.push(&field("weekday"), Invalid::Required);
                    None
                }
            },
            Some("month") => match self.day {
                Some(d) if (1..=31).contains(&d) => u32::try_from(d).ok().map(Every::Month),
                Some(_) => {
                    errors.push(&field("day"), Invalid::Range { min: 1, max: 31 });
                    None
                }
                None => {
                    errors.push(&field("day"), Invalid::Required);
                    None
                }
            },
            Some(_) => {
                errors.push(
                    &field("every"),
                    Invalid::OneOf {
                        allowed: "day, week, month",
                    },
                );
                None
            }
            None => {
                errors.push(&field("every"), Invalid::Required);
                None
            }
        };
        let at = match &self.at {
            Some(at) => errors.check(
                &field("at"),
                NaiveTime::parse_from_str(at.trim(), "%H:%M").map_err(|_| Invalid::Time),
            ),
            None => {
                errors.push(&field("at"), Invalid::Required);
                None
            }
        };
        errors.finish(|| {
            Some(Schedule::Calendar {
                every: every?,
                at: at?,
                timezone: timezone?,
            })
        })
    }
}

impl Schedule {
    /// The schedule as the API shows it (and the store keeps it).
    pub fn to_json(&self) -> ScheduleInput {
        match self {
            Self::Calendar {
                every,
                at,
                timezone,
            } => ScheduleInput {
                every: Some(
                    match every {
                        Every::Day => "day",
                        Every::Week(_) => "week",
                        Every::Month(_) => "month",
                    }
                    .to_owned(),
                ),
                weekday: match every {
                    Every::Week(d) => Some(weekday_name(*d).to_owned()),
                    _ => None,
                },
                day: match every {
                    Every::Month(d) => Some(i64::from(*d)),
                    _ => None,
                },
                at: Some(at.format("%H:%M").to_string()),
                cron: None,
                timezone: Some(timezone.as_str().to_owned()),
            },
            Self::Cron {
                expression,
                timezone,
                ..
            } => ScheduleInput {
                cron: Some(expression.clone()),
                timezone: Some(timezone.as_str().to_owned()),
                ..ScheduleInput::default()
            },
        }
    }

    /// The first run strictly after `after`.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::Cron { cron, timezone, .. } => cron
                .find_next_occurrence(&after.with_timezone(&timezone.tz()), false)
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            Self::Calendar {
                every,
                at,
                timezone,
            } => {
                let tz = timezone.tz();
                let start = after.with_timezone(&tz).date_naive();
                // A day before `after`'s local date too: its run may still be ahead in UTC.
                let mut date = start.checked_sub_days(Days::new(1))?;
                for _ in 0..800 {
                    if matches(*every, date) {
                        let at = resolve(&tz, date, *at)?;
                        if at > after {
                            return Some(at);
                        }
                    }
                    date = date.checked_add_days(Days::new(1))?;
                }
                None
            }
        }
    }
}

/// Whether a calendar schedule runs on `date`.
fn matches(every: Every, date: NaiveDate) -> bool {
    match every {
        Every::Day => true,
        Every::Week(day) => date.weekday() == day,
        Every::Month(day) => {
            let last = last_day_of_month(date);
            date.day() == day.min(last)
        }
    }
}

fn last_day_of_month(date: NaiveDate) -> u32 {
    let (y, m) = (date.year(), date.month());
    let first_next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    first_next
        .and_then(|d| d.pred_opt())
        .map_or(28, |d| d.day())
}

/// A local date and time in `tz` as an instant: the first of two (fall back), or the first
/// instant after a gap (spring forward).
fn resolve(tz: &chrono_tz::Tz, date: NaiveDate, at: NaiveTime) -> Option<DateTime<Utc>> {
    let local = date.and_time(at);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
        LocalResult::None => (1..=180).find_map(|minutes| {
            match tz.from_local_datetime(&(local + chrono::Duration::minutes(minutes))) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                    // The first valid local minute after the gap, then back to where the gap
                    // ends (the instant is the gap's end).
                    Some(t.with_timezone(&Utc))
                }
                LocalResult::None => None,
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn schedule(json: &str) -> Schedule {
        serde_json::from_str::<ScheduleInput>(json)
            .unwrap()
            .parse("schedule")
            .unwrap()
    }

    /// The runs after `from`, `n` of them.
    fn runs(s: &Schedule, from: &str, n: usize) -> Vec<String> {
        let mut at = utc(from);
        (0..n)
            .map(|_| {
                at = s.next_after(at).unwrap();
                at.to_rfc3339()
            })
            .collect()
    }

    #[test]
    fn daily_at_0230_madrid_runs_once_on_both_dst_days() {
        let s = schedule(r#"{"every": "day", "at": "02:30", "timezone": "Europe/Madrid"}"#);
        // 2027-03-28: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist → 03:00 CEST.
        assert_eq!(
            runs(&s, "2027-03-26T12:00:00Z", 3),
            [
                "2027-03-27T01:30:00+00:00",
                "2027-03-28T01:00:00+00:00",
                "2027-03-29T00:30:00+00:00"
            ]
        );
        // 2027-10-31: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice → the first.
        assert_eq!(
            runs(&s, "2027-10-29T12:00:00Z", 3),
            [
                "2027-10-30T00:30:00+00:00",
                "2027-10-31T00:30:00+00:00",
                "2027-11-01T01:30:00+00:00"
            ]
        );
    }

    #[test]
    fn monthly_on_the_31st_runs_on_the_last_day_of_shorter_months() {
        let s = schedule(r#"{"every": "month", "day": 31, "at": "08:00", "timezone": "UTC"}"#);
        assert_eq!(
            runs(&s, "2027-01-01T00:00:00Z", 4),
            [
                "2027-01-31T08:00:00+00:00",
                "2027-02-28T08:00:00+00:00",
                "2027-03-31T08:00:00+00:00",
                "2027-04-30T08:00:00+00:00"
            ]
        );
        let leap = schedule(r#"{"every": "month", "day": 30, "at": "08:00", "timezone": "UTC"}"#);
        assert_eq!(
            runs(&leap, "2028-02-01T00:00:00Z", 1),
            ["2028-02-29T08:00:00+00:00"]
        );
    }

    #[test]
    fn weekly_and_cron_schedules_follow_their_zone() {
        let s = schedule(
            r#"{"every": "week", "weekday": "mon", "at": "09:00", "timezone": "America/New_York"}"#,
        );
        // 2027-03-14 is the US spring-forward Sunday: Monday 09:00 EDT is 13:00 UTC.
        assert_eq!(
            runs(&s, "2027-03-05T00:00:00Z", 2),
            ["2027-03-08T14:00:00+00:00", "2027-03-15T13:00:00+00:00"]
        );
        let cron = schedule(r#"{"cron": "30 2 * * *", "timezone": "Europe/Madrid"}"#);
        let spring = runs(&cron, "2027-03-27T12:00:00Z", 2);
        assert_eq!(spring.len(), 2);
        assert!(spring[0].starts_with("2027-03-28"), "{spring:?}");
        assert!(spring[1].starts_with("2027-03-29T00:30"), "{spring:?}");
        let fall = runs(&cron, "2027-10-30T12:00:00Z", 2);
        assert_eq!(
            fall[0], "2027-10-31T00:30:00+00:00",
            "once on the fall-back day: {fall:?}"
        );
        assert_eq!(fall[1], "2027-11-01T01:30:00+00:00");
    }

    #[test]
    fn bad_schedules_are_field_errors() {
        let errors = |json: &str| -> Vec<String> {
            serde_json::from_str::<ScheduleInput>(json)
                .unwrap()
                .parse("schedule")
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(
            errors(r#"{"every": "week", "at": "25:00", "timezone": "Mars/Base"}"#),
            ["schedule.timezone", "schedule.weekday", "schedule.at"]
        );
        assert_eq!(
            errors(r#"{"every": "month", "day": 32, "at": "08:00", "timezone": "UTC"}"#),
            ["schedule.day"]
        );
        assert_eq!(
            errors(r#"{"cron": "61 * * * *", "timezone": "UTC"}"#),
            ["schedule.cron"]
        );
        assert_eq!(
            errors(r#"{"cron": "0 0 * *", "timezone": "UTC"}"#),
            ["schedule.cron"]
        );
        assert_eq!(
            errors(r#"{"timezone": "UTC"}"#),
            ["schedule.every", "schedule.at"]
        );
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
