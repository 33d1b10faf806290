//! Table tests of the coverage gaps: who a policy would fail to page, and when nobody is on call.

use super::*;
use crate::domain::TimeZone;
use crate::domain::oncall::policy::Step;
use crate::domain::oncall::{Override, Rotation, ShiftEvery};
use chrono::{NaiveDate, NaiveTime};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn who(id: &str) -> ContactId {
    ContactId::from_string(id)
}

fn company(id: &str) -> CompanyId {
    CompanyId::from_string(id)
}

/// Daily shifts at 09:00 UTC from `starts_on`.
fn daily(members: &[&str], starts_on: &str) -> Rotation {
    Rotation {
        timezone: TimeZone::parse("UTC").unwrap_or_else(|e| panic!("{e}")),
        members: members.iter().map(|m| who(m)).collect(),
        every: ShiftEvery::Day,
        count: 1,
        handoff: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_else(|| panic!("time")),
        starts_on: NaiveDate::parse_from_str(starts_on, "%Y-%m-%d")
            .unwrap_or_else(|e| panic!("{e}")),
    }
}

fn email(min: Option<Severity>) -> Reach {
    Reach {
        kind: MethodType::Email,
        min_severity: min,
        verified: false,
    }
}

fn method(kind: MethodType, verified: bool) -> Reach {
    Reach {
        kind,
        min_severity: Some(Severity::Critical),
        verified,
    }
}

/// Someone with access to Northwind only (or all, or none of it) and these methods.
fn person(id: &str, access: &str, methods: Vec<Reach>) -> Person {
    Person {
        contact: who(id),
        access: match access {
            "all" => CompanyAccess::All,
            other => CompanyAccess::only([company(other)]).unwrap_or_else(|e| panic!("{e}")),
        },
        methods,
    }
}

fn steps(targets: Vec<Vec<Target>>) -> Policy {
    Policy {
        steps: targets
            .into_iter()
            .map(|targets| Step {
                targets,
                wait_minutes: 5,
            })
            .collect(),
        repeat: 0,
    }
}

fn sched(id: &str) -> Target {
    Target::Schedule(ScheduleId::from_string(id))
}

fn contact(id: &str) -> Target {
    Target::Contact(who(id))
}

/// A gap as the table writes it: kind, then the schedule and range or the person or step.
fn shown(gap: &Gap) -> String {
    match gap {
        Gap::NobodyOnCall {
            schedule,
            from,
            until,
        } => format!(
            "nobody {schedule} {} {}",
            from.format("%d %H:%M"),
            until.format("%d %H:%M")
        ),
        Gap::TargetGone { step } => format!("gone step {step}"),
        Gap::NoAccess { contact } => format!("no access {contact}"),
        Gap::NoCriticalMethod { contact } => format!("no critical {contact}"),
    }
}

#[test]
fn a_method_receives_what_routing_would_send_it() {
    use MethodType::*;
    use Severity::*;
    // (kind, lowest severity, verified, require verified phones, severity) → receives.
    let cases = [
        (Email, Some(Warning), false, true, Critical, true),
        (Email, Some(Critical), false, true, Warning, false),
        (Email, None, true, true, Critical, false),
        (Sms, Some(Critical), false, true, Critical, false),
        (Sms, Some(Critical), false, false, Critical, true),
        (Phone, Some(Critical), true, true, Critical, true),
        (Telegram, Some(Info), false, false, Critical, false),
        (Matrix, Some(Info), true, true, Critical, true),
        (Webhook, Some(Info), false, true, Info, true),
    ];
    for (kind, min, verified, require, severity, expected) in cases {
        let reach = Reach {
            kind,
            min_severity: min,
            verified,
        };
        assert_eq!(
            reach.receives(severity, require),
            expected,
            "{kind:?} {min:?} verified={verified} require={require} {severity:?}"
        );
    }
}

#[test]
fn the_gaps_of_a_policy() {
    let from = utc("2026-11-25T10:00:00Z");
    let to = from + LOOKAHEAD;
    let ok = || vec![email(Some(Severity::Warning))];
    let mut schedules = Schedules::default();
    let mut add = |id: &str, rotation: Rotation, overrides: Vec<Override>| {
        schedules.insert(ScheduleId::from_string(id), (rotation, overrides));
    };
    // Starts in three days (the 28th at 09:00).
    add("later", daily(&["ana", "bea"], "2026-11-28"), vec![]);
    add("covered", daily(&["ana", "bea"], "2026-11-01"), vec![]);
    add("empty", daily(&[], "2026-11-01"), vec![]);
    // Starts later, but Olga covers the first day by override.
    add(
        "bridged",
        daily(&["ana"], "2026-11-28"),
        vec![Override {
            contact: who("olga"),
            starts_at: utc("2026-11-25T09:00:00Z"),
            ends_at: utc("2026-11-26T09:00:00Z"),
        }],
    );
    let people = vec![
        person("ana", "nw", ok()),
        person("bea", "nw", ok()),
        person("carl", "contoso", ok()),
        person("dora", "nw", vec![email(None)]),
        person("eva", "nw", vec![method(MethodType::Sms, false)]),
        person("fran", "all", vec![method(MethodType::Telegram, false)]),
        person("gil", "nw", vec![method(MethodType::Sms, true)]),
        person("olga", "contoso", ok()),
    ];
    let cases: Vec<(&str, Policy, bool, Vec<&str>)> = vec![
        (
            "a schedule starting in three days",
            steps(vec![vec![sched("later")]]),
            true,
            vec!["nobody later 25 10:00 28 09:00"],
        ),
        (
            "a covered schedule and a reachable contact",
            steps(vec![vec![sched("covered")], vec![contact("gil")]]),
            true,
            vec![],
        ),
        (
            "a schedule with no members left",
            steps(vec![vec![sched("empty")]]),
            true,
            vec!["nobody empty 25 10:00 09 10:00"],
        ),
        (
            "an override shortens the gap, and its contact is checked too",
            steps(vec![vec![sched("bridged")]]),
            true,
            vec!["nobody bridged 26 09:00 28 09:00", "no access olga"],
        ),
        (
            "a contact without access",
            steps(vec![vec![contact("carl")]]),
            true,
            vec!["no access carl"],
        ),
        (
            "alerts off, an unverified phone, an unverified Telegram chat",
            steps(vec![
                vec![contact("dora"), contact("eva")],
                vec![contact("fran")],
            ]),
            true,
            vec!["no critical dora", "no critical eva", "no critical fran"],
        ),
        (
            "unverified phones are enough when the account allows them; Telegram never",
            steps(vec![vec![contact("eva"), contact("fran")]]),
            false,
            vec!["no critical fran"],
        ),
        (
            "a deleted schedule and a deleted contact",
            steps(vec![
                vec![sched("covered")],
                vec![sched("gone")],
                vec![contact("ghost"), contact("ana")],
            ]),
            true,
            vec!["gone step 2", "gone step 3"],
        ),
        (
            "everyone with access is not a target checked here",
            steps(vec![vec![Target::CompanyContacts]]),
            true,
            vec![],
        ),
        (
            "each person once, a schedule's range once",
            steps(vec![
                vec![sched("later"), contact("carl")],
                vec![sched("later"), contact("carl"), contact("dora")],
            ]),
            true,
            vec![
                "nobody later 25 10:00 28 09:00",
                "no access carl",
                "no critical dora",
            ],
        ),
    ];
    let nw = company("nw");
    for (case, policy, require, expected) in cases {
        let got: Vec<String> = gaps(&Facts {
            company: &nw,
            policy: &policy,
            schedules: &schedules,
            people: &people,
            require_verified_phones: require,
            from,
            to,
        })
        .iter()
        .map(shown)
        .collect();
        assert_eq!(got, expected, "{case}");
    }
}

#[test]
fn holes_are_the_ranges_no_span_covers() {
    let t = |h: i64| utc("2026-11-25T00:00:00Z") + Duration::hours(h);
    let span = |from: i64, until: i64| spans::Span {
        contact: who("ana"),
        from: t(from),
        until: t(until),
        by_override: false,
    };
    // (case, spans, the holes of hours 0 to 10 as hour ranges)
    type Case = (&'static str, Vec<spans::Span>, Vec<(i64, i64)>);
    let cases: Vec<Case> = vec![
        ("nothing", vec![], vec![(0, 10)]),
        ("all of it, from before", vec![span(-5, 20)], vec![]),
        (
            "a hole in the middle",
            vec![span(0, 3), span(5, 12)],
            vec![(3, 5)],
        ),
        ("the end", vec![span(-1, 4)], vec![(4, 10)]),
        (
            "the start, spans out of order",
            vec![span(6, 8), span(2, 6)],
            vec![(0, 2), (8, 10)],
        ),
        (
            "overlapping spans",
            vec![span(0, 6), span(2, 4), span(6, 11)],
            vec![],
        ),
    ];
    for (case, covered, expected) in cases {
        let expected: Vec<_> = expected.into_iter().map(|(a, b)| (t(a), t(b))).collect();
        assert_eq!(holes(&covered, t(0), t(10)), expected, "{case}");
    }
}
