//! Configure > Escalation policies (admins; SPEC §2): the policies with their steps, the
//! companies using each, and the steps editor (no JavaScript; see `policy_form`).

use super::policy_form::{PolicyForm, StepRow, top_errors};
use super::{
    AdminWeb, Form, FormErrors, PageResult, Web, confirm, confirmation, done, refused, render,
};
use crate::app;
use crate::auth::Admin;
use crate::domain::oncall::policy::Target;
use crate::domain::{FieldError, PolicyId};
use crate::error::AppError;
use crate::http::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

const LIST: &str = "/configure/escalation-policies";

pub struct PolicyRow {
    pub id: String,
    pub name: String,
    /// One line per step: "On call in Guardia — then wait 5 min".
    pub steps: Vec<String>,
    pub repeat: String,
    pub companies: String,
}

#[derive(Template)]
#[template(path = "pages/policies.html")]
struct PoliciesPage<'a> {
    web: &'a Web,
    status: Option<String>,
    policies: Vec<PolicyRow>,
    action: String,
    editing: bool,
    form: PolicyForm,
    errors: FormErrors,
    steps: Vec<StepRow>,
    /// Every target a step may have: (value, label).
    choices: Vec<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn page(
    state: &AppState,
    web: &Web,
    admin: &Admin,
    status: Option<String>,
    form: PolicyForm,
    refusal: (Vec<FieldError>, Vec<usize>),
    editing: Option<&PolicyId>,
) -> PageResult {
    let fail = |e| web.fail(e);
    let policies = app::policies::list(state, &admin.0).await.map_err(fail)?;
    let schedules = app::schedules::list(state, &admin.0).await.map_err(fail)?;
    let people = app::reports::recipients(state, admin).await.map_err(fail)?;
    let mut names: HashMap<String, String> = HashMap::new();
    let mut choices = vec![("company_contacts".to_owned(), web.t("target-everyone"))];
    for s in &schedules {
        let label = web.tr.ta("target-schedule", &[("name", &s.name)]);
        names.insert(format!("schedule:{}", s.id), label.clone());
        choices.push((format!("schedule:{}", s.id), label));
    }
    for p in &people {
        names.insert(format!("contact:{}", p.id), p.name.clone());
        choices.push((format!("contact:{}", p.id), p.name.clone()));
    }
    let label = |t: &Target| {
        match t {
            Target::CompanyContacts => Some(web.t("target-everyone")),
            Target::Schedule(id) => names.get(&format!("schedule:{id}")).cloned(),
            Target::Contact(id) => names.get(&format!("contact:{id}")).cloned(),
        }
        .unwrap_or_else(|| web.t("target-gone"))
    };
    let mut rows = Vec::with_capacity(policies.len());
    for p in &policies {
        let steps = p
            .policy
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let who: Vec<String> = s.targets.iter().map(&label).collect();
                // The last step's wait only matters when the policy runs again.
                let last = i + 1 == p.policy.steps.len() && p.policy.repeat == 0;
                web.tr.ta(
                    if last {
                        "policy-step-last"
                    } else {
                        "policy-step-line"
                    },
                    &[
                        ("targets", &who.join(", ")),
                        ("wait", &s.wait_minutes.to_string()),
                    ],
                )
            })
            .collect();
        let using: Vec<String> = web
            .companies
            .iter()
            .filter(|c| c.escalation_policy_id.as_ref() == Some(&p.id))
            .map(|c| c.name.clone())
            .collect();
        rows.push(PolicyRow {
            id: p.id.to_string(),
            name: p.name.clone(),
            steps,
            repeat: match p.policy.repeat {
                0 => web.t("policy-repeat-0"),
                1 => web.t("policy-repeat-1"),
                n => web.tr.ta("policy-repeat-n", &[("n", &n.to_string())]),
            },
            companies: using.join(", "),
        });
    }
    let (fields, given) = refusal;
    Ok(render(&PoliciesPage {
        web,
        status,
        policies: rows,
        action: editing.map_or_else(|| LIST.to_owned(), |id| format!("{LIST}/{id}")),
        editing: editing.is_some(),
        errors: top_errors(&web.tr, &fields),
        steps: form.rows(&web.tr, &fields, &given),
        form,
        choices,
    }))
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let status = confirmation(&web, q.done.as_deref());
    let form = PolicyForm::fresh();
    page(&state, &web, &admin, status, form, Default::default(), None).await
}

/// Saves a new policy (`id` None) or changes one; a refusal shows the form again.
async fn save(
    state: &AppState,
    web: &Web,
    admin: &Admin,
    id: Option<&PolicyId>,
    form: PolicyForm,
) -> PageResult {
    let (input, given) = form.input();
    let result = match (input.parse(), id) {
        (Ok(new), None) => app::policies::create(state, admin, &new).await.map(|_| ()),
        (Ok(new), Some(id)) => app::policies::update(state, admin, id, &new)
            .await
            .map(|_| ()),
        (Err(fields), _) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(()) => Ok(done(LIST, "policy-saved")),
        Err(AppError::Validation(fields) | AppError::Conflict(fields)) => {
            page(state, web, admin, None, form, (fields, given), id)
                .await
                .map(refused)
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Form(form): Form<PolicyForm>,
) -> PageResult {
    save(&state, &web, &admin, None, form).await
}

pub async fn edit_form(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
) -> PageResult {
    let id = PolicyId::from_string(id);
    let policy = app::policies::get(&state, &admin.0, &id)
        .await
        .map_err(|e| web.fail(e))?;
    let form = PolicyForm::of(&policy);
    page(
        &state,
        &web,
        &admin,
        None,
        form,
        Default::default(),
        Some(&id),
    )
    .await
}

pub async fn edit(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Form(form): Form<PolicyForm>,
) -> PageResult {
    let id = PolicyId::from_string(id);
    app::policies::get(&state, &admin.0, &id)
        .await
        .map_err(|e| web.fail(e))?;
    save(&state, &web, &admin, Some(&id), form).await
}

pub async fn delete_form(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
) -> PageResult {
    let id = PolicyId::from_string(id);
    let policy = app::policies::get(&state, &admin.0, &id)
        .await
        .map_err(|e| web.fail(e))?;
    let question = web
        .tr
        .ta("confirm-delete-policy", &[("name", &policy.name)]);
    Ok(confirm(&web, question, format!("{LIST}/{id}/delete"), LIST))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    app::policies::delete(&state, &admin, &PolicyId::from_string(id))
        .await
        .map_err(|e| web.fail(e))?;
    Ok(done(LIST, "policy-deleted"))
}
