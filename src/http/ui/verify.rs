//! Verify (a code sent through the method, typed back here) and Send test, next to each
//! method. Whoever may manage a method's contact may use them.

use super::methods::{back_to, managed};
use super::{Form, FormErrors, PageResult, Web, done, refused, render};
use crate::domain::MethodId;
use crate::error::AppError;
use crate::http::AppState;
use crate::http::api::verification::{CODE_LIFETIME, check_code, new_code};
use crate::store::{Method, Store};
use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "pages/verify.html")]
struct VerifyPage<'a> {
    web: &'a Web,
    notice: Option<String>,
    contact_name: String,
    method: Method,
    kind: String,
    action: String,
    resend: String,
    back: &'static str,
    errors: FormErrors,
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
    errors: FormErrors,
) -> PageResult {
    let contact = managed(state, web, contact_id).await?;
    let method = state
        .store
        .method(
            &web.caller.account,
            &contact.id,
            &MethodId::from_string(method_id),
        )
        .await
        .map_err(|e| web.fail(e.into()))?;
    let base = base(contact_id, method_id);
    Ok(render(&VerifyPage {
        kind: web.t(&format!("type-{}", method.kind.as_str())),
        notice,
        contact_name: contact.name.clone(),
        action: format!("{base}/verify/confirm"),
        resend: format!("{base}/verify"),
        back: back_to(web, &contact),
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
    page(&state, &web, &id, &method_id, notice, FormErrors::default()).await
}

/// Sends a new code, then shows the form.
pub async fn send(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path((id, method_id)): Path<(String, String)>,
    Form(_): Form<super::session::Empty>,
) -> PageResult {
    let contact = managed(&state, &web, &id).await?;
    let method = MethodId::from_string(&method_id);
    let code = new_code();
    let now = chrono::Utc::now();
    state
        .store
        .start_verification(
            &web.caller.account,
            &contact.id,
            &method,
            &code,
            &state.links.code_hash(method.as_str(), &code),
            now + CODE_LIFETIME,
            now,
        )
        .await
        .map_err(|e| web.fail(e.into()))?;
    state.work_queued().await;
    Ok(
        axum::response::Redirect::to(&format!("{}/verify?sent=1", base(&id, &method_id)))
            .into_response_ok(),
    )
}

pub async fn confirm(
    State(state): State<Arc<AppState>>,
    web: Web,
    Path((id, method_id)): Path<(String, String)>,
    Form(form): Form<CodeForm>,
) -> PageResult {
    let contact = managed(&state, &web, &id).await?;
    let method = MethodId::from_string(&method_id);
    match check_code(&state, &web.caller, &contact.id, &method, &form.code).await {
        Ok(_) => Ok(done(back_to(&web, &contact), "method-verified")),
        Err(AppError::Validation(fields)) => {
            // The message in the viewer's language, by what went wrong.
            let errors = FormErrors::new(&web.tr, &fields);
            page(&state, &web, &id, &method_id, None, errors)
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
    let contact = managed(&state, &web, &id).await?;
    state
        .store
        .queue_test(
            &web.caller.account,
            &contact.id,
            &MethodId::from_string(method_id),
            chrono::Utc::now(),
        )
        .await
        .map_err(|e| web.fail(e.into()))?;
    state.work_queued().await;
    Ok(done(back_to(&web, &contact), "test-queued"))
}

/// `Redirect` as a page result.
trait IntoOk {
    fn into_response_ok(self) -> axum::response::Response;
}

impl IntoOk for axum::response::Redirect {
    fn into_response_ok(self) -> axum::response::Response {
        axum::response::IntoResponse::into_response(self)
    }
}
