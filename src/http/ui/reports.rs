//! Configure > Reports (admins): define scheduled reports, Run now, and see their runs.

use super::contacts::{ContactFormData, companies_label};
use super::report_form::ReportForm;
use super::{
    AdminWeb, Form, FormErrors, PageResult, Web, confirm, confirmation, done, refused, render,
};
use crate::app;
use crate::auth::Admin;
use crate::domain::ReportId;
use crate::domain::report::Schedule;
use crate::error::AppError;
use crate::http::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use std::sync::Arc;

const LIST: &str = "/configure/reports";

pub struct ReportRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub companies: String,
    pub schedule: String,
    pub next: String,
    pub enabled: bool,
}

pub struct RunRow {
    pub state: String,
    pub scheduled: String,
    pub period: String,
    pub deliveries: String,
}

#[derive(Template)]
#[template(path = "pages/reports.html")]
struct ReportsPage<'a> {
    web: &'a Web,
    status: Option<String>,
    reports: Vec<ReportRow>,
    form: ReportForm,
    access: ContactFormData,
    errors: FormErrors,
    people: Vec<(String, String)>,
    action: String,
    editing: Option<String>,
    runs: Vec<RunRow>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

fn schedule_label(web: &Web, s: &Schedule) -> String {
    let j = s.to_json();
    let zone = j.timezone.clone().unwrap_or_default();
    match (j.cron, j.every.as_deref()) {
        (Some(cron), _) => format!("cron {cron} ({zone})"),
        (None, Some("week")) => web.tr.ta(
            "schedule-weekly",
            &[
                (
                    "weekday",
                    &web.t(&format!("weekday-{}", j.weekday.unwrap_or_default())),
                ),
                ("at", &j.at.unwrap_or_default()),
                ("zone", &zone),
            ],
        ),
        (None, Some("month")) => web.tr.ta(
            "schedule-monthly",
            &[
                ("day", &j.day.unwrap_or_default().to_string()),
                ("at", &j.at.unwrap_or_default()),
                ("zone", &zone),
            ],
        ),
        _ => web.tr.ta(
            "schedule-daily",
            &[("at", &j.at.unwrap_or_default()), ("zone", &zone)],
        ),
    }
}

/// The Reports page: the list, the form (a new report's, or the edited one's with its runs).
async fn page(
    state: &AppState,
    web: &Web,
    admin: &Admin,
    status: Option<String>,
    form: ReportForm,
    errors: FormErrors,
    editing: Option<&ReportId>,
) -> PageResult {
    let fail = |e| web.fail(e);
    let reports = app::reports::list(state, admin).await.map_err(fail)?;
    let people = app::reports::recipients(state, admin)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|c| (c.id.to_string(), c.name))
        .collect();
    let runs = match editing {
        Some(id) => app::reports::runs(state, admin, id).await.map_err(fail)?,
        None => Vec::new(),
    };
    let runs = runs
        .iter()
        .map(|r| {
            let sent = r.deliveries.iter().filter(|d| d.3 == "sent").count();
            RunRow {
                state: web.t(&format!("run-{}", r.run.state)),
                scheduled: web.when(r.run.scheduled_for),
                period: format!(
                    "{} – {}",
                    web.when(r.run.period_start),
                    web.when(r.run.period_end)
                ),
                deliveries: web.tr.ta(
                    "run-deliveries",
                    &[
                        ("sent", &sent.to_string()),
                        ("total", &r.deliveries.len().to_string()),
                    ],
                ),
            }
        })
        .collect();
    let access = form.access_form();
    Ok(render(&ReportsPage {
        reports: reports
            .iter()
            .map(|r| ReportRow {
                id: r.id.to_string(),
                name: r.name.clone(),
                kind: web.t(&format!("kind-{}", r.kind.as_str())),
                companies: companies_label(web, &r.companies),
                schedule: schedule_label(web, &r.schedule),
                next: r.next_run_at.map(|t| web.when(t)).unwrap_or_default(),
                enabled: r.enabled,
            })
            .collect(),
        action: editing.map_or_else(|| LIST.to_owned(), |id| format!("{LIST}/{id}")),
        editing: editing.map(ToString::to_string),
        web,
        status,
        form,
        access,
        errors,
        people,
        runs,
    }))
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let status = confirmation(&web, q.done.as_deref());
    let form = ReportForm::fresh(&web);
    page(
        &state,
        &web,
        &admin,
        status,
        form,
        FormErrors::default(),
        None,
    )
    .await
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Form(form): Form<ReportForm>,
) -> PageResult {
    let result = match form.input().parse() {
        Ok(new) => app::reports::create(&state, &admin, &new).await,
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(_) => Ok(done(LIST, "report-saved")),
        Err(AppError::Validation(fields)) => {
            let errors = FormErrors::new(&web.tr, &fields);
            page(&state, &web, &admin, None, form, errors, None)
                .await
                .map(refused)
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn edit_form(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    let id = ReportId::from_string(id);
    let report = app::reports::get(&state, &admin, &id)
        .await
        .map_err(|e| web.fail(e))?;
    let status = confirmation(&web, q.done.as_deref());
    let form = ReportForm::of(&report);
    page(
        &state,
        &web,
        &admin,
        status,
        form,
        FormErrors::default(),
        Some(&id),
    )
    .await
}

pub async fn edit(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Form(form): Form<ReportForm>,
) -> PageResult {
    let id = ReportId::from_string(id);
    app::reports::get(&state, &admin, &id)
        .await
        .map_err(|e| web.fail(e))?;
    let result = match form.input().parse() {
        Ok(new) => app::reports::update(&state, &admin, &id, &new).await,
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(_) => Ok(done(&format!("{LIST}/{id}"), "report-saved")),
        Err(AppError::Validation(fields)) => {
            let errors = FormErrors::new(&web.tr, &fields);
            page(&state, &web, &admin, None, form, errors, Some(&id))
                .await
                .map(refused)
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn run(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    let id = ReportId::from_string(id);
    app::reports::run_now(&state, &admin, &id)
        .await
        .map_err(|e| web.fail(e))?;
    Ok(done(&format!("{LIST}/{id}"), "report-ran"))
}

pub async fn delete_form(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
) -> PageResult {
    let id = ReportId::from_string(id);
    let report = app::reports::get(&state, &admin, &id)
        .await
        .map_err(|e| web.fail(e))?;
    let question = web
        .tr
        .ta("confirm-delete-report", &[("name", &report.name)]);
    Ok(confirm(&web, question, format!("{LIST}/{id}/delete"), LIST))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Path(id): Path<String>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    let id = ReportId::from_string(id);
    app::reports::delete(&state, &admin, &id)
        .await
        .map_err(|e| web.fail(e))?;
    Ok(done(LIST, "report-deleted"))
}
