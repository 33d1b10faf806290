//! `/ack/{token}`: acknowledging an alert with the signed link of a message, without signing
//! in. Opening the link only shows the alert (mail scanners open links); the button
//! acknowledges it, in the name of the person the message was sent to.

use super::{CsrfToken, PageResult, Tr, render, visitor_tr};
use crate::delivery::links::{AckGrant, LinkError};
use crate::domain::{AlertStatus, CompanyAccess};
use crate::http::AppState;
use crate::store::{Alert, Store, StoreError};
use askama::Template;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use std::sync::Arc;

#[derive(Template)]
#[template(path = "pages/ack.html")]
struct AckPage {
    tr: Tr,
    csrf: String,
    action: String,
    /// Why the link does not work, if it does not.
    problem: Option<String>,
    alert: Option<Alert>,
    company: String,
    /// Who acknowledged it, when it is.
    acknowledged_by: Option<String>,
    /// Just acknowledged with this request.
    done: bool,
}

impl AckPage {
    fn severity(&self) -> String {
        self.alert.as_ref().map_or_else(String::new, |a| {
            self.tr.t(&format!("severity-{}", a.severity.as_str()))
        })
    }

    fn firing(&self) -> bool {
        self.alert
            .as_ref()
            .is_some_and(|a| a.status == AlertStatus::Firing)
    }
}

/// The page for `token` after acknowledging (when `acknowledge`).
async fn page(
    state: &AppState,
    headers: &HeaderMap,
    csrf: String,
    token: &str,
    acknowledge: bool,
) -> PageResult {
    let now = chrono::Utc::now();
    let visitor = visitor_tr(headers);
    let invalid = |tr: Tr, why: &str| {
        let problem = Some(tr.t(why));
        (
            StatusCode::NOT_FOUND,
            render(&AckPage {
                tr,
                csrf: String::new(),
                action: String::new(),
                problem,
                alert: None,
                company: String::new(),
                acknowledged_by: None,
                done: false,
            }),
        )
            .into_response()
    };
    let grant: AckGrant = match state.links.check_ack(token, now) {
        Ok(grant) => grant,
        Err(LinkError::Expired) => return Err(invalid(visitor, "ack-link-expired")),
        Err(LinkError::Invalid) => return Err(invalid(visitor, "ack-link-invalid")),
    };
    let all = CompanyAccess::All;
    let account = &grant.account_id;
    let internal = |e: StoreError| {
        tracing::error!(error = %e, "acknowledge link failed");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            visitor.t("error-page-internal"),
        )
            .into_response()
    };
    // The person the message went to reads the page in their language.
    let person = match state.store.contact(account, &all, &grant.contact_id).await {
        Ok(contact) => Some(contact),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(internal(e)),
    };
    let locale = match person.as_ref().and_then(|p| p.locale) {
        Some(locale) => Some(locale),
        None => match state.store.account(account).await {
            Ok(a) => Some(a.locale),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(internal(e)),
        },
    };
    let tr = locale.map_or_else(|| visitor_tr(headers), Tr::new);
    if person.is_none() {
        return Err(invalid(tr, "ack-link-invalid"));
    }
    let alert = match state.store.alert(account, &all, &grant.alert_id).await {
        Ok(alert) => alert,
        Err(StoreError::NotFound) => return Err(invalid(tr, "ack-link-invalid")),
        Err(e) => return Err(internal(e)),
    };
    let done =
        acknowledge && alert.status == AlertStatus::Firing && alert.acknowledged_at.is_none();
    let alert = if done {
        let acked = state
            .store
            .acknowledge_alert(account, &all, &alert.id, &grant.contact_id, now)
            .await
            .map_err(internal)?;
        tracing::info!(alert = %acked.id, by = %grant.contact_id, "acknowledged by link");
        acked
    } else {
        alert
    };
    let company = match state.store.company(account, &all, &alert.company_id).await {
        Ok(c) => c.name.to_string(),
        Err(StoreError::NotFound) => String::new(),
        Err(e) => return Err(internal(e)),
    };
    let acknowledged_by = match &alert.acknowledged_by {
        Some(id) => Some(match state.store.contact(account, &all, id).await {
            Ok(c) => c.name,
            Err(StoreError::NotFound) => tr.t("someone"),
            Err(e) => return Err(internal(e)),
        }),
        None => None,
    };
    Ok(render(&AckPage {
        tr,
        csrf,
        action: format!("/ack/{token}"),
        problem: None,
        alert: Some(alert),
        company,
        acknowledged_by,
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

pub async fn acknowledge(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    Path(token): Path<String>,
) -> PageResult {
    page(&state, &headers, csrf.0, &token, true).await
}
