//! Verify (a code sent through the method, typed back here) and Send test, next to each
//! method. Whoever may manage a method's contact may use them. When the rate limit refuses a
//! message, the page says so (429, with `Retry-After`) and when to try again.

use super::methods::{back_to, managed_method};
use super::{Form, FormErrors, PageResult, Web, done, refused, render};
use crate::app;
use crate::domain::{ContactId, MethodId};
use crate::error::AppError;
use crate::http::AppState;
use crate::store::Method;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "pages/verify.html")]
struct VerifyPage<'a> {
    web: &'a Web,
    notice: Option<String>,
    /// Why no code was sent (the rate limit).
    refusal: Option<String>,
    contact_name: String,
    method: Method,
    kind: String,
    action: String,
    resend: String,
    back: &'static str,
    errors: FormErrors,
}

/// Send test refused by the rate limit.
#[derive(Template)]
#[template(path = "pages/too_many.html")]
struct TooManyPage<'a> {
    web: &'a Web,
    message: String,
    back: &'static str,
}

/// The rate limit's refusal in the viewer's language: try again in so many minutes.
fn too_many(web: &Web, retry_after_secs: u64) -> String {
    match retry_after_secs.div_ceil(60) {
        0 | 1 => web.t("limit-too-many-minute"),
        minutes => web.tr.ta(
            "limit-too-many-minutes",
            &[("minutes", &minutes.to_string())],
        ),
    }
}

/// A page shown instead of sending: 429, with `Retry-After`.
fn throttled(mut page: Response, retry_after_secs: u64) -> Response {
    *page.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    page.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    page
}

#[derive(Debug, Default, Deserialize)]
pub struct SentQuery {
    #[serde(default)]
    sent: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

fn base(contact: &str, method: &str) -> String {
    format!("/configure/contacts/{contact}/methods/{method}")
}

async fn page(
    state: &AppState,
    web: &Web,
    contact_id: &str,
    method_id: &str,
    notice: Option<String>,
    refusal: Option<String>,
    errors: FormErrors,
) -> PageResult {
    let (contact, method) = managed_method(state, web, contact_id, method_id).await?;
    let base = base(contact_id, method_id);
    Ok(render(&VerifyPage {
        kind: web.t(&format!("type-{}", method.kind.as_str())),
        notice,
        refusal,
        contact_name: contact.name.clone(),
        action: format!("{base}/verify/confirm"),
        resend: format!("{base}/verify"),
        back: back_to(web, &contact.id),
        method,
        errors,
        web,
    }))
}

pub async fn form(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path((id, method_id)): Path<(String, String)>,
    Query(query): Query<SentQuery>,
) -> PageResult {
    let notice = query.sent.is_some().then(|| web.t("verify-sent"));
    page(
        &state,
        &web,
        &id,
        &method_id,
        notice,
        None,
        FormErrors::default(),
    )
    .await
}

fn ids(contact: &str, method: &str) -> (ContactId, MethodId) {
    (
        ContactId::from_string(contact),
        MethodId::from_string(method),
    )
}

/// Sends a new code, then shows the form.
pub async fn send(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path((id, method_id)): Path<(String, String)>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    let (contact, method) = ids(&id, &method_id);
    match app::verification::start(&state, &web.caller, &contact, &method).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("{}/verify?sent=1", base(&id, &method_id))).into_response())
        }
        // The form stays usable with a code sent earlier.
        Err(AppError::TooManyRequests { retry_after_secs }) => {
            let refusal = Some(too_many(&web, retry_after_secs));
            page(
                &state,
                &web,
                &id,
                &method_id,
                None,
                refusal,
                FormErrors::default(),
            )
            .await
            .map(|page| throttled(page, retry_after_secs))
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn confirm(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path((id, method_id)): Path<(String, String)>,
    Form(form): Form<CodeForm>,
) -> PageResult {
    let (contact, method) = ids(&id, &method_id);
    match app::verification::confirm(&state, &web.caller, &contact, &method, &form.code).await {
        Ok(_) => Ok(done(back_to(&web, &contact), "method-verified")),
        Err(AppError::Validation(fields)) => {
            // The message in the viewer's language, by what went wrong.
            let errors = FormErrors::new(&web.tr, &fields);
            page(&state, &web, &id, &method_id, None, None, errors)
                .await
                .map(refused)
        }
        Err(other) => Err(web.fail(other)),
    }
}

pub async fn test(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path((id, method_id)): Path<(String, String)>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    let (contact, method) = ids(&id, &method_id);
    match app::verification::send_test(&state, &web.caller, &contact, &method).await {
        Ok(_) => Ok(done(back_to(&web, &contact), "test-queued")),
        Err(AppError::TooManyRequests { retry_after_secs }) => {
            let page = render(&TooManyPage {
                message: too_many(&web, retry_after_secs),
                back: back_to(&web, &contact),
                web: &web,
            });
            Ok(throttled(page, retry_after_secs))
        }
        Err(other) => Err(web.fail(other)),
    }
}
