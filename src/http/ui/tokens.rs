//! My Account > API tokens: the user's own tokens (name, created, expires, last used), a form
//! that makes one and shows it once, and Revoke behind a confirmation page.

use super::{Form, FormErrors, PageResult, Web, confirm, done, refused, render};
use crate::app;
use crate::domain::token::{Lifetime, NewToken};
use crate::domain::{FieldError, TokenId};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::tokens::ApiToken;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;
use std::sync::Arc;

const ACCOUNT: &str = "/configure/account";

/// The create form: a label and, optionally, a lifetime in days.
#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub name: String,
    /// Empty: the token does not expire.
    #[serde(default)]
    pub expires_in_days: String,
}

/// One token as the list shows it, in the user's zone.
#[derive(Debug)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub created: String,
    /// Empty: never.
    pub expires: String,
    /// Empty: never used.
    pub last_used: String,
    pub expired: bool,
}

/// What `partials/tokens.html` shows: the list and the create form with its errors.
#[derive(Debug, Default)]
pub struct TokensSection {
    pub items: Vec<TokenView>,
    pub form: TokenForm,
    pub errors: FormErrors,
}

fn view(web: &Web, t: &ApiToken) -> TokenView {
    let now = Utc::now();
    TokenView {
        id: t.id.to_string(),
        name: t.name.clone(),
        created: web.when(t.created_at),
        expires: t.expires_at.map(|at| web.when(at)).unwrap_or_default(),
        last_used: t.last_used_at.map(|at| web.when(at)).unwrap_or_default(),
        expired: crate::domain::token::expired(t.expires_at, now),
    }
}

/// The section for My Account: the user's tokens and an empty form.
pub(super) async fn section(state: &AppState, web: &Web) -> Result<TokensSection, Response> {
    let tokens = app::tokens::list(state, &web.caller)
        .await
        .map_err(|e| web.fail(e))?;
    Ok(TokensSection {
        items: tokens.iter().map(|t| view(web, t)).collect(),
        ..TokensSection::default()
    })
}

/// The page after a create: the new token, this once, or the form again with its errors.
#[derive(Template)]
#[template(path = "pages/token.html")]
struct TokenPage<'a> {
    web: &'a Web,
    /// The new token and its label.
    created: Option<(String, String)>,
    tokens: TokensSection,
}

fn parse(form: &TokenForm) -> Result<NewToken, Vec<FieldError>> {
    let now = Utc::now();
    let expires_at = match form.expires_in_days.trim() {
        "" => None,
        days => Some(Lifetime::days(days).map(|l| l.expires_at(now))),
    };
    NewToken::parse(&form.name, expires_at, now).map_err(|fields| {
        fields
            .into_iter()
            .map(|mut f| {
                if f.field == "expires_at" {
                    f.field = "expires_in_days".to_owned();
                }
                f
            })
            .collect()
    })
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    web: Web,
    Form(form): Form<TokenForm>,
) -> PageResult {
    let result = match parse(&form) {
        Ok(new) => app::tokens::create(&state, &web.caller, &new).await,
        Err(fields) => Err(AppError::Validation(fields)),
    };
    match result {
        Ok(created) => Ok(render(&TokenPage {
            web: &web,
            created: Some((
                created.token.expose().to_owned(),
                created.stored.name.clone(),
            )),
            tokens: TokensSection::default(),
        })),
        Err(AppError::Validation(fields)) => {
            let errors = FormErrors::new(&web.tr, &fields);
            Ok(refused(render(&TokenPage {
                web: &web,
                created: None,
                tokens: TokensSection {
                    items: Vec::new(),
                    form,
                    errors,
                },
            })))
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn revoke_form(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path(id): Path<String>,
) -> PageResult {
    let token = app::tokens::get(&state, &web.caller, &TokenId::from_string(id))
        .await
        .map_err(|e| web.fail(e))?;
    let question = web.tr.ta("confirm-revoke-token", &[("name", &token.name)]);
    Ok(confirm(
        &web,
        question,
        format!("{ACCOUNT}/tokens/{}/revoke", token.id),
        ACCOUNT,
    ))
}

pub async fn revoke(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path(id): Path<String>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    app::tokens::revoke(&state, &web.caller, &TokenId::from_string(id))
        .await
        .map_err(|e| web.fail(e))?;
    Ok(done(ACCOUNT, "token-revoked"))
}
