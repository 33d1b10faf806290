//! The sign-in lock (SPEC §4): 5 failures for one email within 15 minutes, or 20 from one
//! client address, refuse every sign-in of that email or address — the right password
//! included — until 15 minutes after the last failure. Tries are counted before any password
//! is checked (a try is a failure until it is taken back), and a refused try is not counted.

use chrono::{DateTime, Duration, Utc};

/// Failures are counted over this window, and a lock lasts this long after the last one.
pub const WINDOW: Duration = Duration::minutes(15);
/// This many failures for one email lock it.
pub const EMAIL_LIMIT: usize = 5;
/// This many failures from one client address lock it.
pub const ADDRESS_LIMIT: usize = 20;

/// Until when a key is locked at `now`, given its newest counted tries, newest first (at least
/// the newest `limit` of them). Since refused tries are not counted, only the newest `limit`
/// can lock: if they fall within the window, the key is locked until the window has passed
/// since the newest.
pub fn locked_until(
    recent: &[DateTime<Utc>],
    limit: usize,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let newest = *recent.first()?;
    let oldest = *recent.get(limit.checked_sub(1)?)?;
    let until = newest + WINDOW;
    (newest - oldest <= WINDOW && now < until).then_some(until)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_within_the_window_lock_until_it_has_passed_since_the_last() {
        let t0 = DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default();
        let at = |minutes: i64| t0 + Duration::minutes(minutes);
        let newest_first =
            |minutes: &[i64]| minutes.iter().rev().map(|&m| at(m)).collect::<Vec<_>>();
        let table: &[(&[i64], i64, Option<i64>)] = &[
            (&[], 0, None),
            (&[0, 1, 2, 3], 4, None),
            // The fifth failure within 15 minutes locks, until 15 minutes after it.
            (&[0, 1, 2, 3, 4], 4, Some(19)),
            (&[0, 1, 2, 3, 4], 18, Some(19)),
            (&[0, 1, 2, 3, 4], 19, None),
            // Exactly 15 minutes from the first to the fifth still counts as within.
            (&[0, 5, 10, 12, 15], 16, Some(30)),
            // Spread wider than the window: no lock, however many.
            (&[0, 4, 8, 12, 16], 16, None),
            (&[0, 10, 20, 30, 40, 50], 50, None),
            // Old failures before a burst do not matter; the burst does.
            (&[0, 30, 31, 32, 33, 34], 35, Some(49)),
        ];
        for (failures, now, want) in table {
            assert_eq!(
                locked_until(&newest_first(failures), EMAIL_LIMIT, at(*now)),
                want.map(at),
                "{failures:?} at {now}"
            );
        }
        // Twenty from one address, two a minute: the twentieth locks, the nineteenth does not.
        let twenty = (0..20).map(|i| i / 2).collect::<Vec<_>>();
        assert_eq!(
            locked_until(&newest_first(&twenty[..19]), ADDRESS_LIMIT, at(10)),
            None
        );
        assert_eq!(
            locked_until(&newest_first(&twenty), ADDRESS_LIMIT, at(10)),
            Some(at(24))
        );

        assert_eq!(
            locked_until(&[at(0)], 0, at(0)),
            None,
            "a limit of 0 is no limit"
        );
    }
}
