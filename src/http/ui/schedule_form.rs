//! The forms of Configure > Schedules: a schedule's fields as posted (members as one select per
//! place in the rotation, blanks skipped) and an override's, read in the viewer's zone.

use super::{FormErrors, Web};
use crate::domain::FieldError;
use crate::domain::oncall::{NewSchedule, Override, ScheduleInput, ShiftInput};
use crate::store::schedules::Schedule;
use chrono::Utc;
use serde::Deserialize;

/// Places in the rotation a form shows beyond the members it has (at least [`MIN_ROWS`]).
const SPARE_ROWS: usize = 2;
const MIN_ROWS: usize = 4;

#[derive(Debug, Default, Deserialize)]
pub struct ScheduleForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub timezone: String,
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub every: String,
    #[serde(default)]
    pub count: String,
    #[serde(default)]
    pub handoff: String,
    #[serde(default)]
    pub weekday: String,
    #[serde(default)]
    pub starts_on: String,
}

impl ScheduleForm {
    pub(super) fn input(&self) -> ScheduleInput {
        let count = self.count.trim();
        ScheduleInput {
            name: Some(self.name.clone()),
            timezone: Some(self.timezone.clone()),
            members: Some(
                self.members
                    .iter()
                    .filter(|m| !m.trim().is_empty())
                    .cloned()
                    .collect(),
            ),
            shift: Some(ShiftInput {
                every: Some(self.every.clone()),
                // Not a whole number: out of range, said as such.
                count: (!count.is_empty()).then(|| count.parse().unwrap_or(0)),
                handoff: Some(self.handoff.clone()),
                weekday: (self.every == "week").then(|| self.weekday.clone()),
            }),
            starts_on: Some(self.starts_on.clone()),
        }
    }

    pub(super) fn of(schedule: &Schedule) -> Self {
        let shift = NewSchedule::shift_json(&schedule.rotation);
        let r = &schedule.rotation;
        Self {
            name: schedule.name.clone(),
            timezone: r.timezone.as_str().to_owned(),
            members: r.members.iter().map(ToString::to_string).collect(),
            every: shift.every.unwrap_or_default(),
            count: shift.count.map(|c| c.to_string()).unwrap_or_default(),
            handoff: shift.handoff.unwrap_or_default(),
            weekday: shift.weekday.unwrap_or_else(|| "mon".into()),
            starts_on: r.starts_on.format("%Y-%m-%d").to_string(),
        }
    }

    pub(super) fn fresh(web: &Web) -> Self {
        Self {
            timezone: web.timezone.as_str().to_owned(),
            every: "week".into(),
            count: "1".into(),
            handoff: "09:00".into(),
            weekday: "mon".into(),
            starts_on: Utc::now()
                .with_timezone(&web.timezone.tz())
                .format("%Y-%m-%d")
                .to_string(),
            ..Self::default()
        }
    }

    /// One select per place: the members in order, then blanks to add more.
    pub fn rows(&self) -> Vec<String> {
        let mut rows: Vec<String> = self
            .members
            .iter()
            .filter(|m| !m.trim().is_empty())
            .cloned()
            .collect();
        let total = (rows.len() + SPARE_ROWS).max(MIN_ROWS);
        rows.resize(total, String::new());
        rows
    }
}

/// The first error of the members (`members` or any `members[i]`), for the fieldset.
pub fn members_error(fields: &[FieldError], errors: &FormErrors) -> Option<String> {
    fields
        .iter()
        .find(|f| f.field == "members" || f.field.starts_with("members["))
        .and_then(|f| errors.get(&f.field).cloned())
}

#[derive(Debug, Default, Deserialize)]
pub struct OverrideForm {
    #[serde(default)]
    pub contact_id: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
}

impl OverrideForm {
    pub(super) fn parse(&self, web: &Web) -> Result<Override, Vec<FieldError>> {
        Override::parse(
            Some(self.contact_id.as_str()),
            web.instant(&self.starts_at),
            web.instant(&self.ends_at),
            Utc::now(),
        )
    }
}
