//! Escalation policies end to end on the injected clock (SPEC §2): step 1 to whoever is on
//! call, step 2 to the team lead after 5 minutes, step 3 to everyone 10 minutes later;
//! acknowledging after step 1 stops steps 2 and 3. Notifications record their step.

use crate::common::{add_method, ingest};
use crate::fixtures::{account, company, contact, method};
use crate::harness::{dispatcher, t0};
use crate::phone_steps::{critical, log};
use crate::tx;
use chrono::{Duration, NaiveDate, NaiveTime};
use reach::domain::oncall::policy::{NewPolicy, Policy, Step, Target};
use reach::domain::oncall::{NewSchedule, Override, Rotation, ShiftEvery};
use reach::domain::{CompanyAccess, Name, TimeZone};
use reach::runtime::ManualClock;
use reach::store::{Account, Contact, SqlStore};
use std::sync::Arc;

/// Contacts with these names and access, each with an email method (`ana@acme.example`).
async fn with_email<const N: usize>(
    store: &SqlStore,
    acme: &Account,
    who: [(&str, CompanyAccess); N],
) -> Vec<Contact> {
    let mut people = Vec::new();
    for (name, access) in who {
        let made = contact(store, acme, name, access).await;
        let first = name.split(' ').next().unwrap_or(name).to_lowercase();
        add_method(
            store,
            &acme.id,
            &made.id,
            &method("email", &format!("{first}@acme.example")),
        )
        .await
        .unwrap();
        people.push(made);
    }
    people
}

pub async fn acknowledging_after_step_one_stops_steps_two_and_three(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let all = || CompanyAccess::All;
    let people = with_email(
        store,
        &acme,
        [("Ana", all()), ("Bea", all()), ("Lola Lead", all())],
    )
    .await;
    let (ana, bea, lead) = (&people[0], &people[1], &people[2]);
    // Ana until 09:00 UTC on the 25th, then Bea: at t0 (10:00 on the 25th) Bea is on call.
    let schedule = tx!(
        store,
        reach::store::schedules::create,
        &acme.id,
        &NewSchedule {
            name: Name::parse("Guardia").unwrap(),
            rotation: Rotation {
                timezone: TimeZone::parse("UTC").unwrap(),
                members: vec![ana.id.clone(), bea.id.clone()],
                every: ShiftEvery::Day,
                count: 1,
                handoff: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                starts_on: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap(),
            },
        },
        "feed-key",
        t0()
    )
    .await
    .unwrap();
    let policy = tx!(
        store,
        reach::store::policies::create,
        &acme.id,
        &NewPolicy {
            name: Name::parse("Noche").unwrap(),
            policy: Policy {
                steps: vec![
                    Step {
                        targets: vec![Target::Schedule(schedule.id.clone())],
                        wait_minutes: 5
                    },
                    Step {
                        targets: vec![Target::Contact(lead.id.clone())],
                        wait_minutes: 10
                    },
                    Step {
                        targets: vec![Target::CompanyContacts],
                        wait_minutes: 30
                    },
                ],
                repeat: 0,
            },
        },
        t0()
    )
    .await
    .unwrap();
    tx!(
        store,
        reach::store::policies::set_for_company,
        &acme.id,
        &nw.id,
        Some(&policy.id)
    )
    .await
    .unwrap();

    let clock = Arc::new(ManualClock::new(t0()));
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher(store, clock.clone(), None, dir.path(), false);
    let stored = ingest(store, &acme.id, &[critical(&nw, "db-1", "critical")], t0())
        .await
        .unwrap();
    let planned: Vec<(String, Option<i64>, i64)> = log(store, &acme)
        .await
        .iter()
        .map(|n| {
            let who = people
                .iter()
                .find(|p| p.id == n.contact_id)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            (
                who,
                n.escalation_step,
                (n.next_attempt_at - t0()).num_minutes(),
            )
        })
        .collect();
    let mut planned = planned;
    planned.sort();
    assert_eq!(
        planned,
        [
            ("Ana".to_owned(), Some(3), 15),
            ("Bea".to_owned(), Some(1), 0),
            ("Bea".to_owned(), Some(3), 15),
            ("Lola Lead".to_owned(), Some(2), 5),
            ("Lola Lead".to_owned(), Some(3), 15),
        ],
        "Bea (on call) at once, the lead after 5 minutes, everyone after 15"
    );
    assert_eq!(worker.run_once().await.unwrap(), 1, "only step 1 is due");
    tx!(
        store,
        reach::store::alerts::acknowledge,
        &acme.id,
        &CompanyAccess::All,
        &stored[0].id,
        &bea.id,
        t0() + Duration::minutes(2)
    )
    .await
    .unwrap();
    clock.set(t0() + Duration::minutes(20));
    assert_eq!(worker.run_once().await.unwrap(), 4);
    let ended: Vec<(Option<i64>, String, Option<String>)> = log(store, &acme)
        .await
        .into_iter()
        .map(|n| (n.escalation_step, n.state.as_str().to_owned(), n.reason))
        .collect();
    assert_eq!(
        ended.iter().filter(|(_, state, _)| state == "sent").count(),
        1
    );
    assert!(
        ended
            .iter()
            .any(|(step, state, _)| *step == Some(1) && state == "sent")
    );
    assert!(
        ended
            .iter()
            .filter(|(step, _, _)| *step != Some(1))
            .all(|(_, state, reason)| state == "suppressed"
                && reason.as_deref() == Some("acknowledged")),
        "{ended:?}"
    );
}

/// A policy of two steps run again once (`repeat: 1`): the on-call person at once, the lead
/// after 5 minutes, then both again 15 and 20 minutes in. The schedule target is resolved when
/// the alert opens: an override put Lola on call over the rotation's Ana. A contact target
/// without access to the company (Carl sees Contoso only) receives nothing.
pub async fn a_policy_repeats_and_pages_whoever_an_override_puts_on_call(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let contoso = company(store, &acme, "Contoso").await;
    let people = with_email(
        store,
        &acme,
        [
            ("Ana", CompanyAccess::All),
            ("Lola", CompanyAccess::All),
            ("Bob Lead", CompanyAccess::All),
            ("Carl", CompanyAccess::only([contoso.id.clone()]).unwrap()),
        ],
    )
    .await;
    let (ana, lola, lead, carl) = (&people[0], &people[1], &people[2], &people[3]);
    let schedule = tx!(
        store,
        reach::store::schedules::create,
        &acme.id,
        &NewSchedule {
            name: Name::parse("Solo Ana").unwrap(),
            rotation: Rotation {
                timezone: TimeZone::parse("Europe/Madrid").unwrap(),
                members: vec![ana.id.clone()],
                every: ShiftEvery::Day,
                count: 1,
                handoff: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                starts_on: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            },
        },
        "feed-key",
        t0()
    )
    .await
    .unwrap();
    tx!(
        store,
        reach::store::schedules::add_override,
        &acme.id,
        &schedule.id,
        &Override {
            contact: lola.id.clone(),
            starts_at: t0() - Duration::hours(1),
            ends_at: t0() + Duration::hours(1),
        },
        t0()
    )
    .await
    .unwrap();
    let policy = tx!(
        store,
        reach::store::policies::create,
        &acme.id,
        &NewPolicy {
            name: Name::parse("Dos pasos").unwrap(),
            policy: Policy {
                steps: vec![
                    Step {
                        targets: vec![Target::Schedule(schedule.id.clone())],
                        wait_minutes: 5
                    },
                    Step {
                        targets: vec![
                            Target::Contact(lead.id.clone()),
                            Target::Contact(carl.id.clone())
                        ],
                        wait_minutes: 10
                    },
                ],
                repeat: 1,
            },
        },
        t0()
    )
    .await
    .unwrap();
    tx!(
        store,
        reach::store::policies::set_for_company,
        &acme.id,
        &nw.id,
        Some(&policy.id)
    )
    .await
    .unwrap();
    ingest(store, &acme.id, &[critical(&nw, "db-2", "critical")], t0())
        .await
        .unwrap();
    let mut planned: Vec<(String, Option<i64>, i64)> = log(store, &acme)
        .await
        .iter()
        .map(|n| {
            let who = people
                .iter()
                .find(|p| p.id == n.contact_id)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            (
                who,
                n.escalation_step,
                (n.next_attempt_at - t0()).num_minutes(),
            )
        })
        .collect();
    planned.sort_by_key(|p| (p.2, p.0.clone()));
    assert_eq!(
        planned,
        [
            ("Lola".to_owned(), Some(1), 0),
            ("Bob Lead".to_owned(), Some(2), 5),
            ("Lola".to_owned(), Some(1), 15),
            ("Bob Lead".to_owned(), Some(2), 20),
        ],
        "Lola (the override) at once and again after the last wait; the lead 5 minutes after \
         each; Carl, without access to Northwind, never; Ana (the rotation) not at all"
    );
}
