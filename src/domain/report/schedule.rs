//! When a report runs: a [`Schedule`], parsed from the [`ScheduleInput`] given by the API, a
//! form or the store, and shown back as one.

use crate::domain::{Errors, FieldError, Invalid, TimeZone};
use chrono::{NaiveTime, Weekday};
use std::str::FromStr;

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

pub(crate) fn weekday(input: &str) -> Result<Weekday, Invalid> {
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

pub(crate) fn weekday_name(day: Weekday) -> &'static str {
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
    pub fn parse(&self, prefix: &str) -> Result<Schedule, Vec<FieldError>> {
        let mut errors = Errors::default();
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
