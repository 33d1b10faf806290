//! The web app's security and error handling, in-process on SQLite and PostgreSQL: session
//! cookies, CSRF, sign-in throttling, permissions and form errors. (The flows themselves are
//! tested in a real browser by e2e/web.test.mjs.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../api/app.rs"]
#[allow(dead_code)]
mod app;
#[path = "../common/mod.rs"]
mod common;

mod contacts_io;
mod forms;
mod headers;
mod integrations;
mod links;
mod message_limits;
mod my_account;
mod oncall;
mod oncall_refused;
mod session;
mod setup;
mod signin_limits;
mod slow;
mod tokens;

use app::{Answer, TestApp};
use axum::body::Body;
use axum::http::Request;

const PASSWORD: &str = "a good long password";

/// A browser: its cookies, sent back on every request, and the CSRF token of the last page
/// with a form.
struct Browser<'a> {
    app: &'a TestApp,
    cookies: Vec<(String, String)>,
    token: Option<String>,
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: Vec::new(),
            token: None,
        }
    }

    fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    async fn send(&mut self, request: axum::http::request::Builder, body: Body) -> Answer {
        let cookie_header = self
            .cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let request = request
            .header("cookie", cookie_header)
            .body(body)
            .expect("request");
        let answer = self.app.send(request).await;
        for set in answer.headers.get_all("set-cookie") {
            let set = set.to_str().expect("ascii");
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            self.cookies.retain(|(n, _)| n != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        let marker = "name=\"csrf\" value=\"";
        if let Some(at) = html(&answer).find(marker) {
            let rest = &html(&answer)[at + marker.len()..];
            self.token = rest.split('"').next().map(str::to_owned);
        }
        answer
    }

    async fn get(&mut self, path: &str) -> Answer {
        self.send(
            Request::get(path).header("accept-language", "es-ES,es;q=0.9"),
            Body::empty(),
        )
        .await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", k, url_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept-language", "es-ES,es;q=0.9");
        self.send(request, Body::from(body)).await
    }

    /// Signs in through the form; answers the sign-in response (after opening the page it
    /// leads to, for the session's CSRF token).
    async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        self.get("/").await;
        let csrf = self.csrf();
        let answer = self
            .post(
                "/login",
                &[("csrf", &csrf), ("email", email), ("password", password)],
            )
            .await;
        if let Some(to) = answer.headers.get("location") {
            self.get(to.to_str().expect("ascii")).await;
        }
        answer
    }

    /// The CSRF token of the last page with a form (bound to this browser's session), else
    /// the visitor's CSRF cookie (which a visitor's forms repeat).
    fn csrf(&self) -> String {
        self.token
            .clone()
            .or_else(|| self.cookie("reach_csrf").map(str::to_owned))
            .expect("a page with a form was opened")
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn html(answer: &Answer) -> &str {
    answer.body.as_str().unwrap_or_default()
}

async fn with_passwords(app: &TestApp) {
    for user in [&app.admin, &app.tech] {
        app.set_password(user, PASSWORD).await;
    }
}

macro_rules! on_both_databases {
    ($($module:ident :: $case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let app = crate::app::TestApp::new(crate::common::TestDb::sqlite().await).await;
                    crate::$module::$case(&app).await;
                    app.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let app = crate::app::TestApp::new(crate::common::TestDb::postgres().await).await;
                    crate::$module::$case(&app).await;
                    app.finish().await;
                }
            )*
        }
    };
}

on_both_databases! {
    session::sessions_are_http_only_cookies_and_sign_out_ends_them,
    session::forms_without_the_csrf_token_change_nothing,
    session::failed_sign_ins_are_slowed_then_locked,
    signin_limits::parallel_guesses_get_no_more_tries_than_serial_ones,
    signin_limits::twenty_failures_from_one_address_lock_that_address,
    signin_limits::a_trusted_proxy_passes_on_the_client_address,
    signin_limits::successful_sign_ins_do_not_lock_an_address,
    signin_limits::a_bad_set_password_link_costs_no_hashing,
    my_account::a_new_password_ends_the_other_sessions_only,
    my_account::a_new_primary_email_needs_the_current_password,
    forms::technicians_are_refused_admin_forms_and_nothing_changes,
    forms::bad_input_is_a_form_error_never_a_server_error,
    forms::the_method_form_offers_chat_services_with_help,
    forms::the_schedules_page_shows_who_is_on_call,
    oncall::an_admin_sets_up_a_rotation_an_override_and_a_policy_on_the_pages,
    oncall_refused::technicians_are_refused_the_on_call_forms,
    setup::the_setup_link_creates_the_account_and_first_admin_once,
    links::a_new_user_sets_their_password_with_a_one_time_link,
    links::an_email_is_verified_by_its_signed_link,
    links::a_report_unsubscribe_link_turns_reports_off,
    tokens::a_user_creates_and_revokes_an_api_token_on_my_account,
    headers::every_answer_has_security_headers_and_link_pages_send_no_referrer,
    headers::hsts_is_sent_only_when_the_public_url_is_https,
    headers::a_form_with_another_sessions_token_is_refused,
    slow::slow_clients_are_cut_off,
    message_limits::send_test_and_verify_say_when_to_try_again,
    integrations::an_admin_adds_rotates_and_deletes_integrations_on_their_page,
    integrations::integrations_show_each_kinds_snippet_with_the_url,
    integrations::technicians_are_refused_the_integrations_pages,
    contacts_io::an_admin_previews_a_file_then_applies_it,
    contacts_io::a_bad_file_shows_its_cells_and_changes_nothing,
}
