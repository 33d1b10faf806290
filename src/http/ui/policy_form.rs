//! The escalation policy form, without JavaScript: one row per step (the policy's steps and
//! one spare), each with its wait and a checkbox per possible target, posted as `wait` (one per
//! row, in order) and `targets` values `"{row}:schedule:{id}"`, `"{row}:contact:{id}"` or
//! `"{row}:company_contacts"`. A row with no target chosen is left out, so the spare row costs
//! nothing; save to get another.

use super::{FormErrors, Tr};
use crate::domain::FieldError;
use crate::domain::oncall::policy::{PolicyInput, StepInput, TargetInput};
use crate::store::policies::StoredPolicy;
use serde::Deserialize;

/// The wait a new step row starts with.
const DEFAULT_WAIT: &str = "5";

#[derive(Debug, Default, Deserialize)]
pub struct PolicyForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub repeat: String,
    #[serde(default)]
    pub wait: Vec<String>,
    #[serde(default)]
    pub targets: Vec<String>,
}

/// One step row as the form shows it.
pub struct StepRow {
    pub number: usize,
    pub wait: String,
    /// The `"{kind}:{id}"` (or `company_contacts`) values checked in this row.
    pub chosen: Vec<String>,
    pub error: Option<String>,
}

impl StepRow {
    pub fn has(&self, value: &str) -> bool {
        self.chosen.iter().any(|c| c == value)
    }
}

impl PolicyForm {
    /// The checked targets of row `row` (0-based), without the row prefix.
    fn chosen(&self, row: usize) -> Vec<String> {
        let prefix = format!("{row}:");
        self.targets
            .iter()
            .filter_map(|t| t.strip_prefix(&prefix))
            .map(str::to_owned)
            .collect()
    }

    /// The policy as given, and for each step given the row it came from.
    pub(super) fn input(&self) -> (PolicyInput, Vec<usize>) {
        let mut steps = Vec::new();
        let mut rows = Vec::new();
        for (row, wait) in self.wait.iter().enumerate() {
            let chosen = self.chosen(row);
            if chosen.is_empty() {
                continue;
            }
            let targets = chosen
                .iter()
                .map(|c| match c.split_once(':') {
                    Some((kind, id)) => TargetInput {
                        kind: Some(kind.to_owned()),
                        id: Some(id.to_owned()),
                    },
                    None => TargetInput {
                        kind: Some(c.clone()),
                        id: None,
                    },
                })
                .collect();
            let wait = wait.trim();
            steps.push(StepInput {
                targets: Some(targets),
                // Not a whole number: out of range, said as such.
                wait_minutes: (!wait.is_empty()).then(|| wait.parse().unwrap_or(0)),
            });
            rows.push(row);
        }
        let repeat = self.repeat.trim();
        let input = PolicyInput {
            name: Some(self.name.clone()),
            steps: Some(steps),
            repeat: Some(if repeat.is_empty() {
                0
            } else {
                repeat.parse().unwrap_or(-1)
            }),
        };
        (input, rows)
    }

    pub(super) fn of(policy: &StoredPolicy) -> Self {
        let (steps, repeat) = policy.policy.input();
        let mut form = Self {
            name: policy.name.clone(),
            repeat: repeat.to_string(),
            ..Self::default()
        };
        for (row, step) in steps.iter().enumerate() {
            form.wait
                .push(step.wait_minutes.unwrap_or_default().to_string());
            for t in step.targets.iter().flatten() {
                let kind = t.kind.clone().unwrap_or_default();
                form.targets.push(match &t.id {
                    Some(id) => format!("{row}:{kind}:{id}"),
                    None => format!("{row}:{kind}"),
                });
            }
        }
        form
    }

    pub(super) fn fresh() -> Self {
        Self {
            repeat: "0".into(),
            ..Self::default()
        }
    }

    /// The rows to show: every row given with a target, then one spare; each with the first
    /// error of the step it made (`steps[j]…` is reported on row `rows[j]`).
    pub fn rows(&self, tr: &Tr, fields: &[FieldError], rows: &[usize]) -> Vec<StepRow> {
        let mut out: Vec<StepRow> = Vec::new();
        for (row, wait) in self.wait.iter().enumerate() {
            let chosen = self.chosen(row);
            if chosen.is_empty() {
                continue;
            }
            let step = rows.iter().position(|r| *r == row);
            let error = step.and_then(|j| {
                let at = format!("steps[{j}]");
                fields
                    .iter()
                    .find(|f| f.field.starts_with(&at))
                    .map(|f| tr.error(&f.error))
            });
            out.push(StepRow {
                number: out.len() + 1,
                wait: wait.clone(),
                chosen,
                error,
            });
        }
        out.push(StepRow {
            number: out.len() + 1,
            wait: DEFAULT_WAIT.into(),
            chosen: Vec::new(),
            error: None,
        });
        out
    }
}

/// The errors the form shows above the steps (name, repeat, the list of steps itself).
pub fn top_errors(tr: &Tr, fields: &[FieldError]) -> FormErrors {
    let top: Vec<FieldError> = fields
        .iter()
        .filter(|f| !f.field.starts_with("steps["))
        .cloned()
        .collect();
    FormErrors::new(tr, &top)
}
