//! What a posted alert does to the alert already stored under its key (the open / repeat /
//! re-notify / resolve state machine), and what a typed verification code does (the lockout).
//! Pure decisions: the use cases read the facts, ask here, and write what is decided.

use super::AlertStatus;
use super::routing::{Plan, Planned};
use chrono::{DateTime, Duration, Utc};

/// The alert firing under a key, as far as the state machine cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Firing {
    /// When its recipients were last told (opened or re-notified).
    pub last_notified_at: DateTime<Utc>,
}

/// What to do with a posted alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// A new firing key: store the alert and route it.
    Open,
    /// The key is still firing: a repeat. `renotify` when the repeat interval has passed
    /// since its recipients were last told: tell them again (at once) and note the time.
    Repeat { renotify: bool },
    /// The firing alert resolves: close it and tell those who were told.
    Resolve,
    /// A resolution of nothing firing: kept for the record, tells nobody.
    RecordResolved,
}

/// The state machine: `status` posted for a key whose firing alert is `firing` (if any).
pub fn transition(
    status: AlertStatus,
    firing: Option<Firing>,
    now: DateTime<Utc>,
    repeat_interval: Duration,
) -> Transition {
    match (status, firing) {
        (AlertStatus::Firing, None) => Transition::Open,
        (AlertStatus::Firing, Some(f)) => Transition::Repeat {
            renotify: now - f.last_notified_at >= repeat_interval,
        },
        (AlertStatus::Resolved, Some(_)) => Transition::Resolve,
        (AlertStatus::Resolved, None) => Transition::RecordResolved,
    }
}

/// A re-notification goes out at once: of an opened alert's plans it keeps the immediate
/// sends and the suppressions (recorded again), and drops the escalations (delays apply to
/// the first notice only).
pub fn renotify(plans: Vec<Planned>) -> Vec<Planned> {
    plans.into_iter().filter(renotifies).collect()
}

/// Whether a plan of an opened alert is part of its re-notification.
pub fn renotifies(p: &Planned) -> bool {
    matches!(
        p.plan,
        Plan::Send {
            escalation: false,
            ..
        } | Plan::Suppress(_)
    )
}

/// Wrong codes after which a verification locks (SPEC §1: 5).
pub const MAX_CODE_FAILURES: i64 = 5;

/// A verification code waiting to be typed back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCode {
    pub code_hash: String,
    pub expires_at: DateTime<Utc>,
    pub failures: i64,
}

/// What a typed code achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyOutcome {
    Verified,
    Wrong,
    Expired,
    /// Too many wrong codes: ask for a new one.
    Locked,
    /// No code was asked for (or it was used).
    NoCode,
}

/// What to write after a typed code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeEffect {
    Nothing,
    /// Count one more wrong code.
    CountFailure,
    /// Use the code up and mark the method verified.
    MarkVerified,
}

/// The lockout rule: the hash of the typed code against the pending one.
pub fn check_code(
    pending: Option<&PendingCode>,
    given_hash: &str,
    now: DateTime<Utc>,
) -> (VerifyOutcome, CodeEffect) {
    let Some(p) = pending else {
        return (VerifyOutcome::NoCode, CodeEffect::Nothing);
    };
    if p.failures >= MAX_CODE_FAILURES {
        (VerifyOutcome::Locked, CodeEffect::Nothing)
    } else if now >= p.expires_at {
        (VerifyOutcome::Expired, CodeEffect::Nothing)
    } else if p.code_hash != given_hash {
        let outcome = if p.failures + 1 >= MAX_CODE_FAILURES {
            VerifyOutcome::Locked
        } else {
            VerifyOutcome::Wrong
        };
        (outcome, CodeEffect::CountFailure)
    } else {
        (VerifyOutcome::Verified, CodeEffect::MarkVerified)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use AlertStatus::{Firing as F, Resolved as R};

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + minutes * 60, 0).unwrap()
    }

    #[test]
    fn the_state_machine_opens_repeats_renotifies_and_resolves() {
        let four_hours = Duration::hours(4);
        let told_at = |m| {
            Some(Firing {
                last_notified_at: at(m),
            })
        };
        let cases = [
            // (posted, firing alert told at, now, expected)
            (F, None, 0, Transition::Open),
            (F, told_at(0), 1, Transition::Repeat { renotify: false }),
            (F, told_at(0), 239, Transition::Repeat { renotify: false }),
            (F, told_at(0), 240, Transition::Repeat { renotify: true }),
            (F, told_at(0), 1000, Transition::Repeat { renotify: true }),
            // After a re-notification the interval counts from it.
            (F, told_at(240), 300, Transition::Repeat { renotify: false }),
            (R, told_at(0), 5, Transition::Resolve),
            (R, told_at(0), 5000, Transition::Resolve),
            (R, None, 5, Transition::RecordResolved),
        ];
        for (status, firing, now, expected) in cases {
            assert_eq!(
                transition(status, firing, at(now), four_hours),
                expected,
                "{status:?} with {firing:?} at minute {now}"
            );
        }
    }

    #[test]
    fn a_renotification_keeps_immediate_sends_and_suppressions_only() {
        use super::super::routing::Suppressed;
        use crate::domain::{ContactId, MethodId};
        let planned = |plan| Planned {
            contact: ContactId::from_string("c"),
            method: MethodId::from_string("m"),
            plan,
        };
        let send = |escalation| Plan::Send {
            at: at(0),
            escalation,
            held: false,
        };
        let kept = renotify(vec![
            planned(send(false)),
            planned(send(true)),
            planned(Plan::Suppress(Suppressed::Maintenance)),
        ]);
        let plans: Vec<Plan> = kept.into_iter().map(|p| p.plan).collect();
        assert_eq!(
            plans,
            vec![send(false), Plan::Suppress(Suppressed::Maintenance)]
        );
    }

    #[test]
    fn codes_lock_after_five_wrong_tries_and_expire() {
        let pending = |failures, expires| PendingCode {
            code_hash: "right".into(),
            expires_at: at(expires),
            failures,
        };
        use CodeEffect::*;
        use VerifyOutcome::*;
        let cases = [
            (None, "right", (NoCode, Nothing)),
            (Some(pending(0, 10)), "right", (Verified, MarkVerified)),
            (Some(pending(0, 10)), "wrong", (Wrong, CountFailure)),
            (Some(pending(3, 10)), "wrong", (Wrong, CountFailure)),
            // The fifth wrong try locks at once; then even the right code is refused.
            (Some(pending(4, 10)), "wrong", (Locked, CountFailure)),
            (Some(pending(5, 10)), "right", (Locked, Nothing)),
            (Some(pending(4, 10)), "right", (Verified, MarkVerified)),
            // Expired at its expiry instant.
            (Some(pending(0, 0)), "right", (Expired, Nothing)),
            (Some(pending(0, -1)), "wrong", (Expired, Nothing)),
        ];
        for (p, given, expected) in cases {
            assert_eq!(
                check_code(p.as_ref(), given, at(0)),
                expected,
                "{p:?} {given}"
            );
        }
    }
}
