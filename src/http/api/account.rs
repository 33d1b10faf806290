use super::Problems;
use super::json::{AccountJson, ApiJson};
use crate::app;
use crate::auth::{Admin, Caller};
use crate::domain::{
    AccountSettings, Errors, FloodLimits, Invalid, Locale, Name, Region, RepeatInterval, TimeZone,
};
use crate::error::AppError;
use crate::http::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    name: Option<String>,
    /// ISO 3166 region such as `US` or `ES`.
    default_region: Option<String>,
    /// `en` or `es`.
    locale: Option<String>,
    timezone: Option<String>,
    require_verified_phones: Option<bool>,
    /// 1–10080.
    repeat_interval_minutes: Option<i64>,
    /// Any of `email`, `sms`, `phone`, `webhook`: 1–1000 messages per destination per 10
    /// minutes, or `null` for no limit. Types not named keep their limit.
    #[schema(value_type = Option<Object>)]
    flood_limits: Option<serde_json::Map<String, serde_json::Value>>,
}

#[utoipa::path(get, path = "/api/v1/account", operation_id = "getAccount", tag = "account",
    summary = "Account settings",
    responses(
        (status = 200, description = "The account's settings", body = AccountJson),
        Problems
    ))]
pub async fn get(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<AccountJson>, AppError> {
    let account = app::account::get(&state, &caller).await?;
    Ok(Json(AccountJson::from(&account)))
}

#[utoipa::path(patch, path = "/api/v1/account", operation_id = "updateAccount", tag = "account",
    summary = "Change account settings (admins)", request_body = AccountPatch,
    responses(
        (status = 200, description = "The account's settings after the change", body = AccountJson),
        Problems
    ))]
pub async fn update(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    ApiJson(patch): ApiJson<AccountPatch>,
) -> Result<Json<AccountJson>, AppError> {
    let current = app::account::get(&state, &admin.0).await?;
    let mut errors = Errors::default();
    let name = errors.check(
        "name",
        Name::parse(patch.name.as_deref().unwrap_or(&current.name)),
    );
    let default_region = match &patch.default_region {
        None => Some(current.default_region),
        Some(r) => errors.check("default_region", Region::parse(r)),
    };
    let locale = match &patch.locale {
        None => Some(current.locale),
        Some(l) => errors.check("locale", Locale::parse(l)),
    };
    let timezone = match &patch.timezone {
        None => Some(current.timezone),
        Some(t) => errors.check("timezone", TimeZone::parse(t)),
    };
    let repeat_interval = errors.check(
        "repeat_interval_minutes",
        RepeatInterval::parse(
            patch
                .repeat_interval_minutes
                .unwrap_or(current.repeat_interval_minutes),
        ),
    );
    let mut limits = current.flood_limits;
    for (kind, value) in patch.flood_limits.iter().flatten() {
        let field = format!("flood_limits.{kind}");
        let slot = match kind.as_str() {
            "email" => &mut limits.email,
            "sms" => &mut limits.sms,
            "phone" => &mut limits.phone,
            "webhook" => &mut limits.webhook,
            _ => {
                errors.push(
                    &field,
                    Invalid::OneOf {
                        allowed: "email, sms, phone, webhook",
                    },
                );
                continue;
            }
        };
        let number = match value {
            serde_json::Value::Null => Ok(None),
            v => v.as_i64().map(Some).ok_or(Invalid::Range {
                min: 1,
                max: FloodLimits::MAX,
            }),
        };
        if let Some(limit) = errors.check(&field, number.and_then(FloodLimits::parse_one)) {
            *slot = limit;
        }
    }
    let settings = errors.finish(|| {
        Some(AccountSettings {
            name: name?,
            default_region: default_region?,
            locale: locale?,
            timezone: timezone?,
            require_verified_phones: patch
                .require_verified_phones
                .unwrap_or(current.require_verified_phones),
            repeat_interval: repeat_interval?,
            flood_limits: limits,
        })
    })?;
    let after = app::account::update(&state, &admin, &settings).await?;
    Ok(Json(AccountJson::from(&after)))
}
