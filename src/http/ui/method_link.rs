//! Signed links about one contact method, used without signing in: `/verify/{token}` (verify
//! an email address) and `/unsubscribe/{token}` (stop reports to it). Opening a link only shows
//! the address (mail scanners open links); the button acts, as long as the method still has the
//! address the link was made for.

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

/// What a link does, and the message ids its page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Verify,
    Unsubscribe,
}

impl Action {
    /// The purpose its tokens are signed for.
    fn purpose(self) -> &'static str {
        match self {
            Self::Verify => "verify",
            Self::Unsubscribe => "unsubscribe",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Self::Verify => "/verify",
            Self::Unsubscribe => "/unsubscribe",
        }
    }
}

#[derive(Template)]
#[template(path = "pages/method_link.html")]
struct MethodLinkPage {
    tr: Tr,
    csrf: String,
    action: String,
    problem: Option<String>,
    address: String,
    done: bool,
    verify: bool,
}

impl MethodLinkPage {
    fn title(&self) -> String {
        self.tr.t(if self.verify {
            "verify-title"
        } else {
            "unsubscribe-title"
        })
    }
}

async fn page(
    state: &AppState,
    headers: &HeaderMap,
    csrf: String,
    token: &str,
    act: Action,
    confirm: bool,
) -> PageResult {
    let visitor = visitor_tr(headers);
    let verify = act == Action::Verify;
    let refuse = |tr: Tr, why: &str| {
        let page = MethodLinkPage {
            problem: Some(tr.t(why)),
            tr,
            csrf: String::new(),
            action: String::new(),
            address: String::new(),
            done: false,
            verify,
        };
        (StatusCode::NOT_FOUND, render(&page)).into_response()
    };
    let expired = if verify {
        "verify-link-expired"
    } else {
        "ack-link-expired"
    };
    let fields = match state.links.check(act.purpose(), token, chrono::Utc::now()) {
        Ok(fields) => fields,
        Err(LinkError::Expired) => return Err(refuse(visitor, expired)),
        Err(LinkError::Invalid) => return Err(refuse(visitor, "ack-link-invalid")),
    };
    // (account, contact, method) and, for verification, the address the email went to.
    let (ids, sent_to) = match (act, fields.as_slice()) {
        (Action::Verify, [a, c, m, address]) => ([a, c, m], Some(address)),
        (Action::Unsubscribe, [a, c, m]) => ([a, c, m], None),
        _ => return Err(refuse(visitor, "ack-link-invalid")),
    };
    let (account, contact, method) = (
        AccountId::from_string(ids[0].as_str()),
        ContactId::from_string(ids[1].as_str()),
        MethodId::from_string(ids[2].as_str()),
    );
    let internal = |e: StoreError| {
        tracing::error!(error = %e, link = act.purpose(), "signed link failed");
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
    // The person the message went to reads the page in their language.
    let tr = person.locale.map_or_else(|| visitor_tr(headers), Tr::new);
    let Some(address) = person
        .methods
        .iter()
        .find(|m| m.id == method)
        .map(|m| m.address.clone())
    else {
        let why = if verify {
            "verify-link-changed"
        } else {
            "ack-link-invalid"
        };
        return Err(refuse(tr, why));
    };
    if sent_to.is_some_and(|a| *a != address) {
        return Err(refuse(tr, "verify-link-changed"));
    }
    let done = confirm
        && match act {
            Action::Verify => state
                .store
                .verify_by_link(&account, &contact, &method, &address)
                .await
                .map_err(internal)?,
            Action::Unsubscribe => state
                .store
                .unsubscribe(&account, &contact, &method)
                .await
                .map_err(internal)?,
        };
    Ok(render(&MethodLinkPage {
        tr,
        csrf,
        action: format!("{}/{token}", act.path()),
        problem: None,
        address,
        done,
        verify,
    }))
}

pub async fn verify_show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
) -> PageResult {
    page(&state, &headers, csrf.0, &token, Action::Verify, false).await
}

pub async fn verify_confirm(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
) -> PageResult {
    page(&state, &headers, csrf.0, &token, Action::Verify, true).await
}

pub async fn unsubscribe_show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
) -> PageResult {
    page(&state, &headers, csrf.0, &token, Action::Unsubscribe, false).await
}

pub async fn unsubscribe_confirm(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
) -> PageResult {
    page(&state, &headers, csrf.0, &token, Action::Unsubscribe, true).await
}
