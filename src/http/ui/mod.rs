//! The web app: server-rendered pages (askama), English and Spanish (Fluent), every form
//! working without JavaScript. Pages use the same permission code
//! ([`Caller`](crate::auth::Caller)) and the same domain parsing as the API; nothing here
//! decides who may do what.
//!
//! Handlers live in one module per area; the page context ([`Web`], [`AdminWeb`]) in `web`,
//! the CSRF-checked [`Form`] extractor in `form`; the routes and the helpers every page shares
//! (rendering, redirects, the confirmation page) here.

mod account;
mod ack;
mod alerts;
mod audit;
mod companies;
mod contacts;
mod contacts_io;
mod integration_form;
mod integrations;
mod schedule_edit;
mod schedule_form;
mod schedules;

mod method_link;
mod methods;
mod password_link;
mod policies;
mod policy_form;
mod report_form;
mod reports;
mod session;
mod settings;
mod setup;
mod tokens;
mod users;
mod verify;

mod form;
mod upload;
mod web;

pub use crate::i18n::{FormErrors, Tr};
pub use form::{CsrfToken, Form};
pub use web::{AdminWeb, Web, visitor_tr};

use crate::http::AppState;
use crate::http::headers::no_referrer;
use crate::links::paths;
use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::middleware;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use form::csrf_cookie;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "reach_session";
const COMPANY_COOKIE: &str = "reach_company";

/// The web app's routes; `state` keys the CSRF tokens.
pub fn routes(state: &Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(session::home))
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .route("/company", post(session::switch_company))
        .route(
            paths::ACK,
            get(ack::show).post(ack::acknowledge).layer(no_referrer()),
        )
        .route(
            paths::VERIFY,
            get(method_link::verify_show)
                .post(method_link::verify_confirm)
                .layer(no_referrer()),
        )
        .route(
            paths::UNSUBSCRIBE,
            get(method_link::unsubscribe_show)
                .post(method_link::unsubscribe_confirm)
                .layer(no_referrer()),
        )
        .route(
            paths::SETUP,
            get(setup::form).post(setup::create).layer(no_referrer()),
        )
        .route("/alerts", get(alerts::list))
        .route(paths::ALERT, get(alerts::detail))
        .route("/alerts/{id}/ack", post(alerts::acknowledge))
        .route("/delivery", get(alerts::delivery))
        .route("/audit", get(audit::list))
        .route(
            paths::SET_PASSWORD,
            get(password_link::form)
                .post(password_link::set)
                .layer(no_referrer()),
        )
        .route(
            "/configure/contacts",
            get(contacts::list).post(contacts::create),
        )
        .route("/configure/contacts/export", get(contacts_io::export))
        .route(
            contacts_io::IMPORT,
            get(contacts_io::back).post(contacts_io::import).layer(
                axum::extract::DefaultBodyLimit::max(
                    crate::http::api::contacts_io::IMPORT_BODY_LIMIT + 1024 * 1024,
                ),
            ),
        )
        .route(
            "/configure/contacts/{id}/edit",
            get(contacts::edit_form).post(contacts::edit),
        )
        .route(
            "/configure/contacts/{id}/delete",
            get(contacts::delete_form).post(contacts::delete),
        )
        .route(
            "/configure/contacts/{id}/methods/new",
            get(methods::form).post(methods::create),
        )
        .route(
            "/configure/contacts/{id}/methods/{method_id}/edit",
            get(methods::edit_form).post(methods::edit),
        )
        .route(
            "/configure/contacts/{id}/methods/{method_id}/verify",
            get(verify::form).post(verify::send),
        )
        .route(
            "/configure/contacts/{id}/methods/{method_id}/verify/confirm",
            post(verify::confirm),
        )
        .route(
            "/configure/contacts/{id}/methods/{method_id}/test",
            post(verify::test),
        )
        .route(
            "/configure/contacts/{id}/methods/{method_id}/delete",
            get(methods::delete_form).post(methods::delete),
        )
        .route(
            "/configure/account",
            get(account::page).post(account::update),
        )
        .route("/configure/account/password", post(account::password))
        .route("/configure/account/tokens", post(tokens::create))
        .route(
            "/configure/account/tokens/{id}/revoke",
            get(tokens::revoke_form).post(tokens::revoke),
        )
        .route(
            "/configure/companies",
            get(companies::list).post(companies::create),
        )
        .route(
            "/configure/companies/{id}/edit",
            get(companies::edit_form).post(companies::edit),
        )
        .route(
            "/configure/companies/{id}/maintenance",
            post(companies::add_window),
        )
        .route(
            "/configure/companies/{id}/maintenance/{window_id}/delete",
            post(companies::delete_window),
        )
        .route(
            "/configure/companies/{id}/delete",
            get(companies::delete_form).post(companies::delete),
        )
        .route("/configure/users", get(users::list).post(users::create))
        .route(
            "/configure/reports",
            get(reports::list).post(reports::create),
        )
        .route(
            "/configure/reports/{id}",
            get(reports::edit_form).post(reports::edit),
        )
        .route("/configure/reports/{id}/run", post(reports::run))
        .route(
            "/configure/reports/{id}/delete",
            get(reports::delete_form).post(reports::delete),
        )
        .route(
            "/configure/integrations",
            get(integrations::list).post(integrations::create),
        )
        .route(
            "/configure/schedules",
            get(schedules::list).post(schedules::create),
        )
        .route(
            "/configure/escalation-policies",
            get(policies::list).post(policies::create),
        )
        .route(
            "/configure/escalation-policies/{id}",
            get(policies::edit_form).post(policies::edit),
        )
        .route(
            "/configure/escalation-policies/{id}/delete",
            get(policies::delete_form).post(policies::delete),
        )
        .route(
            "/configure/schedules/{id}",
            get(schedule_edit::edit_form).post(schedule_edit::edit),
        )
        .route(
            "/configure/schedules/{id}/delete",
            get(schedule_edit::delete_form).post(schedule_edit::delete),
        )
        .route(
            "/configure/schedules/{id}/overrides",
            post(schedules::add_override),
        )
        .route("/configure/schedules/{id}/feed", post(schedules::new_feed))
        .route(
            "/configure/schedules/{id}/overrides/{over}/delete",
            post(schedules::delete_override),
        )
        .route(
            "/configure/integrations/{id}/edit",
            get(integrations::edit_form).post(integrations::edit),
        )
        .route(
            "/configure/integrations/{id}/rotate",
            get(integrations::rotate_form).post(integrations::rotate),
        )
        .route(
            "/configure/integrations/{id}/delete",
            get(integrations::delete_form).post(integrations::delete),
        )
        .route(
            "/configure/users/{id}/edit",
            get(users::edit_form).post(users::edit),
        )
        .route(
            "/configure/settings",
            get(settings::page).post(settings::update),
        )
        .route(
            "/assets/style.css",
            get(|| stylesheet(include_str!("../../../assets/style.css"))),
        )
        .route(
            "/assets/api-docs.css",
            get(|| stylesheet(include_str!("../../../assets/api-docs.css"))),
        )
        .layer(middleware::from_fn_with_state(state.clone(), csrf_cookie))
}

async fn stylesheet(css: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        css,
    )
        .into_response()
}

/// Renders a template; a template that fails to render is an internal error.
pub fn render(page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a page failed to render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A page answered with 422: the same form again, with its field errors.
pub fn refused(mut page: Response) -> Response {
    *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    page
}

/// Where to go after a change, with the confirmation to show at the top of that page.
pub fn done(path: &str, message: &str) -> Response {
    let separator = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{separator}done={message}")).into_response()
}

/// The confirmation message for a `done` key, if it is one of ours.
pub fn confirmation(web: &Web, done: Option<&str>) -> Option<String> {
    let key = done?;
    key.chars()
        .all(|c| c.is_ascii_lowercase() || c == '-')
        .then(|| web.t(&format!("done-{key}")))
}

/// Shared by every confirmation page: "Delete X?" with OK (a POST) and Cancel (a link back).
#[derive(Debug, Template)]
#[template(path = "pages/confirm.html")]
pub struct ConfirmPage<'a> {
    pub web: &'a Web,
    pub title: String,
    pub question: String,
    pub action: String,
    pub cancel: String,
}

/// Renders the delete confirmation page.
pub fn confirm(web: &Web, question: String, action: String, cancel: &str) -> Response {
    render(&ConfirmPage {
        web,
        title: web.t("confirm-title"),
        question,
        action,
        cancel: cancel.to_owned(),
    })
}

pub(crate) type PageResult = Result<Response, Response>;
