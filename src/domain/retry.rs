//! When a failed notification is tried again, and when it is given up (`dead`).

use chrono::{DateTime, Duration, Utc};

/// The retry budget: SPEC's default is 10 attempts or 24 hours, whichever comes first.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_attempts: i64,
    pub max_age: Duration,
    /// The wait after the first failure; it doubles with each further one...
    pub base: Duration,
    /// ...up to this.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 10,
            max_age: Duration::hours(24),
            base: Duration::seconds(30),
            cap: Duration::hours(1),
        }
    }
}

impl RetryPolicy {
    /// After `attempts` failed tries of a notification created at `created_at`: the time of
    /// the next try, or `None` when the budget is spent. `jitter` in `[0, 1)` spreads retries
    /// ("equal jitter": between half and all of the exponential wait).
    pub fn next_attempt(
        &self,
        attempts: i64,
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
        jitter: f64,
    ) -> Option<DateTime<Utc>> {
        if attempts >= self.max_attempts || now - created_at >= self.max_age {
            return None;
        }
        let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let wait = self
            .base
            .checked_mul(2_i32.saturating_pow(exponent))
            .unwrap_or(self.cap)
            .min(self.cap);
        let millis = wait.num_milliseconds() as f64;
        let jittered = millis / 2.0 + millis / 2.0 * jitter.clamp(0.0, 1.0);
        let at = now + Duration::milliseconds(jittered as i64);
        (at - created_at < self.max_age).then_some(at)
    }
}

impl RetryPolicy {
    /// After a service asked to wait `wait` (HTTP 429 with `Retry-After`): the next try then
    /// (at least a second, at most the cap away) plus up to half the wait again (`jitter` in
    /// `[0, 1)`), so the messages refused together do not come back together; `None` past the
    /// age budget. A rate limit is not a failure: it does not spend the attempt budget, so a
    /// flood the service paces goes out late but whole.
    pub fn after_wait(
        &self,
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
        wait: std::time::Duration,
        jitter: f64,
    ) -> Option<DateTime<Utc>> {
        let wait = Duration::from_std(wait)
            .unwrap_or(self.cap)
            .clamp(Duration::seconds(1), self.cap);
        let extra = wait.num_milliseconds() as f64 / 2.0 * jitter.clamp(0.0, 1.0);
        let at = now + wait + Duration::milliseconds(extra as i64);
        (at - created_at < self.max_age).then_some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default()
    }

    #[test]
    fn waits_double_up_to_the_cap_with_jitter_inside_half_to_all() {
        let p = RetryPolicy::default();
        let now = t0();
        let wait = |attempts, jitter| {
            p.next_attempt(attempts, now, now, jitter)
                .map(|at| (at - now).num_seconds())
        };
        assert_eq!(wait(1, 0.0), Some(15));
        assert_eq!(wait(1, 0.999_999), Some(29));
        assert_eq!(wait(2, 0.0), Some(30));
        assert_eq!(wait(3, 0.0), Some(60));
        assert_eq!(
            wait(9, 0.0),
            Some(1800),
            "capped at one hour, halved by jitter 0"
        );
        assert_eq!(wait(10, 0.5), None, "ten attempts spend the budget");
    }

    #[test]
    fn a_day_old_notification_is_dead() {
        let p = RetryPolicy::default();
        let created = t0();
        assert_eq!(
            p.next_attempt(2, created, created + Duration::hours(24), 0.0),
            None
        );
        // A retry that would land after the 24 hours is not scheduled either.
        assert_eq!(
            p.next_attempt(9, created, created + Duration::minutes(23 * 60 + 50), 0.9),
            None
        );
        assert!(
            p.next_attempt(2, created, created + Duration::hours(1), 0.0)
                .is_some()
        );
    }

    #[test]
    fn a_requested_wait_is_honoured_within_the_age_budget() {
        let p = RetryPolicy::default();
        let now = t0();
        let secs = std::time::Duration::from_secs;
        let wait = |created: DateTime<Utc>, asked, jitter| {
            p.after_wait(created, now, asked, jitter)
                .map(|at| (at - now).num_milliseconds())
        };
        assert_eq!(wait(now, secs(7), 0.0), Some(7_000));
        assert_eq!(
            wait(now, secs(7), 0.5),
            Some(8_750),
            "up to half the wait again"
        );
        assert_eq!(wait(now, secs(0), 0.0), Some(1_000), "at least a second");
        assert_eq!(
            wait(now, secs(86_400), 0.0),
            Some(3_600_000),
            "at most the cap"
        );
        let old = now - Duration::hours(23) - Duration::minutes(59);
        assert_eq!(wait(old, secs(120), 0.0), None, "past the age budget");
    }
}
