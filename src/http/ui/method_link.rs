//! Signed links about one contact method, used without signing in: `/verify/{token}` (verify
//! an email address) and `/unsubscribe/{token}` (stop reports to it). Opening a link only shows
//! the address (mail scanners open links); the button acts, as long as the method still has the
//! address the link was made for.

use super::{CsrfToken, PageResult, Tr, render, visitor_tr};
use crate::app;
use crate::app::verification::{LinkPurpose, LinkState};
use crate::http::AppState;
use crate::links::LinkError;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use std::sync::Arc;

fn path(act: LinkPurpose) -> &'static str {
    match act {
        LinkPurpose::Verify => "/verify",
        LinkPurpose::Unsubscribe => "/unsubscribe",
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
    act: LinkPurpose,
    confirm: bool,
) -> PageResult {
    let visitor = visitor_tr(headers);
    let verify = act == LinkPurpose::Verify;
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
    let link = match app::verification::check_link(state, act, token, chrono::Utc::now()) {
        Ok(link) => link,
        Err(LinkError::Expired) => return Err(refuse(visitor, expired)),
        Err(LinkError::Invalid) => return Err(refuse(visitor, "ack-link-invalid")),
    };
    let shown = if confirm {
        app::verification::follow_link(state, &link).await
    } else {
        app::verification::open_link(state, &link).await
    };
    let shown = shown.map_err(|e| {
        tracing::error!(error = %e, link = act.as_str(), "signed link failed");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            visitor.t("error-page-internal"),
        )
            .into_response()
    })?;
    // The person the message went to reads the page in their language.
    let person_tr =
        |locale: Option<crate::domain::Locale>| locale.map_or_else(|| visitor_tr(headers), Tr::new);
    let (tr, address, done) = match shown {
        LinkState::Unknown => return Err(refuse(visitor, "ack-link-invalid")),
        LinkState::Gone { locale } => {
            let why = if verify {
                "verify-link-changed"
            } else {
                "ack-link-invalid"
            };
            return Err(refuse(person_tr(locale), why));
        }
        LinkState::Changed { locale } => {
            return Err(refuse(person_tr(locale), "verify-link-changed"));
        }
        LinkState::Valid {
            locale,
            address,
            done,
        } => (person_tr(locale), address, done),
    };
    Ok(render(&MethodLinkPage {
        tr,
        csrf,
        action: format!("{}/{token}", path(act)),
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
    page(&state, &headers, csrf.0, &token, LinkPurpose::Verify, false).await
}

pub async fn verify_confirm(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
) -> PageResult {
    page(&state, &headers, csrf.0, &token, LinkPurpose::Verify, true).await
}

pub async fn unsubscribe_show(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
) -> PageResult {
    page(
        &state,
        &headers,
        csrf.0,
        &token,
        LinkPurpose::Unsubscribe,
        false,
    )
    .await
}

pub async fn unsubscribe_confirm(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
) -> PageResult {
    page(
        &state,
        &headers,
        csrf.0,
        &token,
        LinkPurpose::Unsubscribe,
        true,
    )
    .await
}
