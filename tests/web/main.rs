//! The web app's security and error handling, in-process on SQLite and PostgreSQL: session
//! cookies, CSRF, sign-in throttling, permissions and form errors. (The flows themselves are
//! tested in a real browser by e2e/web.test.mjs.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../api/app.rs"]
#[allow(dead_code)]
mod app;
#[path = "../common/mod.rs"]
mod common;

mod forms;
mod links;
mod session;

use app::{Answer, TestApp};
use axum::body::Body;
use axum::http::Request;
use reach::auth;
use reach::domain::{ContactId, Password};

const PASSWORD: &str = "a good long password";

/// A browser: its cookies, sent back on every request.
struct Browser<'a> {
    app: &'a TestApp,
    cookies: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            cookies: Vec::new(),
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

    /// Signs in through the form; answers the sign-in response.
    async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        self.get("/").await;
        let csrf = self.cookie("reach_csrf").expect("csrf cookie").to_owned();
        self.post(
            "/login",
            &[("csrf", &csrf), ("email", email), ("password", password)],
        )
        .await
    }

    fn csrf(&self) -> String {
        self.cookie("reach_csrf").expect("csrf cookie").to_owned()
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
    let hash = auth::hash_password(&Password::parse(PASSWORD).expect("password")).expect("hash");
    for user in [&app.admin, &app.tech] {
        let login = read!(
            app.db.store,
            reach::store::users::login_by_token,
            &auth::hash_token(&user.token)
        )
        .await
        .expect("login")
        .expect("user");
        tx!(
            app.db.store,
            reach::store::users::set_password,
            &login.account_id,
            &ContactId::from_string(user.id.clone()),
            &hash
        )
        .await
        .expect("set password");
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
    forms::technicians_are_refused_admin_forms_and_nothing_changes,
    forms::bad_input_is_a_form_error_never_a_server_error,
    links::a_new_user_sets_their_password_with_a_one_time_link,
    links::an_email_is_verified_by_its_signed_link,
    links::a_report_unsubscribe_link_turns_reports_off,
}
