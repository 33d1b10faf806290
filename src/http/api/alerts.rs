//! Alerts in (`POST /api/v1/alerts`: one alert or a batch, stored with every notification it
//! implies before the 202), the alerts list, and the delivery log (`/api/v1/notifications`).

use super::json::{
    AlertJson, AlertList, JsonBytes, NotificationJson, NotificationList, from_value, parse_json,
};
use super::{ApiQuery, Problems, page_request};
use crate::app::{self, alerts::Acknowledger};
use crate::auth::Caller;
use crate::domain::{
    AlertId, AlertInput, AlertStatus, CompanyId, ContactId, Errors, FieldError, Invalid,
    parse_batch,
};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::{AlertQuery, NotificationQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// Request bodies of `POST /api/v1/alerts` may be this large.
pub const ALERTS_BODY_LIMIT: usize = 1024 * 1024;
/// Alerts in one batch.
const MAX_BATCH: usize = 1000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertBody {
    company_id: String,
    /// Deduplication key, e.g. `disk-full:srv-12`: the same key while firing is a repeat.
    key: String,
    /// `info`, `warning` or `critical`.
    severity: String,
    title: String,
    body: Option<String>,
    labels: Option<BTreeMap<String, String>>,
    /// `firing` (default) or `resolved`.
    status: Option<String>,
}

impl AlertBody {
    fn input(self) -> AlertInput {
        AlertInput {
            company_id: Some(self.company_id),
            key: Some(self.key),
            severity: Some(self.severity),
            title: Some(self.title),
            body: self.body,
            labels: self.labels.unwrap_or_default(),
            status: self.status,
        }
    }
}

/// One alert or an array of up to 1,000.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum AlertsBody {
    One(AlertBody),
    Many(Vec<AlertBody>),
}

/// The stored alerts: an object for an object posted, an array for an array.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Stored {
    One(Box<AlertJson>),
    Many(Vec<AlertJson>),
}

#[utoipa::path(post, path = "/api/v1/alerts", operation_id = "createAlerts", tag = "alerts",
    summary = "Post one alert or an array of up to 1,000; 202 once they and every notification they imply are stored",
    request_body = AlertsBody,
    responses(
        (status = 202, description = "The stored alerts: an object for an object posted, an \
            array for an array", body = Stored),
        Problems
    ))]
pub async fn ingest(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    JsonBytes(bytes): JsonBytes,
) -> Result<(StatusCode, Json<Stored>), AppError> {
    let (one, bodies) = posted(&bytes)?;
    let alerts = if one {
        let mut inputs = bodies.into_iter().map(AlertBody::input);
        vec![inputs.next().unwrap_or_default().parse("")?]
    } else {
        let inputs: Vec<AlertInput> = bodies.into_iter().map(AlertBody::input).collect();
        parse_batch(inputs)?
    };
    let stored = app::alerts::ingest(&state, &caller, alerts)
        .await
        .map_err(|e| if one { unindexed(e) } else { e })?;
    let mut json: Vec<AlertJson> = stored.iter().map(|a| AlertJson::from(&**a)).collect();
    let answer = match (one, json.pop()) {
        (true, Some(alert)) => Stored::One(Box::new(alert)),
        (_, last) => {
            json.extend(last);
            Stored::Many(json)
        }
    };
    Ok((StatusCode::ACCEPTED, Json(answer)))
}

/// The posted alerts (one when an object was posted), read straight into their shape. When
/// that fails the body is read again the long way, as a JSON value first, so that a body's
/// errors are the ones it always had: syntax before shape, the batch's size before its items.
fn posted(bytes: &[u8]) -> Result<(bool, Vec<AlertBody>), AppError> {
    let array = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let direct = if array {
        serde_json::from_slice::<Vec<AlertBody>>(bytes)
            .ok()
            .filter(|bodies| bodies.len() <= MAX_BATCH)
    } else {
        serde_json::from_slice::<AlertBody>(bytes)
            .ok()
            .map(|body| vec![body])
    };
    if let Some(bodies) = direct {
        return Ok((!array, bodies));
    }
    let value: Value = parse_json(bytes)?;
    match value.as_array() {
        Some(items) if items.len() > MAX_BATCH => Err(AppError::Validation(vec![FieldError::new(
            "",
            Invalid::TooLong { max: MAX_BATCH },
        )])),
        Some(_) => Ok((false, from_value(value)?)),
        None => Ok((true, vec![from_value::<AlertBody>(value)?])),
    }
}

/// A single posted alert is not a batch: its field errors name the field alone
/// (`company_id`, not `[0].company_id`), as its parse errors do.
fn unindexed(error: AppError) -> AppError {
    match error {
        AppError::Validation(fields) => AppError::Validation(
            fields
                .into_iter()
                .map(|mut f| {
                    if let Some(rest) = f.field.strip_prefix("[0].") {
                        f.field = rest.to_owned();
                    }
                    f
                })
                .collect(),
        ),
        other => other,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlertParams {
    company: Option<String>,
    /// `firing` or `resolved`.
    status: Option<String>,
    #[param(value_type = Option<i64>)]
    limit: Option<String>,
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/alerts", operation_id = "listAlerts", tag = "alerts",
    summary = "Alerts of the companies the caller can access, newest first", params(AlertParams),
    responses(
        (status = 200, description = "A page of alerts, newest first", body = AlertList),
        Problems
    ))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiQuery(params): ApiQuery<AlertParams>,
) -> Result<Json<AlertList>, AppError> {
    let mut errors = Errors::default();
    let status = match params.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => errors.check("status", AlertStatus::parse(s)),
    };
    let page = page_request(
        params.limit.as_deref(),
        params.cursor.as_deref(),
        &mut errors,
    );
    let query = errors.finish(|| {
        Some(AlertQuery {
            company: params
                .company
                .clone()
                .filter(|c| !c.is_empty())
                .map(CompanyId::from_string),
            status,
            page,
        })
    })?;
    let page = app::alerts::list(&state, &caller, &query).await?;
    Ok(Json(AlertList {
        items: page.items.iter().map(AlertJson::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(get, path = "/api/v1/alerts/{id}", operation_id = "getAlert", tag = "alerts",
    summary = "Read an alert", params(("id" = String, Path)),
    responses((status = 200, description = "The alert", body = AlertJson), Problems))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AlertJson>, AppError> {
    let alert = app::alerts::get(&state, &caller, &AlertId::from_string(id)).await?;
    Ok(Json(AlertJson::from(&alert)))
}

#[utoipa::path(post, path = "/api/v1/alerts/{id}/ack", operation_id = "acknowledgeAlert",
    tag = "alerts",
    summary = "Acknowledge a firing alert (admins; technicians for companies they access): pending escalations stop",
    params(("id" = String, Path)),
    responses((status = 200, description = "The alert, acknowledged", body = AlertJson), Problems))]
pub async fn acknowledge(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<AlertJson>, AppError> {
    let id = AlertId::from_string(id);
    let acked = app::alerts::acknowledge(&state, Acknowledger::Caller(&caller), &id).await?;
    Ok(Json(AlertJson::from(&acked.alert)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationParams {
    alert: Option<String>,
    contact: Option<String>,
    /// `queued`, `sending`, `sent`, `failed`, `dead` or `suppressed`.
    state: Option<String>,
    #[param(value_type = Option<i64>)]
    limit: Option<String>,
    cursor: Option<String>,
}

const STATES: &str = "queued, sending, sent, failed, dead, suppressed";

#[utoipa::path(get, path = "/api/v1/notifications", operation_id = "listNotifications",
    tag = "notifications",
    summary = "The delivery log: notifications of alerts of the companies the caller can access, newest first",
    params(NotificationParams),
    responses(
        (status = 200, description = "A page of the delivery log, newest first",
            body = NotificationList),
        Problems
    ))]
pub async fn notifications(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiQuery(params): ApiQuery<NotificationParams>,
) -> Result<Json<NotificationList>, AppError> {
    let mut errors = Errors::default();
    let wanted = params.state.clone().filter(|s| !s.is_empty());
    if let Some(s) = &wanted {
        if !STATES.split(", ").any(|known| known == s) {
            errors.push("state", Invalid::OneOf { allowed: STATES });
        }
    }
    let page = page_request(
        params.limit.as_deref(),
        params.cursor.as_deref(),
        &mut errors,
    );
    let query = errors.finish(|| {
        Some(NotificationQuery {
            alert: params
                .alert
                .clone()
                .filter(|a| !a.is_empty())
                .map(AlertId::from_string),
            contact: params
                .contact
                .clone()
                .filter(|c| !c.is_empty())
                .map(ContactId::from_string),
            state: wanted.clone(),
            page,
        })
    })?;
    let page = app::alerts::notifications(&state, &caller, &query).await?;
    Ok(Json(NotificationList {
        items: page.items.iter().map(NotificationJson::from).collect(),
        next_cursor: page.next_cursor,
    }))
}
