//! Configure > Reports (admins): define scheduled reports, Run now, and see their runs.

use super::contacts::{ContactFormData, companies_label};
use super::{Form, FormErrors, PageResult, Web, confirm, confirmation, done, refused, render};
use crate::domain::report::{ReportInput, Schedule, ScheduleInput};
use crate::domain::{CompaniesInput, CompanyAccess};
use crate::error::AppError;
use crate::http::api::reports::ReportJson;
use crate::http::{AppState, audit};
use crate::store::{ContactQuery, PageRequest, Report, Store};
use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use std::sync::Arc;

const LIST: &str = "/configure/reports";

#[derive(Debug, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub access: String,
    #[serde(default)]
    pub companies: Vec<String>,
    /// `calendar` or `cron`.
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub every: String,
    #[serde(default)]
    pub weekday: String,
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub at: String,
    #[serde(default)]
    pub cron: String,
    #[serde(default)]
    pub timezone: String,
    #[serde(default)]
    pub recipients: Vec<String>,
    #[serde(default)]
    pub enabled: Option<String>,
}

impl ReportForm {
    fn input(&self) -> ReportInput {
        let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        let schedule = if self.mode == "cron" {
            ScheduleInput {
                cron: Some(self.cron.clone()),
                timezone: text(&self.timezone),
                ..ScheduleInput::default()
            }
        } else {
            ScheduleInput {
                every: text(&self.every),
                weekday: (self.every == "week").then(|| self.weekday.clone()),
                day: (self.every == "month").then(|| self.day.trim().parse().unwrap_or(0)),
                at: text(&self.at),
                timezone: text(&self.timezone),
                ..ScheduleInput::default()
            }
        };
        ReportInput {
            name: Some(self.name.clone()),
            kind: Some(self.kind.clone()),
            companies: Some(if self.access == "chosen" {
                CompaniesInput::Chosen(self.companies.clone())
            } else {
                CompaniesInput::All
            }),
            schedule: Some(schedule),
            recipients: Some(self.recipients.clone()),
            enabled: Some(self.enabled.is_some()),
        }
    }

    fn of(report: &Report) -> Self {
        let s = report.schedule.to_json();
        Self {
            name: report.name.clone(),
            kind: report.kind.as_str().to_owned(),
            access: match report.companies {
                CompanyAccess::All => "all".to_owned(),
                CompanyAccess::Only(_) => "chosen".to_owned(),
            },
            companies: report.companies.chosen().map(ToString::to_string).collect(),
            mode: if s.cron.is_some() { "cron" } else { "calendar" }.to_owned(),
            every: s.every.unwrap_or_default(),
            weekday: s.weekday.unwrap_or_default(),
            day: s.day.map(|d| d.to_string()).unwrap_or_default(),
            at: s.at.unwrap_or_default(),
            cron: s.cron.unwrap_or_default(),
            timezone: s.timezone.unwrap_or_default(),
            recipients: report.recipients.iter().map(ToString::to_string).collect(),
            enabled: report.enabled.then(|| "on".to_owned()),
        }
    }

    fn fresh(web: &Web) -> Self {
        Self {
            kind: "alert_summary".into(),
            access: "all".into(),
            mode: "calendar".into(),
            every: "week".into(),
            weekday: "mon".into(),
            day: "1".into(),
            at: "08:00".into(),
            timezone: web.timezone.as_str().to_owned(),
            enabled: Some("on".into()),
            ..Self::default()
        }
    }

    pub fn access_form(&self) -> ContactFormData {
        ContactFormData {
            name: self.name.clone(),
            access: self.access.clone(),
            companies: self.companies.clone(),
        }
    }

    pub fn has_recipient(&self, id: &str) -> bool {
        self.recipients.iter().any(|r| r == id)
    }
}

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

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    web: &Web,
    status: Option<String>,
    form: ReportForm,
    errors: FormErrors,
    editing: Option<&str>,
) -> PageResult {
    let reports = state
        .store
        .list_reports(&web.caller.account)
        .await
        .map_err(|e| web.fail(e.into()))?;
    let people = state
        .store
        .list_contacts(
            &web.caller.account,
            &CompanyAccess::All,
            &ContactQuery {
                page: PageRequest::new(Some(500), None).unwrap_or_default(),
                ..ContactQuery::default()
            },
        )
        .await
        .map_err(|e| web.fail(e.into()))?
        .items
        .into_iter()
        .map(|c| (c.id.to_string(), c.name))
        .collect();
    let mut runs = Vec::new();
    if let Some(id) = editing {
        for run in state
            .store
            .report_runs(&web.caller.account, id)
            .await
            .map_err(|e| web.fail(e.into()))?
        {
            let deliveries = state
                .store
                .run_deliveries(&run.id)
                .await
                .map_err(|e| web.fail(e.into()))?;
            let sent = deliveries.iter().filter(|d| d.3 == "sent").count();
            runs.push(RunRow {
                state: web.t(&format!("run-{}", run.state)),
                scheduled: web.when(run.scheduled_for),
                period: format!(
                    "{} – {}",
                    web.when(run.period_start),
                    web.when(run.period_end)
                ),
                deliveries: web.tr.ta(
                    "run-deliveries",
                    &[
                        ("sent", &sent.to_string()),
                        ("total", &deliveries.len().to_string()),
                    ],
                ),
            });
        }
    }
    let access = form.access_form();
    Ok(render(&ReportsPage {
        reports: reports
            .iter()
            .map(|r| ReportRow {
                id: r.id.clone(),
                name: r.name.clone(),
                kind: web.t(&format!("kind-{}", r.kind.as_str())),
                companies: companies_label(web, &r.companies),
                schedule: schedule_label(web, &r.schedule),
                next: r.next_run_at.map(|t| web.when(t)).unwrap_or_default(),
                enabled: r.enabled,
            })
            .collect(),
        action: editing.map_or_else(|| LIST.to_owned(), |id| format!("{LIST}/{id}")),
        editing: editing.map(str::to_owned),
        web,
        status,
        form,
        access,
        errors,
        people,
        runs,
    }))
}

/// One of the account's reports, or the error page.
async fn report(state: &AppState, web: &Web, id: &str) -> Result<Report, axum::response::Response> {
    state
        .store
        .report(&web.caller.account, id)
        .await
        .map_err(|e| web.fail(e.into()))
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    web: Web,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    web.caller.admin().map_err(|e| web.fail(e))?;
    let status = confirmation(&web, q.done.as_deref());
    let form = ReportForm::fresh(&web);
    page(&state, &web, status, form, FormErrors::default(), None).await
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    web: Web,
    Form(form): Form<ReportForm>,
) -> PageResult {
    web.caller.admin().map_err(|e| web.fail(e))?;
    let result = match form.input().parse() {
        Ok(new) => state
            .store
            .create_report(&web.caller.account, &new, chrono::Utc::now())
            .await
            .map_err(AppError::from),
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(report) => {
            audit(
                &state,
                &web.caller,
                "report",
                None,
                Some(&ReportJson::from(&report)),
            )
            .await;
            Ok(done(LIST, "report-saved"))
        }
        Err(AppError::Validation(fields)) => {
            let errors = FormErrors::new(&web.tr, &fields);
            page(&state, &web, None, form, errors, None)
                .await
                .map(refused)
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn edit_form(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    web.caller.admin().map_err(|e| web.fail(e))?;
    let report = report(&state, &web, &id).await?;
    let status = confirmation(&web, q.done.as_deref());
    page(
        &state,
        &web,
        status,
        ReportForm::of(&report),
        FormErrors::default(),
        Some(&id),
    )
    .await
}

pub async fn edit(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path(id): Path<String>,
    Form(form): Form<ReportForm>,
) -> PageResult {
    web.caller.admin().map_err(|e| web.fail(e))?;
    let current = report(&state, &web, &id).await?;
    let result = match form.input().parse() {
        Ok(new) => state
            .store
            .update_report(&web.caller.account, &id, &new, chrono::Utc::now())
            .await
            .map_err(AppError::from),
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(after) => {
            let (before, after) = (ReportJson::from(&current), ReportJson::from(&after));
            audit(&state, &web.caller, "report", Some(&before), Some(&after)).await;
            Ok(done(&format!("{LIST}/{id}"), "report-saved"))
        }
        Err(AppError::Validation(fields)) => {
            let errors = FormErrors::new(&web.tr, &fields);
            page(&state, &web, None, form, errors, Some(&id))
                .await
                .map(refused)
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn run(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path(id): Path<String>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    web.caller.admin().map_err(|e| web.fail(e))?;
    let report = report(&state, &web, &id).await?;
    crate::reports::run_now(
        &state.store,
        &state.links,
        &web.caller.account,
        &report,
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| web.fail(e.into()))?;
    state.work_queued().await;
    Ok(done(&format!("{LIST}/{id}"), "report-ran"))
}

pub async fn delete_form(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path(id): Path<String>,
) -> PageResult {
    web.caller.admin().map_err(|e| web.fail(e))?;
    let report = report(&state, &web, &id).await?;
    let question = web
        .tr
        .ta("confirm-delete-report", &[("name", &report.name)]);
    Ok(confirm(&web, question, format!("{LIST}/{id}/delete"), LIST))
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path(id): Path<String>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    web.caller.admin().map_err(|e| web.fail(e))?;
    let report = report(&state, &web, &id).await?;
    state
        .store
        .delete_report(&web.caller.account, &id)
        .await
        .map_err(|e| web.fail(e.into()))?;
    audit(
        &state,
        &web.caller,
        "report",
        Some(&ReportJson::from(&report)),
        None,
    )
    .await;
    Ok(done(LIST, "report-deleted"))
}
