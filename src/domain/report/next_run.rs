//! The next run of a [`Schedule`]. It is computed in the report's time zone, so it is right
//! across daylight-saving changes: a local time that does not exist that day (spring forward)
//! runs at the first instant after the gap, and one that happens twice (fall back) runs once,
//! at the first.

use super::{Every, Schedule};
use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveTime, TimeZone as _, Utc};

impl Schedule {
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
pub(crate) fn resolve(tz: &chrono_tz::Tz, date: NaiveDate, at: NaiveTime) -> Option<DateTime<Utc>> {
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
    use crate::domain::report::ScheduleInput;

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
}
