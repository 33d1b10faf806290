//! What reports say of escalation policies, for one recipient's companies: the coverage
//! report's on-call gaps in the coming [`LOOKAHEAD`] (`domain::oncall::coverage` decides them;
//! this reads the policies, schedules and people, and words them), and the alert summary's
//! pages per person. Both are sections of the email only, never of its CSV.

use super::tables::Section;
use crate::domain::oncall::coverage::{Facts, Gap, LOOKAHEAD, Person, Reach, gaps};
use crate::domain::oncall::policy::Target;
use crate::domain::routing::Schedules;
use crate::domain::{AccountId, CompanyAccess, CompanyId, ContactId, PolicyId, ScheduleId};
use crate::i18n::Tr;
use crate::store::policies::StoredPolicy;
use crate::store::{self, Result, StoreError};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// A time in the recipient's zone, as the report's period shows it.
fn local(t: DateTime<Utc>, zone: crate::domain::TimeZone) -> String {
    t.with_timezone(&zone.tz())
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// A schedule's range with nobody on call, and the policies that use the schedule.
#[derive(Debug)]
struct Range {
    schedule: ScheduleId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    policies: Vec<String>,
}

/// What the gaps of the scope's policies are decided from, read once.
#[derive(Debug, Default)]
struct Read {
    /// Each company of the scope with a policy, in scope order, with that policy's id.
    companies: Vec<(CompanyId, String, PolicyId)>,
    policies: HashMap<PolicyId, StoredPolicy>,
    schedules: Schedules,
    schedule_names: HashMap<ScheduleId, String>,
    people: Vec<Person>,
    names: HashMap<ContactId, String>,
    require_verified_phones: bool,
}

async fn read(
    db: &mut sqlx::AnyConnection,
    account: &AccountId,
    scope: &[(CompanyId, String)],
    at: DateTime<Utc>,
) -> Result<Read> {
    let mut out = Read::default();
    let ids: Vec<&CompanyId> = scope.iter().map(|(id, _)| id).collect();
    let with_policy = store::policies::of_companies(db, account, &ids).await?;
    for (id, name) in scope {
        if let Some((_, policy)) = with_policy.iter().find(|(c, _)| c == id) {
            out.companies
                .push((id.clone(), name.clone(), policy.clone()));
        }
    }
    if out.companies.is_empty() {
        return Ok(out);
    }
    out.require_verified_phones = store::ingest::settings(db, account)
        .await?
        .require_verified_phones;
    let mut contacts: Vec<ContactId> = Vec::new();
    let mut named = |id: &ContactId| {
        if !contacts.contains(id) {
            contacts.push(id.clone());
        }
    };
    for (_, _, policy_id) in &out.companies {
        if out.policies.contains_key(policy_id) {
            continue;
        }
        let policy = store::policies::get(db, account, policy_id).await?;
        for target in policy.policy.steps.iter().flat_map(|s| &s.targets) {
            match target {
                Target::CompanyContacts => {}
                Target::Contact(id) => named(id),
                Target::Schedule(id) if !out.schedules.contains_key(id) => {
                    let schedule = match store::schedules::get(db, account, id).await {
                        Ok(found) => found,
                        Err(StoreError::NotFound) => continue,
                        Err(e) => return Err(e),
                    };
                    let overrides: Vec<_> = store::schedules::overrides(db, account, id, at)
                        .await?
                        .into_iter()
                        .map(|o| o.over)
                        .filter(|o| o.starts_at < at + LOOKAHEAD)
                        .collect();
                    schedule.rotation.members.iter().for_each(&mut named);
                    overrides.iter().for_each(|o| named(&o.contact));
                    out.schedule_names.insert(id.clone(), schedule.name);
                    out.schedules
                        .insert(id.clone(), (schedule.rotation, overrides));
                }
                Target::Schedule(_) => {}
            }
        }
        out.policies.insert(policy_id.clone(), policy);
    }
    for id in &contacts {
        let contact = match store::contacts::get(db, account, &CompanyAccess::All, id).await {
            Ok(found) => found,
            Err(StoreError::NotFound) => continue,
            Err(e) => return Err(e),
        };
        out.names.insert(id.clone(), contact.name);
        out.people.push(Person {
            contact: contact.id,
            access: contact.companies,
            methods: contact
                .methods
                .iter()
                .map(|m| Reach {
                    kind: m.kind,
                    min_severity: m.min_severity,
                    verified: m.verified,
                })
                .collect(),
        });
    }
    Ok(out)
}

/// The coverage report's on-call section: the gaps of the policies of the scope's companies
/// in the [`LOOKAHEAD`] after `at` (the run's time), times in `zone`; `None` when no company
/// of the scope has a policy.
pub(super) async fn coverage_section(
    db: &mut sqlx::AnyConnection,
    account: &AccountId,
    scope: &[(CompanyId, String)],
    at: DateTime<Utc>,
    tr: &Tr,
    zone: crate::domain::TimeZone,
) -> Result<Option<Section>> {
    let read = read(db, account, scope, at).await?;
    if read.companies.is_empty() {
        return Ok(None);
    }
    // A schedule's range is said once, with every policy that uses it.
    let mut ranges: Vec<Range> = Vec::new();
    let mut people = Vec::new();
    let name = |id: &ContactId| read.names.get(id).cloned().unwrap_or_default();
    for (company, company_name, policy_id) in &read.companies {
        let Some(policy) = read.policies.get(policy_id) else {
            continue;
        };
        let found = gaps(&Facts {
            company,
            policy: &policy.policy,
            schedules: &read.schedules,
            people: &read.people,
            require_verified_phones: read.require_verified_phones,
            from: at,
            to: at + LOOKAHEAD,
        });
        for gap in &found {
            // The argument each kind adds to the policy and the company.
            let (who, step);
            let (id, extra) = match gap {
                Gap::NobodyOnCall {
                    schedule,
                    from,
                    until,
                } => {
                    let same = |r: &&mut Range| {
                        r.schedule == *schedule && r.from == *from && r.until == *until
                    };
                    match ranges.iter_mut().find(same) {
                        Some(r) if !r.policies.contains(&policy.name) => {
                            r.policies.push(policy.name.clone());
                        }
                        Some(_) => {}
                        None => ranges.push(Range {
                            schedule: schedule.clone(),
                            from: *from,
                            until: *until,
                            policies: vec![policy.name.clone()],
                        }),
                    }
                    continue;
                }
                Gap::TargetGone { step: n } => {
                    step = n.to_string();
                    ("report-oncall-gone", ("step", step.as_str()))
                }
                Gap::NoAccess { contact } => {
                    who = name(contact);
                    ("report-oncall-no-access", ("name", who.as_str()))
                }
                Gap::NoCriticalMethod { contact } => {
                    who = name(contact);
                    ("report-oncall-no-critical", ("name", who.as_str()))
                }
            };
            let line = tr.ta(
                id,
                &[
                    ("policy", policy.name.as_str()),
                    ("company", company_name.as_str()),
                    extra,
                ],
            );
            if !people.contains(&line) {
                people.push(line);
            }
        }
    }
    let mut lines: Vec<String> = ranges
        .iter()
        .map(|r| {
            tr.ta(
                "report-oncall-nobody",
                &[
                    (
                        "schedule",
                        read.schedule_names
                            .get(&r.schedule)
                            .map_or("", String::as_str),
                    ),
                    ("policies", &r.policies.join(", ")),
                    ("from", &local(r.from, zone)),
                    ("until", &local(r.until, zone)),
                ],
            )
        })
        .collect();
    lines.extend(people);
    if lines.is_empty() {
        lines.push(tr.t("report-oncall-none"));
    }
    Ok(Some(Section {
        title: tr.t("report-oncall-title"),
        lines,
    }))
}

/// The alert summary's pages per person: who the scope's escalation policies paged in
/// `[start, end)` and how many times; `None` when nobody was.
pub(super) async fn pages_section(
    db: &mut sqlx::AnyConnection,
    account: &AccountId,
    companies: &[CompanyId],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    tr: &Tr,
) -> Result<Option<Section>> {
    let pages = store::reports::pages_in(db, account, companies, start, end).await?;
    if pages.is_empty() {
        return Ok(None);
    }
    Ok(Some(Section {
        title: tr.t("report-pages-title"),
        lines: pages
            .iter()
            .map(|(_, name, count)| {
                tr.ta(
                    "report-pages-person",
                    &[("name", name), ("count", &count.to_string())],
                )
            })
            .collect(),
    }))
}
