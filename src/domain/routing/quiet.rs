//! Quiet hours read in the recipient's zone: whether an instant falls in them and when they end,
//! right across midnight and daylight-saving changes.

use crate::domain::QuietHours;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone as _, Utc};
use chrono_tz::Tz;

/// When `at` falls in the quiet hours (local, `from` inclusive, `to` exclusive, across
/// midnight when `from > to`), the instant they end; else `None`.
pub fn quiet_until(quiet: QuietHours, tz: Tz, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let local = at.with_timezone(&tz);
    let (date, time) = (local.date_naive(), local.time());
    let inside = if quiet.from < quiet.to {
        time >= quiet.from && time < quiet.to
    } else {
        time >= quiet.from || time < quiet.to
    };
    if !inside {
        return None;
    }
    // The end is today at `to` unless that has passed (a window across midnight, evening part).
    let end_date = if time < quiet.to {
        date
    } else {
        date.succ_opt()?
    };
    Some(local_instant(tz, end_date, quiet.to))
}

/// The first instant at or after the local wall time (a time skipped by a DST jump resolves to
/// the first instant after the gap).
fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let mut naive = date.and_time(time);
    for _ in 0..240 {
        if let Some(t) = tz.from_local_datetime(&naive).earliest() {
            return t.with_timezone(&Utc);
        }
        naive += Duration::minutes(1);
    }
    // No zone has a gap of four hours; fall back to reading the wall time as UTC.
    Utc.from_utc_datetime(&date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn quiet_hours_across_midnight_and_daylight_saving() {
        let madrid = chrono_tz::Europe::Madrid;
        let night = QuietHours::parse("22:00", "07:00").unwrap_or_else(|e| panic!("{e:?}"));
        // 23:30 in Madrid (summer, UTC+2) → held until 07:00 the next morning.
        assert_eq!(
            quiet_until(night, madrid, t("2026-06-10T21:30:00Z")),
            Some(t("2026-06-11T05:00:00Z"))
        );
        // 03:00 → the same morning.
        assert_eq!(
            quiet_until(night, madrid, t("2026-06-11T01:00:00Z")),
            Some(t("2026-06-11T05:00:00Z"))
        );
        // 07:00 sharp is outside.
        assert_eq!(quiet_until(night, madrid, t("2026-06-11T05:00:00Z")), None);
        // The night the clocks go back (25 Oct 2026): 07:00 is then UTC+1.
        assert_eq!(
            quiet_until(night, madrid, t("2026-10-24T22:30:00Z")),
            Some(t("2026-10-25T06:00:00Z"))
        );
        // Quiet hours ending inside the spring-forward gap (02:30 on 29 Mar 2026 does not exist):
        // they end at the first instant after it, 03:00 local (01:00 UTC).
        let early = QuietHours::parse("01:00", "02:30").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            quiet_until(early, madrid, t("2026-03-29T00:30:00Z")),
            Some(t("2026-03-29T01:00:00Z"))
        );
    }
}
