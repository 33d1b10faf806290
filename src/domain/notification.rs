//! A notification's kind of message and its state in the outbox, and the rule that decides,
//! when a worker picks one up, whether it must still go out.

use super::Invalid;

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident, $allowed:literal { $($variant:ident => $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)*
                }
            }

            pub fn parse(input: &str) -> Result<Self, Invalid> {
                match input {
                    $($text => Ok(Self::$variant),)*
                    _ => Err(Invalid::OneOf { allowed: $allowed }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

string_enum! {
    /// What a notification tells: an alert event, or a message about a method or a report.
    Event, "opened, escalated, renotified, resolved, test, verification, digest, report" {
        Opened => "opened",
        Escalated => "escalated",
        Renotified => "renotified",
        Resolved => "resolved",
        Test => "test",
        Verification => "verification",
        Digest => "digest",
        Report => "report",
    }
}

string_enum! {
    /// Where a notification is in the outbox.
    State, "queued, sending, sent, failed, dead, suppressed" {
        Queued => "queued",
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
        Dead => "dead",
        Suppressed => "suppressed",
    }
}

impl State {
    /// Still to be sent (or being sent).
    pub fn pending(self) -> bool {
        matches!(self, Self::Queued | Self::Sending | Self::Failed)
    }
}

/// What the dispatcher knows of a claimed notification when it decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pickup {
    pub event: Event,
    /// An escalation: only if the alert is still firing and unacknowledged.
    pub escalation: bool,
    /// It waited for quiet hours to end.
    pub held: bool,
    /// The contact and the method still exist.
    pub recipient_exists: bool,
    /// The alert it is about, as it is now (none for tests, codes, digests, reports).
    pub alert: Option<AlertNow>,
}

/// An alert as it is when its notification is picked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertNow {
    pub resolved: bool,
    pub acknowledged: bool,
}

/// Why a picked-up notification must not go out any more, if it must not: its recipient is
/// gone; a resolved alert's pending notice (held ones are dropped as quiet hours, SPEC §1);
/// an acknowledged alert's escalation or held notice. A resolution always goes out.
pub fn suppression(p: Pickup) -> Option<&'static str> {
    if !p.recipient_exists {
        return Some("contact deleted");
    }
    let alert = p.alert?;
    if p.event == Event::Resolved {
        return None;
    }
    if alert.resolved {
        return Some(if p.held { "quiet hours" } else { "resolved" });
    }
    if alert.acknowledged && (p.escalation || p.held) {
        return Some("acknowledged");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_states_read_back_what_they_write() {
        for e in [
            Event::Opened,
            Event::Escalated,
            Event::Renotified,
            Event::Resolved,
            Event::Test,
            Event::Verification,
            Event::Digest,
            Event::Report,
        ] {
            assert_eq!(Event::parse(e.as_str()), Ok(e));
        }
        for s in [
            State::Queued,
            State::Sending,
            State::Sent,
            State::Failed,
            State::Dead,
            State::Suppressed,
        ] {
            assert_eq!(State::parse(s.as_str()), Ok(s));
        }
        assert!(Event::parse("Opened").is_err());
        assert!(State::parse("").is_err());
    }

    #[test]
    fn what_must_not_go_out_any_more() {
        let firing = AlertNow {
            resolved: false,
            acknowledged: false,
        };
        let acked = AlertNow {
            resolved: false,
            acknowledged: true,
        };
        let resolved = AlertNow {
            resolved: true,
            acknowledged: false,
        };
        let pickup = |event, escalation, held, recipient_exists, alert| Pickup {
            event,
            escalation,
            held,
            recipient_exists,
            alert,
        };
        use Event::*;
        let cases = [
            // (event, escalation, held, recipient, alert) → reason
            (pickup(Opened, false, false, true, Some(firing)), None),
            (
                pickup(Opened, false, false, false, Some(firing)),
                Some("contact deleted"),
            ),
            (
                pickup(Test, false, false, false, None),
                Some("contact deleted"),
            ),
            (pickup(Test, false, false, true, None), None),
            (
                pickup(Opened, false, false, true, Some(resolved)),
                Some("resolved"),
            ),
            (
                pickup(Opened, false, true, true, Some(resolved)),
                Some("quiet hours"),
            ),
            (
                pickup(Escalated, true, false, true, Some(resolved)),
                Some("resolved"),
            ),
            (pickup(Resolved, false, false, true, Some(resolved)), None),
            (
                pickup(Escalated, true, false, true, Some(acked)),
                Some("acknowledged"),
            ),
            (
                pickup(Opened, false, true, true, Some(acked)),
                Some("acknowledged"),
            ),
            // An acknowledged alert's first notice already due still goes out.
            (pickup(Opened, false, false, true, Some(acked)), None),
            (pickup(Renotified, false, false, true, Some(acked)), None),
        ];
        for (p, expected) in cases {
            assert_eq!(suppression(p), expected, "{p:?}");
        }
    }
}
