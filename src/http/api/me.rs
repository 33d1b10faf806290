use super::Problems;
use super::json::{ApiJson, ContactJson, nullable, patched_preferences};
use crate::app;
use crate::app::users::ProfileChange;
use crate::auth::Caller;
use crate::domain::{EmailAddress, Errors, Name, Password, Profile};
use crate::error::AppError;
use crate::http::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    name: Option<String>,
    /// The new primary email (the login); also the address of the primary email method.
    email: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    locale: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    timezone: Option<Option<String>>,
    /// At least 12 characters. Needs `current_password`; ends every web session of the
    /// user (API tokens stay).
    password: Option<String>,
    /// The password now: needed to change `password` or `email`.
    current_password: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/me", operation_id = "getMe", tag = "me",
    summary = "The calling user",
    responses((status = 200, description = "The calling user", body = ContactJson), Problems))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<ContactJson>, AppError> {
    let me = app::users::me(&state, &caller).await?;
    Ok(Json(ContactJson::from(&me)))
}

#[utoipa::path(patch, path = "/api/v1/me", operation_id = "updateMe", tag = "me",
    summary = "Change your own name, primary email, language, time zone or password",
    description = "A new `password` or `email` needs `current_password` (422 on \
        `current_password` when missing or wrong). A new password ends your web sessions; \
        API tokens stay.",
    request_body = MePatch,
    responses(
        (status = 200, description = "The calling user after the change", body = ContactJson),
        Problems
    ))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ApiJson(patch): ApiJson<MePatch>,
) -> Result<Json<ContactJson>, AppError> {
    let current = app::users::me(&state, &caller).await?;
    let current_email = current
        .user
        .as_ref()
        .map(|u| u.email.clone())
        .unwrap_or_default();
    let mut errors = Errors::default();
    let name = errors.check(
        "name",
        Name::parse(patch.name.as_deref().unwrap_or(&current.name)),
    );
    let email = errors.check(
        "email",
        EmailAddress::parse(patch.email.as_deref().unwrap_or(&current_email)),
    );
    let preferences = patched_preferences(
        &mut errors,
        patch.locale,
        patch.timezone,
        (current.locale, current.timezone),
    );
    let password = match &patch.password {
        None => Some(None),
        Some(p) => errors.check("password", Password::parse(p)).map(Some),
    };
    let change = errors.finish(|| {
        Some(ProfileChange {
            profile: Profile {
                name: name?,
                email: email?,
                locale: preferences?.0,
                timezone: preferences?.1,
            },
            password: password?,
            current_password: patch.current_password,
        })
    })?;
    // No web session to keep: a new password ends them all.
    let after = app::users::update_profile(&state, &caller, &change, None).await?;
    Ok(Json(ContactJson::from(&after)))
}
