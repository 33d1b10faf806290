//! Planning: what one opened alert implies for every method of every contact who may be told.

use super::{AlertFacts, MethodFacts, Plan, Planned, Policy, Recipient, Suppressed, quiet_until};
use crate::domain::Severity;
use chrono::Duration;
use chrono_tz::Tz;

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

pub(super) fn plan(alert: &AlertFacts, tz: Tz, method: &MethodFacts, policy: Policy) -> Plan {
    if policy.in_maintenance {
        return Plan::Suppress(Suppressed::Maintenance);
    }
    if !method.verified
        && method
            .kind
            .alerts_need_verification(policy.require_verified_phones)
    {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CompanyAccess, CompanyId, ContactId, MethodId, MethodType, QuietHours};
    use chrono::{DateTime, Utc};

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
                "unverified Telegram chat, gate off: the bot is shared",
                Warning,
                with(method("m", Telegram, Some(Info)), &|m| m.verified = false),
                Policy {
                    require_verified_phones: false,
                    ..POLICY
                },
                Some(Plan::Suppress(Suppressed::Unverified)),
            ),
            (
                "unverified Matrix room",
                Critical,
                with(method("m", Matrix, Some(Info)), &|m| m.verified = false),
                POLICY,
                Some(Plan::Suppress(Suppressed::Unverified)),
            ),
            (
                "verified Matrix room",
                Warning,
                method("m", Matrix, Some(Warning)),
                POLICY,
                send_now.clone(),
            ),
            (
                "unverified Slack URL is fine: it is the channel's own secret",
                Warning,
                with(method("m", Slack, Some(Info)), &|m| m.verified = false),
                POLICY,
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
}
