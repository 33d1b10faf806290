//! Configure > Schedules (every user; SPEC §2): each on-call schedule with who is on call now
//! and next, the coming two weeks of shifts, its overrides and its calendar feed, times in the
//! reader's zone. Admins also add schedules and add or remove overrides here; a schedule's own
//! page (`schedule_edit`) changes or deletes it.

use super::schedule_form::{OverrideForm, ScheduleForm, members_error};
use super::{Form, FormErrors, PageResult, Web, confirmation, done, refused, render};
use crate::app;
use crate::domain::{OverrideId, ScheduleId};
use crate::error::AppError;
use crate::http::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Duration, Utc};
use serde::Deserialize;
use std::sync::Arc;

pub(super) const LIST: &str = "/configure/schedules";

/// One span as the page shows it.
pub struct ShiftRow {
    pub who: String,
    pub from: String,
    pub until: String,
    pub by_override: bool,
}

/// An override that has not ended.
pub struct OverrideRow {
    pub id: String,
    pub who: String,
    pub starts: String,
    pub ends: String,
}

pub struct ScheduleView {
    pub id: String,
    pub name: String,
    pub timezone: String,
    pub now: Option<ShiftRow>,
    pub next: Option<ShiftRow>,
    pub shifts: Vec<ShiftRow>,
    pub overrides: Vec<OverrideRow>,
    pub feed: String,
}

/// The override form of one schedule, as posted, when it was refused.
pub struct OverrideAttempt {
    pub schedule: String,
    pub form: OverrideForm,
    pub errors: FormErrors,
}

#[derive(Template)]
#[template(path = "pages/schedules.html")]
struct SchedulesPage<'a> {
    web: &'a Web,
    status: Option<String>,
    schedules: Vec<ScheduleView>,
    /// Everyone who may be on call (admins only: the forms' choices).
    people: Vec<(String, String)>,
    form: ScheduleForm,
    errors: FormErrors,
    members_error: Option<String>,
    attempt: Option<OverrideAttempt>,
}

impl SchedulesPage<'_> {
    fn override_value(&self, schedule: &str, field: &str) -> String {
        let Some(a) = self.attempt.as_ref().filter(|a| a.schedule == schedule) else {
            return String::new();
        };
        match field {
            "contact_id" => a.form.contact_id.clone(),
            "starts_at" => a.form.starts_at.clone(),
            _ => a.form.ends_at.clone(),
        }
    }

    fn override_error(&self, schedule: &str, field: &str) -> Option<String> {
        self.attempt
            .as_ref()
            .filter(|a| a.schedule == schedule)
            .and_then(|a| a.errors.get(field).cloned())
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// Everyone in the account, for choosing members and overrides (admins only).
pub(super) async fn people(state: &AppState, web: &Web) -> Result<Vec<(String, String)>, Response> {
    let Ok(admin) = web.caller.admin() else {
        return Ok(Vec::new());
    };
    Ok(app::reports::recipients(state, &admin)
        .await
        .map_err(|e| web.fail(e))?
        .into_iter()
        .map(|c| (c.id.to_string(), c.name))
        .collect())
}

async fn views(state: &AppState, web: &Web) -> Result<Vec<ScheduleView>, Response> {
    let fail = |e| web.fail(e);
    let now = Utc::now();
    let all = app::schedules::list(state, &web.caller)
        .await
        .map_err(fail)?;
    let mut views = Vec::with_capacity(all.len());
    for s in &all {
        let spans =
            app::schedules::shifts(state, &web.caller, &s.id, now, now + Duration::days(14))
                .await
                .map_err(fail)?;
        let overrides = app::schedules::overrides(state, &web.caller, &s.id)
            .await
            .map_err(fail)?;
        let ids: Vec<_> = spans
            .iter()
            .map(|x| x.contact.clone())
            .chain(overrides.iter().map(|o| o.over.contact.clone()))
            .collect();
        let names = app::schedules::names(state, &web.caller, &ids)
            .await
            .map_err(fail)?;
        let name = |id: &str| {
            names
                .get(id)
                .cloned()
                .unwrap_or_else(|| web.t("schedule-nobody"))
        };
        let row = |x: &crate::domain::oncall::Span| ShiftRow {
            who: name(x.contact.as_str()),
            from: web.when(x.from),
            until: web.when(x.until),
            by_override: x.by_override,
        };
        let current = spans.iter().position(|x| x.from <= now && now < x.until);
        views.push(ScheduleView {
            id: s.id.to_string(),
            name: s.name.clone(),
            timezone: s.rotation.timezone.as_str().to_owned(),
            now: current.map(|i| row(&spans[i])),
            next: spans.get(current.map_or(0, |i| i + 1)).map(row),
            shifts: spans.iter().map(row).collect(),
            overrides: overrides
                .iter()
                .map(|o| OverrideRow {
                    id: o.id.to_string(),
                    who: name(o.over.contact.as_str()),
                    starts: web.when(o.over.starts_at),
                    ends: web.when(o.over.ends_at),
                })
                .collect(),
            feed: app::schedules::ical_url(state, s),
        });
    }
    Ok(views)
}

async fn page(
    state: &AppState,
    web: &Web,
    status: Option<String>,
    form: ScheduleForm,
    errors: (FormErrors, Option<String>),
    attempt: Option<OverrideAttempt>,
) -> PageResult {
    Ok(render(&SchedulesPage {
        web,
        status,
        schedules: views(state, web).await?,
        people: people(state, web).await?,
        form,
        errors: errors.0,
        members_error: errors.1,
        attempt,
    }))
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    web: Web,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let status = confirmation(&web, q.done.as_deref());
    let form = ScheduleForm::fresh(&web);
    page(&state, &web, status, form, Default::default(), None).await
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    super::AdminWeb(web, admin): super::AdminWeb,
    Form(form): Form<ScheduleForm>,
) -> PageResult {
    let result = match form.input().parse() {
        Ok(new) => app::schedules::create(&state, &admin, &new).await,
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(_) => Ok(done(LIST, "schedule-saved")),
        Err(AppError::Validation(fields) | AppError::Conflict(fields)) => {
            let errors = FormErrors::new(&web.tr, &fields);
            let members = members_error(&fields, &errors);
            page(&state, &web, None, form, (errors, members), None)
                .await
                .map(refused)
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn add_override(
    State(state): State<Arc<AppState>>,
    super::AdminWeb(web, admin): super::AdminWeb,
    Path(id): Path<String>,
    Form(form): Form<OverrideForm>,
) -> PageResult {
    let schedule = ScheduleId::from_string(id);
    let result = match form.parse(&web) {
        Ok(over) => app::schedules::add_override(&state, &admin, &schedule, &over).await,
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(_) => Ok(done(LIST, "override-added")),
        Err(AppError::Validation(fields)) => {
            let attempt = OverrideAttempt {
                schedule: schedule.to_string(),
                errors: FormErrors::new(&web.tr, &fields),
                form,
            };
            let fresh = ScheduleForm::fresh(&web);
            page(&state, &web, None, fresh, Default::default(), Some(attempt))
                .await
                .map(refused)
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn delete_override(
    State(state): State<Arc<AppState>>,
    super::AdminWeb(web, admin): super::AdminWeb,
    Path((id, over)): Path<(String, String)>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    let schedule = ScheduleId::from_string(id);
    app::schedules::delete_override(&state, &admin, &schedule, &OverrideId::from_string(over))
        .await
        .map_err(|e| web.fail(e))?;
    Ok(done(LIST, "override-deleted"))
}

pub async fn new_feed(
    State(state): State<Arc<AppState>>,
    super::AdminWeb(web, admin): super::AdminWeb,
    Path(id): Path<String>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    app::schedules::new_feed(&state, &admin, &ScheduleId::from_string(id))
        .await
        .map_err(|e| web.fail(e))?;
    Ok(done(LIST, "schedule-feed-changed"))
}
