//! `/verify/{token}`: verifying an email address with the signed link of its verification
//! email, without signing in. Opening the link shows the address (mail scanners open links);
//! the button verifies it, as long as the method still has that address.

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
#[template(path = "pages/verify_link.html")]
struct VerifyLinkPage {
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
        let page = VerifyLinkPage {
            problem: Some(tr.t(why)),
            tr,
            csrf: String::new(),
            action: String::new(),
            address: String::new(),
            done: false,
        };
        (StatusCode::NOT_FOUND, render(&page)).into_response()
    };
    let fields = match state.links.check("verify", token, chrono::Utc::now()) {
        Ok(fields) => fields,
        Err(LinkError::Expired) => return Err(refuse(visitor, "verify-link-expired")),
        Err(LinkError::Invalid) => return Err(refuse(visitor, "ack-link-invalid")),
    };
    let [account, contact, method, address] = fields.as_slice() else {
        return Err(refuse(visitor, "ack-link-invalid"));
    };
    let (account, contact, method) = (
        AccountId::from_string(account.as_str()),
        ContactId::from_string(contact.as_str()),
        MethodId::from_string(method.as_str()),
    );
    let internal = |e: StoreError| {
        tracing::error!(error = %e, "verify link failed");
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
    let current = person.methods.iter().find(|m| m.id == method);
    if current.is_none_or(|m| m.address != *address) {
        return Err(refuse(tr, "verify-link-changed"));
    }
    let done = confirm
        && state
            .store
            .verify_by_link(&account, &contact, &method, address)
            .await
            .map_err(internal)?;
    Ok(render(&VerifyLinkPage {
        tr,
        csrf,
        action: format!("/verify/{token}"),
        problem: None,
        address: address.clone(),
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
