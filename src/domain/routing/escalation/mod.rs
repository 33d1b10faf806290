//! Routing with an escalation policy (SPEC §2): step 1's targets at once, each next step's
//! after the wait of the one before, the whole again `repeat` times; a schedule target is
//! whoever is on call when its step comes. Each target is told through their own methods and
//! preferences (severity, delay, quiet hours) and only if they may see the company. Every step
//! after the first is an escalation: it is dropped if the alert was acknowledged or resolved by
//! then (the outbox's pickup rule).

use super::plan::plan;
use super::{AlertFacts, Plan, Planned, Policy, Recipient};
use crate::domain::oncall::policy::{Policy as Escalation, Target};
use crate::domain::oncall::{Override, Rotation, oncall_at};
use crate::domain::{ContactId, ScheduleId};
use foldhash::HashMap;

/// A schedule as routing needs it: its rotation and its overrides.
pub type Schedules = HashMap<ScheduleId, (Rotation, Vec<Override>)>;

/// One planned notification and the step (1-based) it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedStep {
    pub planned: Planned,
    pub step: usize,
}

/// The notifications an opened alert implies under `escalation`.
pub fn route_escalated(
    alert: &AlertFacts,
    recipients: &[Recipient],
    escalation: &Escalation,
    schedules: &Schedules,
    policy: Policy,
) -> Vec<PlannedStep> {
    let mut out = Vec::new();
    let may_see = |r: &&Recipient| r.access.includes(&alert.company);
    for due in escalation.timeline() {
        let Some(step) = escalation.steps.get(due.step - 1) else {
            continue;
        };
        let at = alert.opened_at + due.after;
        let mut told: Vec<&ContactId> = Vec::new();
        for target in &step.targets {
            let contacts: Vec<&ContactId> = match target {
                Target::CompanyContacts => recipients
                    .iter()
                    .filter(may_see)
                    .map(|r| &r.contact)
                    .collect(),
                Target::Contact(id) => vec![id],
                Target::Schedule(id) => schedules
                    .get(id)
                    .and_then(|(rotation, overrides)| oncall_at(rotation, overrides, at))
                    .and_then(|span| {
                        recipients
                            .iter()
                            .find(|r| r.contact == span.contact)
                            .map(|r| &r.contact)
                    })
                    .into_iter()
                    .collect(),
            };
            for contact in contacts {
                if !told.contains(&contact) {
                    told.push(contact);
                }
            }
        }
        let shifted = AlertFacts {
            opened_at: at,
            ..alert.clone()
        };
        for recipient in recipients
            .iter()
            .filter(may_see)
            .filter(|r| told.contains(&&r.contact))
        {
            for method in &recipient.methods {
                let admits = method
                    .min_severity
                    .is_some_and(|lowest| alert.severity >= lowest);
                if !admits {
                    continue;
                }
                let mut planned = plan(&shifted, recipient.timezone, method, policy);
                if let Plan::Send { escalation, .. } = &mut planned {
                    *escalation |= !due.after.is_zero();
                }
                out.push(PlannedStep {
                    planned: Planned {
                        contact: recipient.contact.clone(),
                        method: method.id.clone(),
                        plan: planned,
                    },
                    step: due.step,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
