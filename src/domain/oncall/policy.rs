//! Escalation policies (SPEC §2): steps of targets (a schedule's on-call person, a contact,
//! everyone with access to the company) with a wait after each, run again `repeat` times. Pure:
//! the input rule and the timeline of steps an alert goes through until it is acknowledged or
//! resolved.

use crate::domain::{ContactId, Errors, FieldError, Invalid, Name, ScheduleId};
use chrono::Duration;

/// Steps a policy may have, targets a step may have, and its largest `repeat`.
pub const MAX_STEPS: usize = 10;
pub const MAX_TARGETS: usize = 10;
pub const MAX_REPEAT: i64 = 5;

/// Who a step notifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Whoever is on call in the schedule when the step comes.
    Schedule(ScheduleId),
    Contact(ContactId),
    /// Everyone with access to the alert's company (the rule without a policy).
    CompanyContacts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub targets: Vec<Target>,
    /// Minutes to wait, after this step, before the next (1–1440).
    pub wait_minutes: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub steps: Vec<Step>,
    /// How many times the steps run again after the last (0–5).
    pub repeat: u8,
}

/// A valid policy, ready to store (its schedules and contacts still to be found in the account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPolicy {
    pub name: Name,
    pub policy: Policy,
}

/// One step as it comes for an alert: its 1-based number and how long after the alert opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub step: usize,
    pub after: Duration,
}

impl Policy {
    /// Every step in the order it comes, over the first run and the repeats: step 1 at once,
    /// each next one after the wait of the one before.
    pub fn timeline(&self) -> Vec<Due> {
        let mut out = Vec::new();
        let mut after = Duration::zero();
        for _ in 0..=self.repeat {
            for (i, step) in self.steps.iter().enumerate() {
                out.push(Due { step: i + 1, after });
                after += Duration::minutes(i64::from(step.wait_minutes));
            }
        }
        out
    }
}

/// A target as given: `{"type": "schedule"|"contact", "id"}` or `{"type": "company_contacts"}`.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(deny_unknown_fields)]
pub struct TargetInput {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    pub targets: Option<Vec<TargetInput>>,
    /// 1–1440.
    pub wait_minutes: Option<i64>,
}

/// A policy as given.
#[derive(Debug, Clone, Default)]
pub struct PolicyInput {
    pub name: Option<String>,
    pub steps: Option<Vec<StepInput>>,
    pub repeat: Option<i64>,
}

fn target(errors: &mut Errors, field: &str, input: &TargetInput) -> Option<Target> {
    let id = input.id.as_deref().map(str::trim).filter(|i| !i.is_empty());
    let valid_id = |errors: &mut Errors| match id {
        Some(i) if i.len() <= 64 && !i.chars().any(char::is_control) => Some(i.to_owned()),
        Some(_) => {
            errors.push(&format!("{field}.id"), Invalid::Malformed);
            None
        }
        None => {
            errors.push(&format!("{field}.id"), Invalid::Required);
            None
        }
    };
    match input.kind.as_deref().map(str::trim) {
        Some("schedule") => valid_id(errors).map(|i| Target::Schedule(ScheduleId::from_string(i))),
        Some("contact") => valid_id(errors).map(|i| Target::Contact(ContactId::from_string(i))),
        Some("company_contacts") => Some(Target::CompanyContacts),
        None => errors.check(&format!("{field}.type"), Err(Invalid::Required)),
        Some(_) => errors.check(
            &format!("{field}.type"),
            Err(Invalid::OneOf {
                allowed: "schedule, contact, company_contacts",
            }),
        ),
    }
}

impl PolicyInput {
    pub fn parse(&self) -> Result<NewPolicy, Vec<FieldError>> {
        let mut errors = Errors::default();
        let name = errors.check(
            "name",
            self.name
                .as_deref()
                .ok_or(Invalid::Required)
                .and_then(Name::parse),
        );
        let repeat = errors.check(
            "repeat",
            match self.repeat {
                None => Ok(0),
                Some(n) if (0..=MAX_REPEAT).contains(&n) => Ok(n as u8),
                Some(_) => Err(Invalid::Range {
                    min: 0,
                    max: MAX_REPEAT,
                }),
            },
        );
        let mut steps = Vec::new();
        match self.steps.as_deref() {
            None => errors.push("steps", Invalid::Required),
            Some([]) => errors.push("steps", Invalid::TooShort { min: 1 }),
            Some(list) if list.len() > MAX_STEPS => {
                errors.push("steps", Invalid::TooLong { max: MAX_STEPS });
            }
            Some(list) => {
                for (i, step) in list.iter().enumerate() {
                    let at = format!("steps[{i}]");
                    let wait = errors.check(
                        &format!("{at}.wait_minutes"),
                        match step.wait_minutes {
                            None => Err(Invalid::Required),
                            Some(n) if (1..=1440).contains(&n) => Ok(n as u16),
                            Some(_) => Err(Invalid::Range { min: 1, max: 1440 }),
                        },
                    );
                    let mut targets = Vec::new();
                    match step.targets.as_deref() {
                        None => errors.push(&format!("{at}.targets"), Invalid::Required),
                        Some([]) => {
                            errors.push(&format!("{at}.targets"), Invalid::TooShort { min: 1 })
                        }
                        Some(list) if list.len() > MAX_TARGETS => {
                            errors.push(
                                &format!("{at}.targets"),
                                Invalid::TooLong { max: MAX_TARGETS },
                            );
                        }
                        Some(list) => {
                            for (j, t) in list.iter().enumerate() {
                                targets.extend(target(
                                    &mut errors,
                                    &format!("{at}.targets[{j}]"),
                                    t,
                                ));
                            }
                        }
                    }
                    if let Some(wait_minutes) = wait {
                        steps.push(Step {
                            targets,
                            wait_minutes,
                        });
                    }
                }
            }
        }
        errors.finish(|| {
            Some(NewPolicy {
                name: name?,
                policy: Policy {
                    steps,
                    repeat: repeat?,
                },
            })
        })
    }
}

impl Policy {
    /// The policy as it is given back and stored.
    pub fn input(&self) -> (Vec<StepInput>, i64) {
        let steps = self
            .steps
            .iter()
            .map(|s| StepInput {
                targets: Some(
                    s.targets
                        .iter()
                        .map(|t| match t {
                            Target::Schedule(id) => TargetInput {
                                kind: Some("schedule".into()),
                                id: Some(id.to_string()),
                            },
                            Target::Contact(id) => TargetInput {
                                kind: Some("contact".into()),
                                id: Some(id.to_string()),
                            },
                            Target::CompanyContacts => TargetInput {
                                kind: Some("company_contacts".into()),
                                id: None,
                            },
                        })
                        .collect(),
                ),
                wait_minutes: Some(i64::from(s.wait_minutes)),
            })
            .collect();
        (steps, i64::from(self.repeat))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(targets: Vec<TargetInput>, wait: i64) -> StepInput {
        StepInput {
            targets: Some(targets),
            wait_minutes: Some(wait),
        }
    }

    fn t(kind: &str, id: Option<&str>) -> TargetInput {
        TargetInput {
            kind: Some(kind.into()),
            id: id.map(Into::into),
        }
    }

    #[test]
    fn steps_come_one_after_another_and_repeat() {
        let input = PolicyInput {
            name: Some("Noche".into()),
            steps: Some(vec![
                step(vec![t("schedule", Some("s1"))], 5),
                step(
                    vec![t("contact", Some("lead")), t("company_contacts", None)],
                    10,
                ),
            ]),
            repeat: Some(1),
        };
        let parsed = input.parse().unwrap_or_else(|e| panic!("{e:?}"));
        let minutes: Vec<(usize, i64)> = parsed
            .policy
            .timeline()
            .iter()
            .map(|d| (d.step, d.after.num_minutes()))
            .collect();
        assert_eq!(minutes, [(1, 0), (2, 5), (1, 15), (2, 20)]);
        let (steps, repeat) = parsed.policy.input();
        assert_eq!(
            (steps, repeat),
            (input.steps.clone().unwrap_or_default(), 1)
        );
        let once = PolicyInput {
            repeat: None,
            ..input
        };
        assert_eq!(once.parse().map(|p| p.policy.timeline().len()), Ok(2));
    }

    #[test]
    fn every_bad_field_is_named() {
        let input = PolicyInput {
            name: None,
            steps: Some(vec![
                step(vec![t("schedule", None), t("pager", Some("x"))], 0),
                StepInput {
                    targets: Some(vec![]),
                    wait_minutes: None,
                },
            ]),
            repeat: Some(6),
        };
        let fields: Vec<String> = input
            .parse()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "name",
                "repeat",
                "steps[0].wait_minutes",
                "steps[0].targets[0].id",
                "steps[0].targets[1].type",
                "steps[1].wait_minutes",
                "steps[1].targets"
            ]
        );
        let none = PolicyInput {
            name: Some("x".into()),
            steps: Some(vec![]),
            repeat: None,
        };
        assert_eq!(
            none.parse().err().map(|e| e[0].field.clone()),
            Some("steps".into())
        );
    }
}
