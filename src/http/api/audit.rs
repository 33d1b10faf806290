use super::json::{AuditJson, AuditList};
use super::{ApiQuery, Problems, page_request};
use crate::app;
use crate::auth::Admin;
use crate::domain::{ContactId, Errors, Invalid};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::AuditQuery;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only changes to this object (any id: contact, method, company, ...).
    object: Option<String>,
    /// Only changes by this user.
    actor: Option<String>,
    /// RFC 3339: changes at or after.
    #[param(format = DateTime)]
    since: Option<String>,
    /// RFC 3339: changes before.
    #[param(format = DateTime)]
    until: Option<String>,
    #[param(value_type = Option<i64>)]
    limit: Option<String>,
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/audit", operation_id = "listAuditEntries", tag = "audit",
    summary = "Who changed what, newest first (admins)", params(AuditParams),
    responses(
        (status = 200, description = "A page of audit entries, newest first", body = AuditList),
        Problems
    ))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<Json<AuditList>, AppError> {
    let mut errors = Errors::default();
    let mut time = |field: &str, value: &Option<String>| {
        value.as_deref().filter(|v| !v.is_empty()).and_then(|v| {
            errors.check(
                field,
                DateTime::parse_from_rfc3339(v)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| Invalid::Type {
                        message: "Enter an RFC 3339 time such as 2026-11-25T10:00:00Z".into(),
                    }),
            )
        })
    };
    let since = time("since", &params.since);
    let until = time("until", &params.until);
    let page = page_request(
        params.limit.as_deref(),
        params.cursor.as_deref(),
        &mut errors,
    );
    let query = errors.finish(|| {
        Some(AuditQuery {
            object_id: params.object.clone().filter(|o| !o.is_empty()),
            actor_id: params
                .actor
                .clone()
                .filter(|a| !a.is_empty())
                .map(ContactId::from_string),
            since,
            until,
            page,
        })
    })?;
    let result = app::audit::list(&state, &admin, &query).await?;
    Ok(Json(AuditList {
        items: result.items.iter().map(AuditJson::from).collect(),
        next_cursor: result.next_cursor,
    }))
}
