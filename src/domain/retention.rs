//! How long short-lived secrets and records are kept: the rule the upkeep worker asks before
//! purging. Expired sessions, sign-in tries too old to lock anything, used or expired
//! set-password links and verification codes, and the payloads (codes, report contents) of
//! notifications that were finished a while ago are of no use to anyone but a thief.

use chrono::{DateTime, Duration, Utc};

/// A finished notification keeps its payload this long (its delivery log stays for good).
pub const PAYLOAD_DAYS: i64 = 7;

/// The instants before which each kind of record is purged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    /// Sessions, set-password links and verification codes that expired before this.
    pub expired_before: DateTime<Utc>,
    /// Sign-in tries older than this: they can no longer lock anything (a lock needs the
    /// newest tries within one window, and lasts one window after the newest).
    pub failures_before: DateTime<Utc>,
    /// Payloads of notifications finished (sent, dead, suppressed) and created before this.
    pub payloads_before: DateTime<Utc>,
}

impl Cutoffs {
    /// What is purged at `now`.
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            expired_before: now,
            failures_before: now - super::tries::WINDOW * 2,
            payloads_before: now - Duration::days(PAYLOAD_DAYS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs_follow_each_kind_of_record() {
        let now = DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let cut = Cutoffs::at(now);
        let at = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default()
        };
        let cases = [
            (cut.expired_before, at("2026-11-30T12:00:00Z")),
            (cut.failures_before, at("2026-11-30T11:30:00Z")),
            (cut.payloads_before, at("2026-11-23T12:00:00Z")),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }
}
