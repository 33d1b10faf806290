//! Configure > Settings: the account's settings. Admins only.

use super::{AdminWeb, Form, FormErrors, PageResult, Web, confirmation, done, refused, render};
use crate::app;
use crate::domain::{
    AccountSettings, Errors, FloodLimits, Locale, Name, Region, RepeatInterval, TimeZone,
};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::Account;
use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;
use std::sync::Arc;

const PAGE: &str = "/configure/settings";

#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub default_region: String,
    #[serde(default)]
    pub locale: String,
    #[serde(default)]
    pub timezone: String,
    #[serde(default)]
    pub require_verified_phones: Option<String>,
    #[serde(default)]
    pub repeat_interval_minutes: String,
    #[serde(default)]
    pub flood_email: String,
    #[serde(default)]
    pub flood_sms: String,
    #[serde(default)]
    pub flood_phone: String,
    #[serde(default)]
    pub flood_webhook: String,
}

#[derive(Template)]
#[template(path = "pages/settings.html")]
struct SettingsPage<'a> {
    web: &'a Web,
    status: Option<String>,
    form: SettingsForm,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

fn form_of(a: &Account) -> SettingsForm {
    SettingsForm {
        name: a.name.clone(),
        default_region: a.default_region.as_str().to_owned(),
        locale: a.locale.as_str().to_owned(),
        timezone: a.timezone.as_str().to_owned(),
        require_verified_phones: a.require_verified_phones.then(|| "on".to_owned()),
        repeat_interval_minutes: a.repeat_interval_minutes.to_string(),
        flood_email: limit_text(a.flood_limits.email),
        flood_sms: limit_text(a.flood_limits.sms),
        flood_phone: limit_text(a.flood_limits.phone),
        flood_webhook: limit_text(a.flood_limits.webhook),
    }
}

fn limit_text(limit: Option<u32>) -> String {
    limit.map(|n| n.to_string()).unwrap_or_default()
}

/// An empty field is no limit.
fn limit_of(text: &str) -> Result<Option<u32>, crate::domain::Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i64>()
        .map_err(|_| crate::domain::Invalid::Range {
            min: 1,
            max: FloodLimits::MAX,
        })
        .and_then(|n| FloodLimits::parse_one(Some(n)))
}

pub async fn page(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let account = app::account::get(&state, &admin.0)
        .await
        .map_err(|e| web.fail(e))?;
    let status = confirmation(&web, query.done.as_deref());
    Ok(render(&SettingsPage {
        web: &web,
        status,
        form: form_of(&account),
        errors: FormErrors::default(),
    }))
}

pub async fn update(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Form(form): Form<SettingsForm>,
) -> PageResult {
    let mut errors = Errors::default();
    let name = errors.check("name", Name::parse(&form.name));
    let region = errors.check("default_region", Region::parse(&form.default_region));
    let locale = errors.check("locale", Locale::parse(&form.locale));
    let timezone = errors.check("timezone", TimeZone::parse(&form.timezone));
    let repeat = errors.check(
        "repeat_interval_minutes",
        form.repeat_interval_minutes
            .trim()
            .parse::<i64>()
            .map_err(|_| crate::domain::Invalid::Range {
                min: 1,
                max: RepeatInterval::MAX,
            })
            .and_then(RepeatInterval::parse),
    );
    let flood = [
        errors.check("flood_email", limit_of(&form.flood_email)),
        errors.check("flood_sms", limit_of(&form.flood_sms)),
        errors.check("flood_phone", limit_of(&form.flood_phone)),
        errors.check("flood_webhook", limit_of(&form.flood_webhook)),
    ];
    let result = match errors.finish(|| {
        let [email, sms, phone, webhook] = flood;
        Some(AccountSettings {
            name: name?,
            default_region: region?,
            locale: locale?,
            timezone: timezone?,
            require_verified_phones: form.require_verified_phones.is_some(),
            repeat_interval: repeat?,
            flood_limits: FloodLimits {
                email: email?,
                sms: sms?,
                phone: phone?,
                webhook: webhook?,
            },
        })
    }) {
        Ok(settings) => app::account::update(&state, &admin, &settings).await,
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(_) => Ok(done(PAGE, "settings-saved")),
        Err(AppError::Validation(f) | AppError::Conflict(f)) => {
            let errors = FormErrors::new(&web.tr, &f);
            Ok(refused(render(&SettingsPage {
                web: &web,
                status: None,
                form,
                errors,
            })))
        }
        Err(other) => Err(web.fail(other)),
    }
}
