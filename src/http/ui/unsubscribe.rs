//! `/unsubscribe/{token}`: the link at the foot of a report email turns `reports` off for that
//! email method, without signing in. Opening it only asks; the button does it.

use super::{CsrfToken, PageResult, Tr, render, visitor_tr};
use crate::delivery::links::LinkError;
use crate::domain::{AccountId, CompanyAccess, ContactId, MethodId};
use crate::http::AppState;
use crate::store::{Store, StoreError};
use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "pages/unsubscribe.html")]
struct UnsubscribePage {
    tr: Tr,
    csrf: String,
    action: String,
    problem: Option<String>,
    address: String,
    done: bool,
}

async fn page(
    state: &AppState,
    headers: &HeaderMap,
    csrf: String,
    token: &str,
    confirm: bool,
) -> PageResult {
    let visitor = visitor_tr(headers);
    let refuse = |tr: Tr, why: &str| {
        let page = UnsubscribePage {
            problem: Some(tr.t(why)),
            tr,
            csrf: String::new(),
            action: String::new(),
            address: String::new(),
            done: false,
        };
        (StatusCode::NOT_FOUND, render(&page)).into_response()
    };
    let fields = match state.links.check("unsubscribe", token, chrono::Utc::now()) {
        Ok(fields) => fields,
        Err(LinkError::Expired) => return Err(refuse(visitor, "ack-link-expired")),
        Err(LinkError::Invalid) => return Err(refuse(visitor, "ack-link-invalid")),
    };
    let [account, contact, method] = fields.as_slice() else {
        return Err(refuse(visitor, "ack-link-invalid"));
    };
    let (account, contact, method) = (
        AccountId::from_string(account.as_str()),
        ContactId::from_string(contact.as_str()),
        MethodId::from_string(method.as_str()),
    );
    let internal = |e: StoreError| {
        tracing::error!(error = %e, "unsubscribe link failed");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            visitor.t("error-page-internal"),
        )
            .into_response()
    };
    let person = match state
        .store
        .contact(&account, &CompanyAccess::All, &contact)
        .await
    {
        Ok(p) => p,
        Err(StoreError::NotFound) => return Err(refuse(visitor, "ack-link-invalid")),
        Err(e) => return Err(internal(e)),
    };
    let tr = person.locale.map_or_else(|| visitor_tr(headers), Tr::new);
    let Some(address) = person
        .methods
        .iter()
        .find(|m| m.id == method)
        .map(|m| m.address.clone())
    else {
        return Err(refuse(tr, "ack-link-invalid"));
    };
    let done = confirm
        && state
            .store
            .unsubscribe(&account, &contact, &method)
            .await
            .map_err(internal)?;
    Ok(render(&UnsubscribePage {
        tr,
        csrf,
        action: format!("/unsubscribe/{token}"),
        problem: None,
        address,
        done,
    }))
}

pub async fn show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
) -> PageResult {
    page(&state, &headers, csrf.0, &token, false).await
}

pub async fn confirm(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
) -> PageResult {
    page(&state, &headers, csrf.0, &token, true).await
}
