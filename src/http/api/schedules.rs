//! On-call schedules (SPEC §2, §3): admins write them and their overrides; every user of the
//! account reads them, who is on call (`/oncall?at=`) and the spans of a range (`/shifts`).

use super::json::ApiJson;
use super::{ApiQuery, Problems};
use crate::app;
use crate::auth::{Admin, Caller};
use crate::domain::oncall::{NewSchedule, Override, ScheduleInput, ShiftInput};
use crate::domain::{FieldError, Invalid, OverrideId, ScheduleId};
use crate::error::AppError;
use crate::http::AppState;
use crate::repr::{OnCallJson, OverrideJson, OverrideList, ScheduleJson, ScheduleList, ShiftList};
use crate::store::schedules::Schedule;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    /// 1–200 characters, unique in the account (case-blind).
    name: Option<String>,
    /// IANA time zone of the handoff time, e.g. `Europe/Madrid`.
    timezone: Option<String>,
    /// Contact (or user) ids in rotation order, 1–100.
    members: Option<Vec<String>>,
    shift: Option<ShiftInput>,
    /// `YYYY-MM-DD`: the first member's first shift starts this day at the handoff time.
    starts_on: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideBody {
    contact_id: Option<String>,
    /// RFC 3339; may be in the past.
    #[schema(format = DateTime)]
    starts_at: Option<String>,
    /// RFC 3339, after `starts_at` and after now.
    #[schema(format = DateTime)]
    ends_at: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AtParams {
    /// RFC 3339; default now.
    at: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RangeParams {
    /// RFC 3339; default now.
    from: Option<String>,
    /// RFC 3339, after `from`, at most 93 days after it; default 14 days after `from`.
    to: Option<String>,
}

fn instant(
    field: &str,
    value: Option<&str>,
    default: DateTime<Utc>,
) -> Result<DateTime<Utc>, AppError> {
    match value {
        None => Ok(default),
        Some(v) => DateTime::parse_from_rfc3339(v.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| AppError::Validation(vec![FieldError::new(field, Invalid::DateTime)])),
    }
}

fn required_instant(value: Option<&str>) -> Result<DateTime<Utc>, Invalid> {
    let value = value.ok_or(Invalid::Required)?;
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| Invalid::DateTime)
}

/// The body over the current schedule (PATCH), or alone (POST), parsed as a whole.
fn parse(body: ScheduleBody, current: Option<&Schedule>) -> Result<NewSchedule, Vec<FieldError>> {
    let shown = current.map(ScheduleJson::audited);
    let input = ScheduleInput {
        name: body.name.or_else(|| shown.as_ref().map(|s| s.name.clone())),
        timezone: body
            .timezone
            .or_else(|| shown.as_ref().map(|s| s.timezone.clone())),
        members: body
            .members
            .or_else(|| shown.as_ref().map(|s| s.members.clone())),
        shift: body
            .shift
            .or_else(|| shown.as_ref().map(|s| s.shift.clone())),
        starts_on: body
            .starts_on
            .or_else(|| shown.as_ref().map(|s| s.starts_on.clone())),
    };
    input.parse()
}

fn json(state: &AppState, s: &Schedule) -> ScheduleJson {
    ScheduleJson::new(s, app::schedules::ical_url(state, s))
}

#[utoipa::path(get, path = "/api/v1/schedules", operation_id = "listSchedules", tag = "schedules",
    summary = "The account's on-call schedules, by name",
    responses(
        (status = 200, description = "The account's on-call schedules, by name",
            body = ScheduleList),
        Problems
    ))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<ScheduleList>, AppError> {
    let all = app::schedules::list(&state, &caller).await?;
    Ok(Json(ScheduleList {
        items: all.iter().map(|s| json(&state, s)).collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(post, path = "/api/v1/schedules", operation_id = "createSchedule", tag = "schedules",
    summary = "Create an on-call schedule (admins)", request_body = ScheduleBody,
    responses((status = 201, description = "The new schedule", body = ScheduleJson), Problems))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    ApiJson(body): ApiJson<ScheduleBody>,
) -> Result<(StatusCode, Json<ScheduleJson>), AppError> {
    let new = parse(body, None)?;
    let made = app::schedules::create(&state, &admin, &new).await?;
    Ok((StatusCode::CREATED, Json(json(&state, &made))))
}

#[utoipa::path(get, path = "/api/v1/schedules/{id}", operation_id = "getSchedule",
    tag = "schedules", summary = "Read an on-call schedule", params(("id" = String, Path)),
    responses((status = 200, description = "The schedule", body = ScheduleJson), Problems))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ScheduleJson>, AppError> {
    let found = app::schedules::get(&state, &caller, &ScheduleId::from_string(id)).await?;
    Ok(Json(json(&state, &found)))
}

#[utoipa::path(patch, path = "/api/v1/schedules/{id}", operation_id = "updateSchedule",
    tag = "schedules", summary = "Change an on-call schedule (admins)",
    params(("id" = String, Path)), request_body = ScheduleBody,
    responses(
        (status = 200, description = "The schedule after the change", body = ScheduleJson),
        Problems
    ))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ScheduleBody>,
) -> Result<Json<ScheduleJson>, AppError> {
    let id = ScheduleId::from_string(id);
    let current = app::schedules::get(&state, &admin.0, &id).await?;
    let new = parse(body, Some(&current))?;
    let after = app::schedules::update(&state, &admin, &id, &new).await?;
    Ok(Json(json(&state, &after)))
}

#[utoipa::path(delete, path = "/api/v1/schedules/{id}", operation_id = "deleteSchedule",
    tag = "schedules", summary = "Delete an on-call schedule (admins)",
    params(("id" = String, Path)),
    responses((status = 204, description = "The schedule is deleted"), Problems))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    app::schedules::delete(&state, &admin, &ScheduleId::from_string(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/schedules/{id}/oncall", operation_id = "getScheduleOnCall",
    tag = "schedules",
    summary = "Who is on call at an instant (default now); `contact_id` null: nobody",
    params(("id" = String, Path), AtParams),
    responses(
        (status = 200, description = "Who is on call then, and until when", body = OnCallJson),
        Problems
    ))]
pub async fn oncall(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<AtParams>,
) -> Result<Json<OnCallJson>, AppError> {
    let at = instant("at", params.at.as_deref(), Utc::now())?;
    let span = app::schedules::oncall(&state, &caller, &ScheduleId::from_string(id), at).await?;
    Ok(Json(OnCallJson::from(span.as_ref())))
}

#[utoipa::path(get, path = "/api/v1/schedules/{id}/shifts", operation_id = "listScheduleShifts",
    tag = "schedules",
    summary = "Every span overlapping [from, to), overrides applied, in time order, each whole",
    params(("id" = String, Path), RangeParams),
    responses(
        (status = 200, description = "The shifts in the range, in time order", body = ShiftList),
        Problems
    ))]
pub async fn shifts(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<RangeParams>,
) -> Result<Json<ShiftList>, AppError> {
    let from = instant("from", params.from.as_deref(), Utc::now())?;
    let to = instant("to", params.to.as_deref(), from + Duration::days(14))?;
    let spans =
        app::schedules::shifts(&state, &caller, &ScheduleId::from_string(id), from, to).await?;
    Ok(Json(ShiftList {
        items: spans.iter().map(|s| OnCallJson::from(Some(s))).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/schedules/{id}/overrides",
    operation_id = "listScheduleOverrides", tag = "schedules",
    summary = "A schedule's overrides that have not ended, oldest first",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The schedule's current and future overrides, oldest first",
            body = OverrideList),
        Problems
    ))]
pub async fn overrides(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<OverrideList>, AppError> {
    let all = app::schedules::overrides(&state, &caller, &ScheduleId::from_string(id)).await?;
    Ok(Json(OverrideList {
        items: all.iter().map(OverrideJson::from).collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(post, path = "/api/v1/schedules/{id}/overrides",
    operation_id = "createScheduleOverride", tag = "schedules",
    summary = "Put someone else on call for a time range (admins)", params(("id" = String, Path)),
    request_body = OverrideBody,
    responses((status = 201, description = "The new override", body = OverrideJson), Problems))]
pub async fn add_override(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OverrideBody>,
) -> Result<(StatusCode, Json<OverrideJson>), AppError> {
    let over = Override::parse(
        body.contact_id.as_deref(),
        required_instant(body.starts_at.as_deref()),
        required_instant(body.ends_at.as_deref()),
        Utc::now(),
    )?;
    let made =
        app::schedules::add_override(&state, &admin, &ScheduleId::from_string(id), &over).await?;
    Ok((StatusCode::CREATED, Json(OverrideJson::from(&made))))
}

#[utoipa::path(delete, path = "/api/v1/schedules/{id}/overrides/{override_id}",
    operation_id = "deleteScheduleOverride", tag = "schedules",
    summary = "Remove an override (admins)",
    params(("id" = String, Path), ("override_id" = String, Path)),
    responses((status = 204, description = "The override is removed"), Problems))]
pub async fn delete_override(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path((id, over)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    app::schedules::delete_override(
        &state,
        &admin,
        &ScheduleId::from_string(id),
        &OverrideId::from_string(over),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
