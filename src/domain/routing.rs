//! Routing, as pure functions: who is told about an alert, through which methods, when, or why
//! not. The outbox (issue #6) stores what these plans say; workers re-check a held or delayed
//! notification against the alert's state when it comes due.

use super::{CompanyAccess, CompanyId, ContactId, MethodId, MethodType, QuietHours, Severity};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone as _, Utc};
use chrono_tz::Tz;

/// What routing needs to know about an alert that opened.
#[derive(Debug, Clone)]
pub struct AlertFacts {
    pub company: CompanyId,
    pub severity: Severity,
    pub opened_at: DateTime<Utc>,
}

/// A contact who might be told, with their methods.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub contact: ContactId,
    pub access: CompanyAccess,
    /// The contact's zone, else the account's: quiet hours are read in it.
    pub timezone: Tz,
    pub methods: Vec<MethodFacts>,
}

#[derive(Debug, Clone)]
pub struct MethodFacts {
    pub id: MethodId,
    pub kind: MethodType,
    pub min_severity: Option<Severity>,
    pub delay_minutes: u16,
    pub quiet_hours: Option<QuietHours>,
    pub verified: bool,
}

/// The account's and company's state when the alert opened.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub require_verified_phones: bool,
    /// The alert's company is in a maintenance window.
    pub in_maintenance: bool,
}

/// Why a notification is recorded but not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suppressed {
    Maintenance,
    QuietHours,
    Unverified,
    RateLimited,
    ContactDeleted,
}

impl Suppressed {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Maintenance => "maintenance",
            Self::QuietHours => "quiet hours",
            Self::Unverified => "unverified",
            Self::RateLimited => "rate limited",
            Self::ContactDeleted => "contact deleted",
        }
    }
}

/// What happens to one (alert, method) pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Send at `at`. `escalation`: only if the alert is still firing and unacknowledged then;
    /// `held`: it waited for quiet hours to end and is dropped if the alert resolved by then.
    Send {
        at: DateTime<Utc>,
        escalation: bool,
        held: bool,
    },
    /// Recorded, never sent.
    Suppress(Suppressed),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub contact: ContactId,
    pub method: MethodId,
    pub plan: Plan,
}

/// The notifications an opened alert implies: one per method of every contact with access to
/// the alert's company whose lowest severity admits it.
pub fn route_opened(alert: &AlertFacts, recipients: &[Recipient], policy: Policy) -> Vec<Planned> {
    let mut planned = Vec::new();
    for recipient in recipients
        .iter()
        .filter(|r| r.access.includes(&alert.company))
    {
        for method in &recipient.methods {
            let admits = method
                .min_severity
                .is_some_and(|lowest| alert.severity >= lowest);
            if !admits {
                continue;
            }
            planned.push(Planned {
                contact: recipient.contact.clone(),
                method: method.id.clone(),
                plan: plan(alert, recipient.timezone, method, policy),
            });
        }
    }
    planned
}

fn plan(alert: &AlertFacts, tz: Tz, method: &MethodFacts, policy: Policy) -> Plan {
    if policy.in_maintenance {
        return Plan::Suppress(Suppressed::Maintenance);
    }
    let phone_like = matches!(method.kind, MethodType::Sms | MethodType::Phone);
    if phone_like && policy.require_verified_phones && !method.verified {
        return Plan::Suppress(Suppressed::Unverified);
    }
    let due = alert.opened_at + Duration::minutes(i64::from(method.delay_minutes));
    let escalation = method.delay_minutes > 0;
    match method.quiet_hours {
        Some(quiet) if alert.severity != Severity::Critical => match quiet_until(quiet, tz, due) {
            Some(end) => Plan::Send {
                at: end,
                escalation,
                held: true,
            },
            None => Plan::Send {
                at: due,
                escalation,
                held: false,
            },
        },
        _ => Plan::Send {
            at: due,
            escalation,
            held: false,
        },
    }
}

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

    fn method(id: &str, kind: MethodType, lowest: Option<Severity>) -> MethodFacts {
        MethodFacts {
            id: MethodId::from_string(id),
            kind,
            min_severity: lowest,
            delay_minutes: 0,
            quiet_hours: None,
            verified: true,
        }
    }

    fn recipient(id: &str, access: CompanyAccess, methods: Vec<MethodFacts>) -> Recipient {
        Recipient {
            contact: ContactId::from_string(id),
            access,
            timezone: chrono_tz::Europe::Madrid,
            methods,
        }
    }

    fn alert(severity: Severity, at: &str) -> AlertFacts {
        AlertFacts {
            company: CompanyId::from_string("northwind"),
            severity,
            opened_at: t(at),
        }
    }

    const POLICY: Policy = Policy {
        require_verified_phones: true,
        in_maintenance: false,
    };

    fn only(id: &str) -> CompanyAccess {
        CompanyAccess::only([CompanyId::from_string(id)]).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The table: (case, alert severity, method, policy) → plan, or no notification at all.
    #[test]
    fn the_routing_table() {
        use MethodType::*;
        use Severity::*;
        let noon = "2026-06-10T10:00:00Z"; // 12:00 in Madrid
        let send_now = Some(Plan::Send {
            at: t(noon),
            escalation: false,
            held: false,
        });
        let quiet = QuietHours::parse("22:00", "07:00").ok();
        let quiet_noon = QuietHours::parse("11:00", "13:00").ok();
        let with = |m: MethodFacts, f: &dyn Fn(&mut MethodFacts)| {
            let mut m = m;
            f(&mut m);
            m
        };
        let cases: Vec<(&str, Severity, MethodFacts, Policy, Option<Plan>)> = vec![
            (
                "email admits warning",
                Warning,
                method("m", Email, Some(Warning)),
                POLICY,
                send_now.clone(),
            ),
            (
                "email admits critical",
                Critical,
                method("m", Email, Some(Warning)),
                POLICY,
                send_now.clone(),
            ),
            (
                "email ignores info",
                Info,
                method("m", Email, Some(Warning)),
                POLICY,
                None,
            ),
            (
                "sms ignores warning",
                Warning,
                method("m", Sms, Some(Critical)),
                POLICY,
                None,
            ),
            (
                "sms takes critical",
                Critical,
                method("m", Sms, Some(Critical)),
                POLICY,
                send_now.clone(),
            ),
            (
                "no alerts at all",
                Critical,
                method("m", Email, None),
                POLICY,
                None,
            ),
            (
                "unverified phone",
                Critical,
                with(method("m", Phone, Some(Critical)), &|m| m.verified = false),
                POLICY,
                Some(Plan::Suppress(Suppressed::Unverified)),
            ),
            (
                "unverified phone, gate off",
                Critical,
                with(method("m", Phone, Some(Critical)), &|m| m.verified = false),
                Policy {
                    require_verified_phones: false,
                    ..POLICY
                },
                send_now.clone(),
            ),
            (
                "unverified email is fine",
                Warning,
                with(method("m", Email, Some(Info)), &|m| m.verified = false),
                POLICY,
                send_now.clone(),
            ),
            (
                "maintenance",
                Critical,
                method("m", Webhook, Some(Info)),
                Policy {
                    in_maintenance: true,
                    ..POLICY
                },
                Some(Plan::Suppress(Suppressed::Maintenance)),
            ),
            (
                "delay escalates",
                Warning,
                with(method("m", Email, Some(Warning)), &|m| m.delay_minutes = 15),
                POLICY,
                Some(Plan::Send {
                    at: t("2026-06-10T10:15:00Z"),
                    escalation: true,
                    held: false,
                }),
            ),
            (
                "outside quiet hours",
                Warning,
                with(method("m", Email, Some(Warning)), &|m| {
                    m.quiet_hours = quiet
                }),
                POLICY,
                send_now.clone(),
            ),
            (
                "inside quiet hours, held to their end",
                Warning,
                with(method("m", Email, Some(Warning)), &|m| {
                    m.quiet_hours = quiet_noon
                }),
                POLICY,
                Some(Plan::Send {
                    at: t("2026-06-10T11:00:00Z"),
                    escalation: false,
                    held: true,
                }),
            ),
            (
                "critical ignores quiet hours",
                Critical,
                with(method("m", Email, Some(Warning)), &|m| {
                    m.quiet_hours = quiet_noon
                }),
                POLICY,
                send_now.clone(),
            ),
        ];
        for (case, severity, m, policy, expected) in cases {
            let plans = route_opened(
                &alert(severity, noon),
                &[recipient("ana", CompanyAccess::All, vec![m])],
                policy,
            );
            assert_eq!(plans.first().map(|p| p.plan.clone()), expected, "{case}");
            assert!(plans.len() <= 1, "{case}");
        }
    }

    #[test]
    fn only_contacts_with_access_to_the_company_are_told() {
        let recipients = vec![
            recipient(
                "all",
                CompanyAccess::All,
                vec![method("a", MethodType::Email, Some(Severity::Info))],
            ),
            recipient(
                "nw",
                only("northwind"),
                vec![method("b", MethodType::Webhook, Some(Severity::Info))],
            ),
            recipient(
                "co",
                only("contoso"),
                vec![method("c", MethodType::Email, Some(Severity::Info))],
            ),
            recipient(
                "gone",
                CompanyAccess::Only(Default::default()),
                vec![method("d", MethodType::Email, Some(Severity::Info))],
            ),
        ];
        let plans = route_opened(
            &alert(Severity::Warning, "2026-06-10T10:00:00Z"),
            &recipients,
            POLICY,
        );
        let told: Vec<_> = plans.iter().map(|p| p.contact.as_str()).collect();
        assert_eq!(told, ["all", "nw"]);
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
