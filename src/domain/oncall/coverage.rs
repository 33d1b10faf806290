//! Gaps in a company's on-call coverage (the coverage report, SPEC §2): what its escalation
//! policy would fail to page in a coming window. Pure: given the policy, its schedules, the
//! people it names (their access and methods) and the window, the gaps, in policy order.
//!
//! - a schedule target with nobody on call for a while (before its `starts_on`, no members
//!   left): each range, clipped to the window;
//! - a step naming a schedule or contact that no longer exists (it pages nobody there);
//! - a target without access to the company (routing tells them nothing);
//! - a target with access but no method a critical alert would reach.
//!
//! The targets checked are the contact targets and every member of a schedule target, plus
//! whoever an override puts on call within the window. `company_contacts` targets are everyone
//! with access already: the coverage table counts them.

use super::policy::{Policy, Target};
use super::spans;
use crate::domain::routing::Schedules;
use crate::domain::{CompanyAccess, CompanyId, ContactId, MethodType, ScheduleId, Severity};
use chrono::{DateTime, Duration, Utc};

/// How far ahead the coverage report looks for nobody on call.
pub const LOOKAHEAD: Duration = Duration::days(14);

/// A method, as far as receiving alerts goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    pub kind: MethodType,
    pub min_severity: Option<Severity>,
    pub verified: bool,
}

impl Reach {
    /// Whether routing would send this method an alert of `severity`: alerts on and at or
    /// under `severity`, and verified where its type needs it (`alerts_need_verification`).
    /// Delays and quiet hours only move a critical alert, they never drop it.
    pub fn receives(self, severity: Severity, require_verified_phones: bool) -> bool {
        self.min_severity.is_some_and(|lowest| severity >= lowest)
            && (self.verified || !self.kind.alerts_need_verification(require_verified_phones))
    }
}

/// Someone a policy may page: their access and their methods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub contact: ContactId,
    pub access: CompanyAccess,
    pub methods: Vec<Reach>,
}

/// One way a company's policy falls short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// Nobody is on call in the schedule over `[from, until)`.
    NobodyOnCall {
        schedule: ScheduleId,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    },
    /// Step `step` (1-based) names a schedule or contact that no longer exists.
    TargetGone { step: usize },
    /// A target who may not see the company: never paged for it.
    NoAccess { contact: ContactId },
    /// A target who may see the company but has no method a critical alert reaches.
    NoCriticalMethod { contact: ContactId },
}

/// What the gaps of one company's policy are decided from.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub company: &'a CompanyId,
    pub policy: &'a Policy,
    /// The schedules the policy names that still exist, with their overrides.
    pub schedules: &'a Schedules,
    /// The people the policy names who still exist (others are ignored).
    pub people: &'a [Person],
    pub require_verified_phones: bool,
    /// The window looked at: `[from, to)`.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// The ranges of `[from, to)` that no span covers.
fn holes(
    covered: &[spans::Span],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut sorted: Vec<&spans::Span> = covered.iter().collect();
    sorted.sort_by_key(|s| s.from);
    let mut out = Vec::new();
    let mut cursor = from;
    for span in sorted {
        if span.from > cursor {
            out.push((cursor, span.from.min(to)));
        }
        cursor = cursor.max(span.until);
        if cursor >= to {
            return out;
        }
    }
    if cursor < to {
        out.push((cursor, to));
    }
    out
}

/// Every gap of the company's policy in the window: schedule ranges and gone targets in step
/// order, then each person once per kind, in the order the steps name them.
pub fn gaps(facts: &Facts<'_>) -> Vec<Gap> {
    let mut out = Vec::new();
    let mut seen_schedules: Vec<&ScheduleId> = Vec::new();
    let mut targets: Vec<ContactId> = Vec::new();
    let mut add = |who: &ContactId| {
        if !targets.contains(who) {
            targets.push(who.clone());
        }
    };
    for (i, step) in facts.policy.steps.iter().enumerate() {
        let mut gone = false;
        for target in &step.targets {
            match target {
                Target::CompanyContacts => {}
                Target::Contact(id) => {
                    if facts.people.iter().any(|p| &p.contact == id) {
                        add(id);
                    } else {
                        gone = true;
                    }
                }
                Target::Schedule(id) => {
                    let Some((rotation, overrides)) = facts.schedules.get(id) else {
                        gone = true;
                        continue;
                    };
                    let on_call = spans::spans(rotation, overrides, facts.from, facts.to);
                    if !seen_schedules.contains(&id) {
                        seen_schedules.push(id);
                        out.extend(holes(&on_call, facts.from, facts.to).into_iter().map(
                            |(from, until)| Gap::NobodyOnCall {
                                schedule: id.clone(),
                                from,
                                until,
                            },
                        ));
                    }
                    rotation.members.iter().for_each(&mut add);
                    on_call
                        .iter()
                        .filter(|s| s.by_override)
                        .for_each(|s| add(&s.contact));
                }
            }
        }
        if gone {
            out.push(Gap::TargetGone { step: i + 1 });
        }
    }
    let people: Vec<&Person> = targets
        .iter()
        .filter_map(|id| facts.people.iter().find(|p| &p.contact == id))
        .collect();
    for person in &people {
        if !person.access.includes(facts.company) {
            out.push(Gap::NoAccess {
                contact: person.contact.clone(),
            });
        }
    }
    for person in people.iter().filter(|p| p.access.includes(facts.company)) {
        let reached = person
            .methods
            .iter()
            .any(|m| m.receives(Severity::Critical, facts.require_verified_phones));
        if !reached {
            out.push(Gap::NoCriticalMethod {
                contact: person.contact.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
#[path = "coverage_tests.rs"]
mod tests;
