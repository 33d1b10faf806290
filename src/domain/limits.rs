//! The rate limit of test and verification messages (SPEC §1: they cost money and can be aimed
//! at a stranger): at most one of either kind per method per minute, and five per destination
//! address (type and address) per account per hour, flood digests to that address included.
//! Given when the recent messages went (or will go), [`check`] says whether one more may be
//! sent now, or in how many seconds it would be.

use chrono::{DateTime, Duration, Utc};

/// One message of either kind per method...
pub const PER_METHOD: usize = 1;
/// ...per minute.
pub const METHOD_WINDOW: Duration = Duration::minutes(1);
/// Five messages to one destination address per account...
pub const PER_DESTINATION: usize = 5;
/// ...per hour.
pub const DESTINATION_WINDOW: Duration = Duration::hours(1);

/// When the messages that count went (or, queued for later, will go).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recent {
    /// Tests and verification codes sent through this method.
    pub method: Vec<DateTime<Utc>>,
    /// Tests, verification codes and flood digests to the method's type and address, by any
    /// method of the account.
    pub destination: Vec<DateTime<Utc>>,
}

/// Whether one more test or verification message may go now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// Refused: whole seconds (at least 1) until it would be allowed.
    RetryAfter(u64),
}

/// How long until fewer than `max` of `times` fall within `window` before a moment: `None` if
/// that is already so. A message at `t` counts while `now - window < t`.
fn wait(
    times: &[DateTime<Utc>],
    max: usize,
    window: Duration,
    now: DateTime<Utc>,
) -> Option<Duration> {
    let mut inside: Vec<DateTime<Utc>> = times
        .iter()
        .copied()
        .filter(|t| *t > now - window)
        .collect();
    if inside.len() < max {
        return None;
    }
    inside.sort_unstable();
    // Once this one leaves the window, max - 1 remain: room for one more.
    let leaving = inside[inside.len() - max];
    Some(leaving + window - now)
}

/// Whether one more test or verification message may be sent at `now`.
pub fn check(recent: &Recent, now: DateTime<Utc>) -> Decision {
    let waits = [
        wait(&recent.method, PER_METHOD, METHOD_WINDOW, now),
        wait(
            &recent.destination,
            PER_DESTINATION,
            DESTINATION_WINDOW,
            now,
        ),
    ];
    match waits.into_iter().flatten().max() {
        None => Decision::Allowed,
        Some(wait) => {
            let millis = u64::try_from(wait.num_milliseconds()).unwrap_or(0);
            Decision::RetryAfter(millis.div_ceil(1000).max(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default()
    }

    fn ago(seconds: &[i64]) -> Vec<DateTime<Utc>> {
        seconds
            .iter()
            .map(|s| t0() - Duration::seconds(*s))
            .collect()
    }

    #[test]
    fn one_per_method_per_minute_and_five_per_destination_per_hour() {
        // (method messages, seconds ago; destination messages, seconds ago; decision)
        let cases: &[(&[i64], &[i64], Decision, &str)] = &[
            (&[], &[], Decision::Allowed, "nothing sent"),
            (&[60], &[60], Decision::Allowed, "one a minute ago"),
            (&[59], &[59], Decision::RetryAfter(1), "one 59 s ago"),
            (&[1], &[1], Decision::RetryAfter(59), "one a second ago"),
            (&[0], &[0], Decision::RetryAfter(60), "one just now"),
            (
                &[3600, 7200],
                &[3600, 7200],
                Decision::Allowed,
                "old ones do not count",
            ),
            (
                &[],
                &[60, 600, 1200, 2400],
                Decision::Allowed,
                "four within the hour",
            ),
            (
                &[],
                &[60, 600, 1200, 2400, 3000],
                Decision::RetryAfter(600),
                "five within the hour: the oldest leaves in 10 minutes",
            ),
            (
                &[],
                &[3000, 60, 2400, 600, 1200, 3599],
                Decision::RetryAfter(600),
                "six (in any order): wait until two have left",
            ),
            (
                &[],
                &[60, 600, 1200, 2400, 3600],
                Decision::Allowed,
                "the oldest of five has just left the window",
            ),
            (
                &[],
                &[61, 600, 1200, 2400, 3599],
                Decision::RetryAfter(1),
                "the oldest leaves in a second",
            ),
            (
                &[70],
                &[70, 80, 90, 100, 3500],
                Decision::RetryAfter(100),
                "the destination limit, though the method's minute is over",
            ),
            (
                &[30],
                &[30, 3590],
                Decision::RetryAfter(30),
                "the method's minute, though the address has room",
            ),
            (
                &[30],
                &[30, 100, 200, 300, 3590],
                Decision::RetryAfter(30),
                "both: the longer wait",
            ),
            (
                &[],
                &[-300, 100, 200, 300, 400],
                Decision::RetryAfter(3200),
                "a digest queued for later counts from when it goes",
            ),
        ];
        for (method, destination, decision, why) in cases {
            let recent = Recent {
                method: ago(method),
                destination: ago(destination),
            };
            assert_eq!(check(&recent, t0()), *decision, "{why}");
        }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let recent = Recent {
            method: vec![t0() - Duration::milliseconds(59_500)],
            destination: Vec::new(),
        };
        assert_eq!(check(&recent, t0()), Decision::RetryAfter(1));
        let recent = Recent {
            method: vec![t0() - Duration::milliseconds(58_999)],
            destination: Vec::new(),
        };
        assert_eq!(check(&recent, t0()), Decision::RetryAfter(2));
    }
}
