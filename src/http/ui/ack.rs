//! `/ack/{token}`: acknowledging an alert with the signed link of a message, without signing
//! in. Opening the link only shows the alert (mail scanners open links); the button
//! acknowledges it, in the name of the person the message was sent to.

use super::{CsrfToken, PageResult, Tr, render, visitor_tr};
use crate::app::{self, alerts::LinkedAlert};
use crate::domain::AlertStatus;
use crate::http::AppState;
use crate::links::{AckGrant, LinkError};
use crate::store::Alert;
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
    let link = match app::alerts::ack_link(state, &grant, acknowledge).await {
        Ok(link) => link,
        Err(e) => {
            tracing::error!(error = %e, "acknowledge link failed");
            return Err((
                StatusCode::INTERNAL_SERVER_ERROR,
                visitor.t("error-page-internal"),
            )
                .into_response());
        }
    };
    // The person the message went to reads the page in their language.
    let tr = link.locale.map_or_else(|| visitor_tr(headers), Tr::new);
    let Some(LinkedAlert {
        alert,
        company,
        acknowledger,
        done,
    }) = link.alert
    else {
        return Err(invalid(tr, "ack-link-invalid"));
    };
    let company = company.map(|c| c.name).unwrap_or_default();
    let acknowledged_by = alert
        .acknowledged_by
        .as_ref()
        .map(|_| acknowledger.map_or_else(|| tr.t("someone"), |c| c.name));
    Ok(render(&AckPage {
        tr,
        csrf,
        action: crate::links::fill(crate::links::paths::ACK, token),
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
