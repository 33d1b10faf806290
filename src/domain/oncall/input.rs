//! A schedule and an override as given (API body or form), parsed with every bad field
//! reported at once under its JSON name (`shift.handoff`, `members[2]`, ...).

use super::{Override, Rotation, ShiftEvery};
use crate::domain::report::schedule::{weekday, weekday_name};
use crate::domain::{ContactId, Errors, FieldError, Invalid, Name, TimeZone};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};

/// The most members a rotation takes.
pub const MAX_MEMBERS: usize = 100;

/// How a schedule's shifts run, as given.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(deny_unknown_fields)]
pub struct ShiftInput {
    /// `day` or `week`.
    pub every: Option<String>,
    /// Days or weeks per shift (1–365 days, 1–52 weeks); default 1.
    pub count: Option<i64>,
    /// `HH:MM` in the schedule's zone.
    pub handoff: Option<String>,
    /// Weekly shifts: the handoff day, `mon`..`sun` (default: `starts_on`'s).
    pub weekday: Option<String>,
}

/// A schedule as given.
#[derive(Debug, Clone, Default)]
pub struct ScheduleInput {
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub members: Option<Vec<String>>,
    pub shift: Option<ShiftInput>,
    pub starts_on: Option<String>,
}

/// A valid schedule, ready to store (its members still to be found in the account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSchedule {
    pub name: Name,
    pub rotation: Rotation,
}

fn required<T>(value: Option<T>) -> Result<T, Invalid> {
    value.ok_or(Invalid::Required)
}

impl ScheduleInput {
    pub fn parse(&self) -> Result<NewSchedule, Vec<FieldError>> {
        let mut errors = Errors::default();
        let name = errors.check("name", required(self.name.as_deref()).and_then(Name::parse));
        let timezone = errors.check(
            "timezone",
            required(self.timezone.as_deref()).and_then(TimeZone::parse),
        );
        let members = match &self.members {
            None => errors.check("members", Err::<Vec<ContactId>, _>(Invalid::Required)),
            Some(list) if list.is_empty() => errors.check(
                "members",
                Err::<Vec<ContactId>, _>(Invalid::TooShort { min: 1 }),
            ),
            Some(list) if list.len() > MAX_MEMBERS => errors.check(
                "members",
                Err::<Vec<ContactId>, _>(Invalid::TooLong { max: MAX_MEMBERS }),
            ),
            Some(list) => {
                let mut ids = Vec::with_capacity(list.len());
                for (i, id) in list.iter().enumerate() {
                    let id = id.trim();
                    if id.is_empty() || id.len() > 64 || id.chars().any(char::is_control) {
                        errors.push(&format!("members[{i}]"), Invalid::Malformed);
                    } else {
                        ids.push(ContactId::from_string(id));
                    }
                }
                Some(ids)
            }
        };
        let starts_on = errors.check(
            "starts_on",
            required(self.starts_on.as_deref()).and_then(|d| {
                NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| Invalid::Date)
            }),
        );
        let shift = self.shift.clone().unwrap_or_default();
        let every = errors.check(
            "shift.every",
            required(shift.every.as_deref()).and_then(|e| match e.trim() {
                "day" => Ok(false),
                "week" => Ok(true),
                _ => Err(Invalid::OneOf {
                    allowed: "day, week",
                }),
            }),
        );
        let max = if every == Some(true) { 52 } else { 365 };
        let count = errors.check(
            "shift.count",
            match shift.count {
                None => Ok(1),
                Some(n) if (1..=max).contains(&n) => Ok(n as u32),
                Some(_) => Err(Invalid::Range { min: 1, max }),
            },
        );
        let handoff = errors.check(
            "shift.handoff",
            required(shift.handoff.as_deref()).and_then(|h| {
                NaiveTime::parse_from_str(h.trim(), "%H:%M").map_err(|_| Invalid::Time)
            }),
        );
        let handoff_day = match (every, shift.weekday.as_deref(), starts_on) {
            (Some(true), Some(day), _) => errors.check("shift.weekday", weekday(day)),
            (Some(true), None, Some(date)) => Some(date.weekday()),
            _ => None,
        };
        errors.finish(|| {
            let every = if every? {
                ShiftEvery::Week(handoff_day?)
            } else {
                ShiftEvery::Day
            };
            Some(NewSchedule {
                name: name?,
                rotation: Rotation {
                    timezone: timezone?,
                    members: members?,
                    every,
                    count: count?,
                    handoff: handoff?,
                    starts_on: starts_on?,
                },
            })
        })
    }
}

impl NewSchedule {
    /// The schedule as it is given back (`shift`'s fields all set).
    pub fn shift_json(rotation: &Rotation) -> ShiftInput {
        let (every, weekday) = match rotation.every {
            ShiftEvery::Day => ("day", None),
            ShiftEvery::Week(day) => ("week", Some(weekday_name(day).to_owned())),
        };
        ShiftInput {
            every: Some(every.into()),
            count: Some(i64::from(rotation.count)),
            handoff: Some(rotation.handoff.format("%H:%M").to_string()),
            weekday,
        }
    }
}

impl Override {
    /// An override from `starts_at` (may be past) to `ends_at` (after it, and after `now`).
    pub fn parse(
        contact: Option<&str>,
        starts_at: Result<DateTime<Utc>, Invalid>,
        ends_at: Result<DateTime<Utc>, Invalid>,
        now: DateTime<Utc>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let contact = errors.check(
            "contact_id",
            required(contact.map(str::trim).filter(|c| !c.is_empty())).map(ContactId::from_string),
        );
        let starts = errors.check("starts_at", starts_at);
        let ends = errors.check("ends_at", ends_at);
        if let (Some(s), Some(e)) = (starts, ends) {
            if e <= s {
                errors.push("ends_at", Invalid::EndsBeforeStart);
            } else if e <= now {
                errors.push("ends_at", Invalid::InPast);
            }
        }
        errors.finish(|| {
            Some(Self {
                contact: contact?,
                starts_at: starts?,
                ends_at: ends?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn schedules_and_overrides_are_parsed_with_every_bad_field() {
        let shift =
            |every: &str, count: Option<i64>, handoff: &str, weekday: Option<&str>| ShiftInput {
                every: Some(every.into()),
                count,
                handoff: Some(handoff.into()),
                weekday: weekday.map(Into::into),
            };
        let good = ScheduleInput {
            name: Some(" Guardia ".into()),
            timezone: Some("Europe/Madrid".into()),
            members: Some(vec!["ana".into(), "bea".into()]),
            shift: Some(shift("week", None, "09:00", None)),
            starts_on: Some("2026-11-04".into()),
        };
        let parsed = good.parse().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(parsed.name.as_str(), "Guardia");
        assert_eq!(
            parsed.rotation.every,
            ShiftEvery::Week(Weekday::Wed),
            "starts_on's weekday"
        );
        assert_eq!(parsed.rotation.count, 1);
        assert_eq!(
            NewSchedule::shift_json(&parsed.rotation),
            shift("week", Some(1), "09:00", Some("wed"))
        );
        let bad = ScheduleInput {
            name: Some("".into()),
            timezone: Some("Mars/Olympus".into()),
            members: Some(vec!["ana".into(), " ".into()]),
            shift: Some(shift("month", Some(0), "25:00", None)),
            starts_on: Some("2026-13-01".into()),
        };
        let fields: Vec<String> = bad
            .parse()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "name",
                "timezone",
                "members[1]",
                "starts_on",
                "shift.every",
                "shift.count",
                "shift.handoff"
            ]
        );
        let weekly_52 = ScheduleInput {
            shift: Some(shift("week", Some(53), "09:00", Some("someday"))),
            ..good.clone()
        };
        let fields: Vec<String> = weekly_52
            .parse()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["shift.count", "shift.weekday"]);
        let none = ScheduleInput {
            members: Some(vec![]),
            ..good
        };
        assert_eq!(
            none.parse().err().map(|e| e[0].field.clone()),
            Some("members".into())
        );

        let now = utc("2026-11-30T12:00:00Z");
        let ok = Override::parse(
            Some("dan"),
            Ok(utc("2026-11-29T00:00:00Z")),
            Ok(utc("2026-12-01T00:00:00Z")),
            now,
        );
        assert!(ok.is_ok(), "a start in the past is fine");
        let over = Override::parse(
            Some("dan"),
            Ok(utc("2026-11-29T00:00:00Z")),
            Ok(utc("2026-11-30T00:00:00Z")),
            now,
        );
        assert_eq!(
            over.err().map(|e| (e[0].field.clone(), e[0].error.clone())),
            Some(("ends_at".into(), Invalid::InPast))
        );
        let backwards = Override::parse(
            None,
            Ok(utc("2026-12-02T00:00:00Z")),
            Ok(utc("2026-12-01T00:00:00Z")),
            now,
        );
        let fields: Vec<String> = backwards
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["contact_id", "ends_at"]);
    }
}
