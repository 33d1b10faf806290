//! The caller's own API tokens: list, create (the token is in that answer only) and revoke.

use super::Problems;
use super::json::ApiJson;
use crate::app;
use crate::auth::Caller;
use crate::domain::token::NewToken;
use crate::domain::{Invalid, TokenId};
use crate::error::AppError;
use crate::http::AppState;
use crate::repr::{NewTokenJson, TokenJson, TokenList};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    /// A label, 1–200 characters.
    name: String,
    /// RFC 3339, in the future; absent or `null`: the token does not expire.
    #[schema(format = DateTime)]
    expires_at: Option<String>,
}

fn instant(value: &str) -> Result<DateTime<Utc>, Invalid> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| Invalid::DateTime)
}

#[utoipa::path(get, path = "/api/v1/tokens", operation_id = "listTokens", tag = "tokens",
    summary = "The caller's own API tokens, newest first (never the tokens themselves)",
    responses(
        (status = 200, description = "The caller's tokens, newest first", body = TokenList),
        Problems
    ))]
pub async fn list(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<TokenList>, AppError> {
    let tokens = app::tokens::list(&state, &caller).await?;
    Ok(Json(TokenList {
        items: tokens.iter().map(TokenJson::from).collect(),
        next_cursor: None,
    }))
}

#[utoipa::path(post, path = "/api/v1/tokens", operation_id = "createToken", tag = "tokens",
    summary = "Create an API token acting as the caller; the answer carries `token`, this once",
    request_body = TokenBody,
    responses(
        (status = 201, description = "The new token; `token` is shown this once",
            body = NewTokenJson),
        Problems
    ))]
pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiJson(body): ApiJson<TokenBody>,
) -> Result<(StatusCode, Json<NewTokenJson>), AppError> {
    let new = NewToken::parse(
        &body.name,
        body.expires_at.as_deref().map(instant),
        Utc::now(),
    )?;
    let created = app::tokens::create(&state, &caller, &new).await?;
    Ok((
        StatusCode::CREATED,
        Json(NewTokenJson::new(&created.stored, created.token.expose())),
    ))
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", operation_id = "deleteToken", tag = "tokens",
    summary = "Revoke one of the caller's tokens: it answers 401 from then on",
    params(("id" = String, Path)),
    responses((status = 204, description = "The token is revoked"), Problems))]
pub async fn delete(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    app::tokens::revoke(&state, &caller, &TokenId::from_string(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
