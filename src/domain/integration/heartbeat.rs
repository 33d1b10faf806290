//! When a `heartbeat` integration's ping is missed (SPEC §2, kind `heartbeat`): no ping for
//! `heartbeat_minutes` opens a critical alert. A new integration gets a full period from its
//! creation before its first ping is due.

use chrono::{DateTime, Duration, Utc};

/// When the next ping is due: `heartbeat_minutes` after the last ping or, never pinged, after
/// the integration was created.
pub fn deadline(
    heartbeat_minutes: i64,
    last_ping_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
) -> DateTime<Utc> {
    let since = last_ping_at.unwrap_or(created_at);
    Duration::try_minutes(heartbeat_minutes)
        .and_then(|period| since.checked_add_signed(period))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Whether the ping is missed at `now`: `heartbeat_minutes` have gone by (the deadline itself
/// included) without one.
pub fn missed(
    heartbeat_minutes: i64,
    last_ping_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    now >= deadline(heartbeat_minutes, last_ping_at, created_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64, seconds: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::minutes(minutes) + Duration::seconds(seconds)
    }

    #[test]
    fn a_ping_is_missed_from_its_deadline_on() {
        let created = at(0, 0);
        // (minutes, last ping, now, missed)
        let cases = [
            // Never pinged: a full period from creation.
            (5, None, at(0, 0), false),
            (5, None, at(4, 59), false),
            (5, None, at(5, 0), true),
            (5, None, at(5, 1), true),
            // Pinged: counted from the last ping.
            (5, Some(at(10, 0)), at(14, 59), false),
            (5, Some(at(10, 0)), at(15, 0), true),
            (5, Some(at(10, 0)), at(16, 0), true),
            (5, Some(at(10, 0)), at(6, 0), false),
            // A week, the longest period.
            (10_080, Some(at(0, 0)), at(10_079, 59), false),
            (10_080, Some(at(0, 0)), at(10_080, 0), true),
        ];
        for (minutes, ping, now, want) in cases {
            assert_eq!(
                missed(minutes, ping, created, now),
                want,
                "{minutes} min, last ping {ping:?}, now {now}"
            );
        }
    }

    #[test]
    fn the_deadline_is_a_period_after_the_last_ping_or_the_creation() {
        assert_eq!(deadline(5, None, at(1, 0)), at(6, 0));
        assert_eq!(deadline(5, Some(at(3, 0)), at(1, 0)), at(8, 0));
        assert_eq!(deadline(i64::MAX, None, at(0, 0)), DateTime::<Utc>::MAX_UTC);
    }
}
