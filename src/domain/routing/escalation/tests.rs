//! A three-step policy with a schedule, a team lead and everyone, repeated once.

use super::*;
use crate::domain::oncall::ShiftEvery;
use crate::domain::oncall::policy::Step;
use crate::domain::routing::MethodFacts;
use crate::domain::{CompanyAccess, CompanyId, MethodId, MethodType, Severity, TimeZone};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn who(id: &str) -> ContactId {
    ContactId::from_string(id)
}

fn person(id: &str, access: CompanyAccess) -> Recipient {
    Recipient {
        contact: who(id),
        access,
        timezone: chrono_tz::Europe::Madrid,
        methods: vec![MethodFacts {
            id: MethodId::from_string(format!("{id}-email")),
            kind: MethodType::Email,
            min_severity: Some(Severity::Warning),
            delay_minutes: 0,
            quiet_hours: None,
            verified: true,
        }],
    }
}

#[test]
fn steps_go_to_the_on_call_person_then_the_lead_then_everyone() {
    let company = CompanyId::from_string("nw");
    let elsewhere =
        CompanyAccess::only([CompanyId::from_string("other")]).unwrap_or_else(|e| panic!("{e}"));
    let recipients = vec![
        person("ana", CompanyAccess::All),
        person("bea", CompanyAccess::All),
        person("lead", CompanyAccess::All),
        person("outsider", elsewhere),
    ];
    // Ana is on call until 09:00 UTC on the 3rd, then Bea.
    let rotation = Rotation {
        timezone: TimeZone::parse("UTC").unwrap_or_else(|e| panic!("{e}")),
        members: vec![who("ana"), who("bea")],
        every: ShiftEvery::Day,
        count: 1,
        handoff: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
        starts_on: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default(),
    };
    let schedule = ScheduleId::from_string("s1");
    let schedules: Schedules = [(schedule.clone(), (rotation, Vec::new()))]
        .into_iter()
        .collect();
    let escalation = Escalation {
        steps: vec![
            Step {
                targets: vec![Target::Schedule(schedule)],
                wait_minutes: 5,
            },
            Step {
                targets: vec![
                    Target::Contact(who("lead")),
                    Target::Contact(who("outsider")),
                ],
                wait_minutes: 10,
            },
            Step {
                targets: vec![Target::CompanyContacts],
                wait_minutes: 30,
            },
        ],
        repeat: 1,
    };
    // Opened at 08:50: the repeat's first step (at 09:35) finds Bea on call.
    let alert = AlertFacts {
        company,
        severity: Severity::Critical,
        opened_at: t("2026-11-03T08:50:00Z"),
    };
    let policy = Policy {
        require_verified_phones: true,
        in_maintenance: false,
    };
    let planned = route_escalated(&alert, &recipients, &escalation, &schedules, policy);
    let seen: Vec<(usize, String, String, bool)> = planned
        .iter()
        .map(|p| match &p.planned.plan {
            Plan::Send { at, escalation, .. } => (
                p.step,
                p.planned.contact.to_string(),
                at.format("%H:%M").to_string(),
                *escalation,
            ),
            Plan::Suppress(why) => (
                p.step,
                p.planned.contact.to_string(),
                why.as_str().into(),
                false,
            ),
        })
        .collect();
    let row = |step, contact: &str, at: &str, escalation| {
        (step, contact.to_owned(), at.to_owned(), escalation)
    };
    assert_eq!(
        seen,
        [
            row(1, "ana", "08:50", false),
            row(2, "lead", "08:55", true),
            row(3, "ana", "09:05", true),
            row(3, "bea", "09:05", true),
            row(3, "lead", "09:05", true),
            row(1, "bea", "09:35", true),
            row(2, "lead", "09:40", true),
            row(3, "ana", "09:50", true),
            row(3, "bea", "09:50", true),
            row(3, "lead", "09:50", true),
        ],
        "the outsider (no access to the company) gets nothing"
    );
}
