//! On-call schedules (SPEC §2): a rotation of members through shifts of a day or a week, with
//! a handoff time in the schedule's zone, and overrides that put someone else on call for a
//! time range. Pure: who is on call at an instant and the spans of a range, right across
//! daylight-saving changes (a handoff time that does not exist that day happens at the end of
//! the gap; one that happens twice, at the first) and month ends.

pub mod coverage;
mod input;
pub mod policy;
mod spans;

pub use input::{MAX_MEMBERS, NewSchedule, ScheduleInput, ShiftInput};
pub use spans::{Span, oncall_at, spans};

use super::ContactId;
use super::TimeZone;
use super::report::next_run::resolve;
use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, Utc, Weekday};

/// How long a shift is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShiftEvery {
    Day,
    /// A week, handing off on this weekday.
    Week(Weekday),
}

/// A rotation: members in order, each on call for `count` days or weeks, from `starts_on` at
/// `handoff` in `timezone`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub timezone: TimeZone,
    pub members: Vec<ContactId>,
    pub every: ShiftEvery,
    /// Days or weeks per shift, at least 1.
    pub count: u32,
    pub handoff: NaiveTime,
    pub starts_on: NaiveDate,
}

/// Someone else on call from `starts_at` until `ends_at`; a later override wins over an
/// earlier one where they overlap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub contact: ContactId,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// No schedule looks further than this many shifts (a century of daily shifts).
const MAX_SHIFT: u64 = 40_000;

impl Rotation {
    fn period_days(&self) -> u64 {
        let unit = match self.every {
            ShiftEvery::Day => 1,
            ShiftEvery::Week(_) => 7,
        };
        unit * u64::from(self.count.max(1))
    }

    /// The local date of handoff `k` (0: the first shift's start). Weekly shifts hand off on
    /// their weekday: the first one runs from `starts_on` to the first such weekday after it
    /// (plus `count - 1` weeks), the others `count` weeks each.
    fn handoff_date(&self, k: u64) -> Option<NaiveDate> {
        if k == 0 {
            return Some(self.starts_on);
        }
        let first = match self.every {
            ShiftEvery::Day => self
                .starts_on
                .checked_add_days(Days::new(self.period_days()))?,
            ShiftEvery::Week(day) => {
                let ahead = (7 + day.num_days_from_monday()
                    - self.starts_on.weekday().num_days_from_monday())
                    % 7;
                let ahead = if ahead == 0 { 7 } else { ahead };
                self.starts_on.checked_add_days(Days::new(
                    u64::from(ahead) + 7 * (u64::from(self.count.max(1)) - 1),
                ))?
            }
        };
        first.checked_add_days(Days::new((k - 1) * self.period_days()))
    }

    /// When shift `k` starts.
    pub fn handoff(&self, k: u64) -> Option<DateTime<Utc>> {
        resolve(&self.timezone.tz(), self.handoff_date(k)?, self.handoff)
    }

    /// Who is on call during shift `k`.
    fn member(&self, k: u64) -> Option<&ContactId> {
        let n = self.members.len() as u64;
        (n > 0).then(|| &self.members[(k % n) as usize])
    }

    /// The shift under way at `at`: `None` before the first one starts.
    fn shift_at(&self, at: DateTime<Utc>) -> Option<u64> {
        if at < self.handoff(0)? {
            return None;
        }
        let local = at.with_timezone(&self.timezone.tz()).date_naive();
        let days = u64::try_from((local - self.starts_on).num_days()).unwrap_or(0);
        // An estimate a shift or two early, then forward: a handoff moves by at most hours.
        let mut k = (days / self.period_days()).saturating_sub(1).min(MAX_SHIFT);
        while k < MAX_SHIFT && self.handoff(k + 1).is_some_and(|next| next <= at) {
            k += 1;
        }
        Some(k)
    }
}

#[cfg(test)]
mod tests;
