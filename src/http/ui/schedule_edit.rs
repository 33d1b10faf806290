//! A schedule's own page (admins): change its name, zone, members and shifts, or delete it.

use super::schedule_form::{ScheduleForm, members_error};
use super::schedules::{LIST, people};
use super::{AdminWeb, Form, FormErrors, PageResult, Web, confirm, done, refused, render};
use crate::app;
use crate::domain::ScheduleId;
use crate::error::AppError;
use crate::http::AppState;
use askama::Template;
use axum::extract::{Path, State};
use std::sync::Arc;

#[derive(Template)]
#[template(path = "pages/schedule_edit.html")]
struct ScheduleEditPage<'a> {
    web: &'a Web,
    id: String,
    title: String,
    people: Vec<(String, String)>,
    form: ScheduleForm,
    errors: FormErrors,
    members_error: Option<String>,
}

async fn page(
    state: &AppState,
    web: &Web,
    id: &ScheduleId,
    title: String,
    form: ScheduleForm,
    errors: (FormErrors, Option<String>),
) -> PageResult {
    Ok(render(&ScheduleEditPage {
        web,
        id: id.to_string(),
        title,
        people: people(state, web).await?,
        form,
        errors: errors.0,
        members_error: errors.1,
    }))
}

pub async fn edit_form(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, _): AdminWeb,
    Path(id): Path<String>,
) -> PageResult {
    let id = ScheduleId::from_string(id);
    let schedule = app::schedules::get(&state, &web.caller, &id)
        .await
        .map_err(|e| web.fail(e))?;
    let form = ScheduleForm::of(&schedule);
    page(&state, &web, &id, schedule.name, form, Default::default()).await
}

pub async fn edit(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Form(form): Form<ScheduleForm>,
) -> PageResult {
    let id = ScheduleId::from_string(id);
    let current = app::schedules::get(&state, &web.caller, &id)
        .await
        .map_err(|e| web.fail(e))?;
    let result = match form.input().parse() {
        Ok(new) => app::schedules::update(&state, &admin, &id, &new).await,
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(_) => Ok(done(LIST, "schedule-saved")),
        Err(AppError::Validation(fields) | AppError::Conflict(fields)) => {
            let errors = FormErrors::new(&web.tr, &fields);
            let members = members_error(&fields, &errors);
            page(&state, &web, &id, current.name, form, (errors, members))
                .await
                .map(refused)
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn delete_form(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, _): AdminWeb,
    Path(id): Path<String>,
) -> PageResult {
    let id = ScheduleId::from_string(id);
    let schedule = app::schedules::get(&state, &web.caller, &id)
        .await
        .map_err(|e| web.fail(e))?;
    let question = web
        .tr
        .ta("confirm-delete-schedule", &[("name", &schedule.name)]);
    Ok(confirm(&web, question, format!("{LIST}/{id}/delete"), LIST))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    app::schedules::delete(&state, &admin, &ScheduleId::from_string(id))
        .await
        .map_err(|e| web.fail(e))?;
    Ok(done(LIST, "schedule-deleted"))
}
