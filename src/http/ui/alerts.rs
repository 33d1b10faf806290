//! Alerts (list with filters; one alert with its delivery timeline and Acknowledge) and the
//! Delivery log (every notification, its attempts and the provider's answers). Everyone sees
//! the alerts of the companies they have access to, narrowed to the company chosen in the
//! top bar.

use super::{Form, PageResult, Web, confirmation, done, render};
use crate::app::{self, alerts::Acknowledger, alerts::Delivery};
use crate::domain::{AlertId, AlertStatus, CompanyId, ContactId};
use crate::error::AppError;
use crate::http::AppState;
use crate::links;
use crate::store::{Alert, AlertQuery, Cursor, Notification, NotificationQuery, PageRequest};
use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

/// One alert in a list.
pub struct AlertRow {
    pub id: String,
    pub severity: &'static str,
    pub severity_label: String,
    pub title: String,
    pub company: String,
    pub key: String,
    pub opened: String,
    pub firing: bool,
    pub acknowledged: Option<String>,
}

/// One notification in a timeline or the log.
pub struct NotificationRow {
    pub id: String,
    pub alert_id: Option<String>,
    pub alert_title: String,
    pub contact: String,
    pub kind: String,
    pub address: String,
    pub event: String,
    pub state: String,
    pub state_label: String,
    pub reason: Option<String>,
    pub attempts: i64,
    /// When it goes out (queued, held, failed) or went out (sent).
    pub when: String,
    pub log: Vec<AttemptRow>,
}

pub struct AttemptRow {
    pub number: i64,
    pub at: String,
    pub outcome: String,
    pub detail: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/alerts.html")]
struct AlertsPage<'a> {
    web: &'a Web,
    status: String,
    alerts: Vec<AlertRow>,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/alert.html")]
struct AlertPage<'a> {
    web: &'a Web,
    notice: Option<String>,
    alert: AlertRow,
    body: Option<String>,
    labels: Vec<(String, String)>,
    resolved: Option<String>,
    may_acknowledge: bool,
    timeline: Vec<NotificationRow>,
}

#[derive(Template)]
#[template(path = "pages/delivery.html")]
struct DeliveryPage<'a> {
    web: &'a Web,
    state: String,
    states: [&'static str; 6],
    rows: Vec<NotificationRow>,
    next: Option<String>,
}

fn page_request(cursor: Option<&str>) -> Result<PageRequest, AppError> {
    let cursor = cursor
        .filter(|c| !c.is_empty())
        .map(Cursor::parse)
        .transpose()
        .map_err(|_| AppError::NotFound)?;
    PageRequest::new(Some(50), cursor).map_err(|_| AppError::NotFound)
}

/// The caller's scope narrowed to the company of the top bar.
fn current_company(web: &Web) -> Option<CompanyId> {
    web.current_company.as_deref().map(CompanyId::from_string)
}

/// The names of these contacts; deleted ones read "contact deleted".
async fn names(
    state: &AppState,
    web: &Web,
    ids: Vec<&ContactId>,
) -> Result<HashMap<String, String>, AppError> {
    let mut names = app::alerts::contact_names(state, &web.caller, &ids).await?;
    for id in ids {
        names
            .entry(id.to_string())
            .or_insert_with(|| web.t("contact-deleted"));
    }
    Ok(names)
}

fn alert_row(web: &Web, a: &Alert, names: &HashMap<String, String>) -> AlertRow {
    AlertRow {
        id: a.id.to_string(),
        severity: a.severity.as_str(),
        severity_label: web.t(&format!("severity-{}", a.severity.as_str())),
        title: a.title.clone(),
        company: web.company_name(a.company_id.as_str()),
        key: a.key.clone(),
        opened: web.when(a.opened_at),
        firing: a.status == AlertStatus::Firing,
        acknowledged: a.acknowledged_at.map(|at| {
            let who = a
                .acknowledged_by
                .as_ref()
                .and_then(|id| names.get(id.as_str()))
                .cloned()
                .unwrap_or_else(|| web.t("someone"));
            web.tr.ta(
                "acknowledged-by",
                &[("name", &who), ("when", &web.when(at))],
            )
        }),
    }
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    web: Web,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let status = query.status.clone().unwrap_or_else(|| "firing".to_owned());
    let page = page_request(query.cursor.as_deref()).map_err(|e| web.fail(e))?;
    let query = AlertQuery {
        company: current_company(&web),
        status: AlertStatus::parse(&status).ok(),
        page,
    };
    let found = app::alerts::list(&state, &web.caller, &query)
        .await
        .map_err(|e| web.fail(e))?;
    let acknowledgers = found
        .items
        .iter()
        .filter_map(|a| a.acknowledged_by.as_ref())
        .collect();
    let names = names(&state, &web, acknowledgers)
        .await
        .map_err(|e| web.fail(e))?;
    Ok(render(&AlertsPage {
        web: &web,
        alerts: found
            .items
            .iter()
            .map(|a| alert_row(&web, a, &names))
            .collect(),
        next: found
            .next_cursor
            .map(|c| format!("/alerts?status={status}&cursor={c}")),
        status,
    }))
}

/// Why a notification was not sent, in the viewer's language; failures show the provider's
/// answer as it came.
fn reason_label(web: &Web, state: &str, reason: &str) -> String {
    const KNOWN: [&str; 8] = [
        "empty digest",
        "maintenance",
        "quiet hours",
        "unverified",
        "rate limited",
        "contact deleted",
        "acknowledged",
        "resolved",
    ];
    if state == "suppressed" && KNOWN.contains(&reason) {
        web.t(&format!("reason-{}", reason.replace(' ', "-")))
    } else {
        reason.to_owned()
    }
}

fn state_label(web: &Web, n: &Notification) -> String {
    web.t(&format!("state-{}", n.state))
}

async fn rows(
    state: &AppState,
    web: &Web,
    deliveries: Vec<Delivery>,
    titles: &HashMap<AlertId, String>,
) -> Result<Vec<NotificationRow>, AppError> {
    let names = names(
        state,
        web,
        deliveries
            .iter()
            .map(|d| &d.notification.contact_id)
            .collect(),
    )
    .await?;
    let mut out = Vec::with_capacity(deliveries.len());
    for Delivery {
        notification: n,
        attempts: log,
    } in deliveries
    {
        let when = match n.sent_at {
            Some(at) => web.when(at),
            None if matches!(n.state.as_str(), "queued" | "failed" | "sending") => {
                web.when(n.next_attempt_at)
            }
            None => String::new(),
        };
        out.push(NotificationRow {
            alert_title: n
                .alert_id
                .as_ref()
                .and_then(|id| titles.get(id))
                .cloned()
                .unwrap_or_default(),
            contact: names
                .get(n.contact_id.as_str())
                .cloned()
                .unwrap_or_default(),
            kind: web.t(&format!("type-{}", n.kind.as_str())),
            event: web.t(&format!("event-{}", n.event)),
            state_label: state_label(web, &n),
            state: n.state.as_str().to_owned(),
            reason: n
                .reason
                .as_deref()
                .map(|r| reason_label(web, n.state.as_str(), r)),
            attempts: n.attempts,
            when,
            log: log
                .into_iter()
                .map(|a| AttemptRow {
                    number: a.attempt,
                    at: web.when(a.finished_at),
                    outcome: web.t(&format!("outcome-{}", a.outcome.as_str())),
                    detail: a.detail.unwrap_or_default(),
                })
                .collect(),
            id: n.id.to_string(),
            alert_id: n.alert_id.as_ref().map(ToString::to_string),
            address: n.address,
        });
    }
    Ok(out)
}

pub async fn detail(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let id = AlertId::from_string(id);
    let (alert, deliveries) = app::alerts::timeline(&state, &web.caller, &id)
        .await
        .map_err(|e| web.fail(e))?;
    let titles = HashMap::from([(alert.id.clone(), alert.title.clone())]);
    let timeline = rows(&state, &web, deliveries, &titles)
        .await
        .map_err(|e| web.fail(e))?;
    let names = names(&state, &web, alert.acknowledged_by.iter().collect())
        .await
        .map_err(|e| web.fail(e))?;
    Ok(render(&AlertPage {
        notice: confirmation(&web, query.done.as_deref()),
        may_acknowledge: alert.status == AlertStatus::Firing && alert.acknowledged_at.is_none(),
        body: alert.body.clone(),
        labels: alert.labels.clone().into_iter().collect(),
        resolved: alert.resolved_at.map(|t| web.when(t)),
        alert: alert_row(&web, &alert, &names),
        timeline,
        web: &web,
    }))
}

pub async fn acknowledge(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path(id): Path<String>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    app::alerts::acknowledge(
        &state,
        Acknowledger::Caller(&web.caller),
        &AlertId::from_string(id.as_str()),
    )
    .await
    .map_err(|e| web.fail(e))?;
    Ok(done(
        &links::fill(links::paths::ALERT, &id),
        "alert-acknowledged",
    ))
}

const STATES: [&str; 6] = ["queued", "sending", "sent", "failed", "dead", "suppressed"];

pub async fn delivery(
    State(state): State<Arc<AppState>>,
    web: Web,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let wanted = query
        .state
        .clone()
        .filter(|s| STATES.contains(&s.as_str()))
        .unwrap_or_default();
    let page = page_request(query.cursor.as_deref()).map_err(|e| web.fail(e))?;
    let query = NotificationQuery {
        state: (!wanted.is_empty()).then(|| wanted.clone()),
        page,
        ..NotificationQuery::default()
    };
    let company = current_company(&web);
    let log = app::alerts::delivery_log(&state, &web.caller, company.as_ref(), &query)
        .await
        .map_err(|e| web.fail(e))?;
    let next = log.page.next_cursor.clone();
    let rows = rows(&state, &web, log.page.items, &log.titles)
        .await
        .map_err(|e| web.fail(e))?;
    Ok(render(&DeliveryPage {
        web: &web,
        next: next.map(|c| format!("/delivery?state={wanted}&cursor={c}")),
        state: wanted,
        states: STATES,
        rows,
    }))
}
