//! Configure > My Account: own name, primary email, language, time zone, password and methods.

use super::contacts::{MethodView, own_methods};
use super::{
    Form, FormErrors, PageResult, SESSION_COOKIE, Web, confirmation, done, refused, render,
};
use crate::app;
use crate::app::users::ProfileChange;
use crate::domain::{EmailAddress, Errors, Locale, Name, Password, Profile, TimeZone};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::Contact;
use askama::Template;
use axum::extract::{Query, State};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use serde::Deserialize;
use std::sync::Arc;

const PAGE: &str = "/configure/account";

#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    /// `""` (the browser's), `en` or `es`.
    #[serde(default)]
    pub locale: String,
    #[serde(default)]
    pub timezone: String,
    /// Needed when the primary email changes; never shown again.
    #[serde(default)]
    pub current_password: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new: String,
}

/// The session this page was asked in: the one a password change keeps.
fn this_session(jar: &CookieJar) -> Option<&str> {
    jar.get(SESSION_COOKIE).map(Cookie::value)
}

#[derive(Template)]
#[template(path = "pages/account.html")]
struct AccountPage<'a> {
    web: &'a Web,
    status: Option<String>,
    me_id: String,
    profile: ProfileForm,
    errors: FormErrors,
    password_errors: FormErrors,
    methods: Vec<MethodView>,
    tokens: super::tokens::TokensSection,
}

#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

async fn me(state: &AppState, web: &Web) -> Result<Contact, axum::response::Response> {
    app::users::me(state, &web.caller)
        .await
        .map_err(|e| web.fail(e))
}

fn profile_of(me: &Contact) -> ProfileForm {
    ProfileForm {
        name: me.name.clone(),
        email: me
            .user
            .as_ref()
            .map(|u| u.email.clone())
            .unwrap_or_default(),
        locale: me.locale.map(|l| l.as_str().to_owned()).unwrap_or_default(),
        timezone: me
            .timezone
            .map(|t| t.as_str().to_owned())
            .unwrap_or_default(),
        current_password: String::new(),
    }
}

fn account_page<'a>(
    web: &'a Web,
    me: &Contact,
    profile: ProfileForm,
    errors: FormErrors,
    password_errors: FormErrors,
    status: Option<String>,
    tokens: super::tokens::TokensSection,
) -> AccountPage<'a> {
    AccountPage {
        web,
        status,
        me_id: me.id.to_string(),
        profile,
        errors,
        password_errors,
        methods: own_methods(web, me),
        tokens,
    }
}

pub async fn page_get(state: &AppState, web: &Web, query: &DoneQuery) -> PageResult {
    let me = me(state, web).await?;
    let status = confirmation(web, query.done.as_deref());
    let tokens = super::tokens::section(state, web).await?;
    Ok(render(&account_page(
        web,
        &me,
        profile_of(&me),
        FormErrors::default(),
        FormErrors::default(),
        status,
        tokens,
    )))
}

pub async fn page(
    State(state): State<Arc<AppState>>,
    web: Web,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    page_get(&state, &web, &query).await
}

pub async fn update(
    State(state): State<Arc<AppState>>,
    web: Web,
    jar: CookieJar,
    Form(mut form): Form<ProfileForm>,
) -> PageResult {
    let current = me(&state, &web).await?;
    let mut errors = Errors::default();
    let name = errors.check("name", Name::parse(&form.name));
    let email = errors.check("email", EmailAddress::parse(&form.email));
    let locale = match form.locale.trim() {
        "" => Some(None),
        l => errors.check("locale", Locale::parse(l)).map(Some),
    };
    let timezone = match form.timezone.trim() {
        "" => Some(None),
        t => errors.check("timezone", TimeZone::parse(t)).map(Some),
    };
    let current_password = std::mem::take(&mut form.current_password);
    let result = match errors.finish(|| {
        Some(ProfileChange {
            profile: Profile {
                name: name?,
                email: email?,
                locale: locale?,
                timezone: timezone?,
            },
            password: None,
            current_password: Some(current_password),
        })
    }) {
        Ok(change) => {
            app::users::update_profile(&state, &web.caller, &change, this_session(&jar)).await
        }
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(_) => Ok(done(PAGE, "profile-saved")),
        Err(AppError::Validation(fields) | AppError::Conflict(fields)) => {
            let errors = FormErrors::new(&web.tr, &fields);
            let tokens = super::tokens::section(&state, &web).await?;
            Ok(refused(render(&account_page(
                &web,
                &current,
                form,
                errors,
                FormErrors::default(),
                None,
                tokens,
            ))))
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn password(
    State(state): State<Arc<AppState>>,
    web: Web,
    jar: CookieJar,
    Form(form): Form<PasswordForm>,
) -> PageResult {
    let new = Password::parse(&form.new);
    let (current, keep) = (&form.current_password, this_session(&jar));
    match app::users::change_password(&state, &web.caller, current, new, keep).await {
        Ok(()) => Ok(done(PAGE, "password-changed")),
        Err(AppError::Validation(fields)) => {
            let current = me(&state, &web).await?;
            let errors = FormErrors::new(&web.tr, &fields);
            let tokens = super::tokens::section(&state, &web).await?;
            Ok(refused(render(&account_page(
                &web,
                &current,
                profile_of(&current),
                FormErrors::default(),
                errors,
                None,
                tokens,
            ))))
        }
        Err(other) => Err(web.fail(other)),
    }
}
