//! The web app's security and error handling, in-process on SQLite and PostgreSQL: session
//! cookies, CSRF, sign-in throttling, permissions and form errors. (The flows themselves are
//! tested in a real browser by e2e/web.test.mjs.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../api/app.rs"]
#[allow(dead_code)]
mod app;
#[path = "../common/mod.rs"]
mod common;

use app::{Answer, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode};
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

async fn sessions_are_http_only_cookies_and_sign_out_ends_them(app: &TestApp) {
    with_passwords(app).await;
    let mut browser = Browser::new(app);
    let signed_in = browser.sign_in("ana@acme.example", PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers["location"], "/configure/contacts");
    let set = signed_in
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .collect::<Vec<_>>();
    let session = set
        .iter()
        .find(|c| c.starts_with("reach_session="))
        .expect("session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "plain http in tests");
    let page = browser.get("/configure/contacts").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        html(&page).contains("<html lang=\"es\">"),
        "Accept-Language picks Spanish"
    );
    assert!(html(&page).contains("Añadir un contacto"));
    assert!(!html(&page).contains("type=\"password\""));
    let csrf = browser.csrf();
    let out = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    browser.cookies.push((
        "reach_session".into(),
        session
            .split(';')
            .next()
            .unwrap_or_default()
            .trim_start_matches("reach_session=")
            .to_owned(),
    ));
    let after = browser.get("/configure/contacts").await;
    assert_eq!(
        after.status,
        StatusCode::SEE_OTHER,
        "the old session id is dead"
    );
}

async fn forms_without_the_csrf_token_change_nothing(app: &TestApp) {
    with_passwords(app).await;
    let mut browser = Browser::new(app);
    browser.sign_in("ana@acme.example", PASSWORD).await;
    let before = app.snapshot().await;
    for token in ["", "forged-token-forged-token-forged-token-00"] {
        let refused = browser
            .post(
                "/configure/contacts",
                &[("csrf", token), ("name", "Forged"), ("access", "all")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(app.snapshot().await, before);
}

async fn failed_sign_ins_are_slowed_then_locked(app: &TestApp) {
    with_passwords(app).await;
    let mut browser = Browser::new(app);
    for _ in 0..5 {
        let wrong = browser
            .sign_in("ana@acme.example", "not the password")
            .await;
        assert_eq!(wrong.status, StatusCode::OK);
        assert!(html(&wrong).contains("role=\"alert\""));
    }
    let locked = browser.sign_in("ana@acme.example", PASSWORD).await;
    assert_eq!(
        locked.status,
        StatusCode::OK,
        "even the right password waits for the lock"
    );
    assert!(
        html(&locked).contains("Demasiados intentos"),
        "{}",
        html(&locked)
    );
    let other = Browser::new(app)
        .sign_in("tess@acme.example", PASSWORD)
        .await;
    assert_eq!(other.status, StatusCode::SEE_OTHER, "the lock is per email");
}

async fn technicians_are_refused_admin_forms_and_nothing_changes(app: &TestApp) {
    with_passwords(app).await;
    let mut browser = Browser::new(app);
    browser.sign_in("tess@acme.example", PASSWORD).await;
    let csrf = browser.csrf();
    let before = app.snapshot().await;
    let admin_contact = format!("/configure/contacts/{}", app.admin.id);
    for (path, fields) in [
        (
            "/configure/contacts".to_owned(),
            vec![("name", "X"), ("access", "all")],
        ),
        ("/configure/companies".to_owned(), vec![("name", "X")]),
        (
            "/configure/users".to_owned(),
            vec![
                ("name", "X"),
                ("email", "x@example.com"),
                ("role", "admin"),
                ("access", "all"),
            ],
        ),
        (
            "/configure/settings".to_owned(),
            vec![
                ("name", "X"),
                ("default_region", "US"),
                ("locale", "en"),
                ("timezone", "UTC"),
                ("repeat_interval_minutes", "5"),
            ],
        ),
        (
            format!("{admin_contact}/edit"),
            vec![("name", "X"), ("access", "all")],
        ),
        (format!("{admin_contact}/delete"), vec![]),
        (
            format!("{admin_contact}/methods/new"),
            vec![("type", "sms"), ("address", "612345678")],
        ),
    ] {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(fields);
        let refused = browser.post(&path, &all).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            html(&refused).contains("Tu rol no permite"),
            "{path}: translated message"
        );
    }
    assert_eq!(
        browser.get("/configure/settings").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.snapshot().await, before);
}

async fn bad_input_is_a_form_error_never_a_server_error(app: &TestApp) {
    with_passwords(app).await;
    let mut browser = Browser::new(app);
    browser.sign_in("ana@acme.example", PASSWORD).await;
    let csrf = browser.csrf();
    let before = app.snapshot().await;
    let bad = browser
        .post(
            "/configure/contacts",
            &[("csrf", &csrf), ("name", "a\u{7}b"), ("access", "chosen")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&bad).contains("aria-invalid=\"true\""));
    assert!(
        html(&bad).contains("value=\"a\u{7}b\""),
        "the typed value is kept"
    );
    let method = format!("/configure/contacts/{}/methods/new", app.admin.id);
    let bad_email = browser
        .post(
            &method,
            &[("csrf", &csrf), ("type", "email"), ("address", "a@b@c")],
        )
        .await;
    assert_eq!(bad_email.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&bad_email).contains("Introduce una dirección de correo válida"));
    for fields in [
        vec![("type", "fax"), ("address", "1")],
        vec![
            ("type", "sms"),
            ("address", "612345678"),
            ("delay_minutes", "soon"),
        ],
        vec![
            ("type", "sms"),
            ("address", "612345678"),
            ("quiet_from", "25:99"),
        ],
        vec![("type", "webhook"), ("address", "http://10.0.0.1/")],
    ] {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(fields.clone());
        let answer = browser.post(&method, &all).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{fields:?}"
        );
    }
    assert_eq!(
        browser
            .get("/configure/contacts/no-such-id/edit")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.snapshot().await, before);
}

async fn a_new_user_sets_their_password_with_a_one_time_link(app: &TestApp) {
    with_passwords(app).await;
    let mut admin = Browser::new(app);
    admin.sign_in("ana@acme.example", PASSWORD).await;
    let csrf = admin.csrf();
    let added = admin
        .post(
            "/configure/users",
            &[
                ("csrf", &csrf),
                ("name", "Nuevo Usuario"),
                ("email", "nuevo@acme.example"),
                ("role", "technician"),
                ("access", "all"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::OK);
    let page = html(&added);
    let start = page
        .find("http://reach.test/set-password/")
        .expect("the link is shown");
    let link = &page[start..];
    let link = &link[..link.find('<').expect("end of link")];
    let path = link.trim_start_matches("http://reach.test");

    let mut newcomer = Browser::new(app);
    assert_eq!(newcomer.get(path).await.status, StatusCode::OK);
    let csrf = newcomer.csrf();
    let short = newcomer
        .post(path, &[("csrf", &csrf), ("password", "short")])
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&short).contains("Al menos 12 caracteres"));
    let set = newcomer
        .post(path, &[("csrf", &csrf), ("password", "my own password 42")])
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    assert_eq!(set.headers["location"], "/?done=password-set");
    let signed_in = newcomer
        .sign_in("nuevo@acme.example", "my own password 42")
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    let again = Browser::new(app).get(path).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "the link works once");
    let reuse = newcomer
        .post(
            path,
            &[("csrf", &csrf), ("password", "another password 43")],
        )
        .await;
    assert_eq!(reuse.status, StatusCode::NOT_FOUND);
}

/// An email method is verified with the signed link of its verification email: opening it
/// changes nothing, the button verifies; a link for an old address or a forged one does not.
async fn an_email_is_verified_by_its_signed_link(app: &TestApp) {
    use reach::links::LinkSigner;
    let admin = &app.admin.token;
    let nora = app
        .post(
            "/api/v1/contacts",
            admin,
            serde_json::json!({"name": "Nora", "companies": "all", "locale": "es"}),
        )
        .await
        .str("/id");
    let method = app
        .post(
            &format!("/api/v1/contacts/{nora}/methods"),
            admin,
            serde_json::json!({"type": "email", "address": "nora@example.com"}),
        )
        .await
        .str("/id");
    let signer = LinkSigner::new("test-secret-key-test-secret-key-00", "http://reach.test");
    let account = app.get("/api/v1/account", admin).await.str("/id");
    let soon = chrono::Utc::now() + chrono::Duration::minutes(10);
    let url = signer.verify_url(&account, &nora, &method, "nora@example.com", soon);
    let path = url.trim_start_matches("http://reach.test");
    let verified = || async {
        app.get(&format!("/api/v1/contacts/{nora}/methods/{method}"), admin)
            .await
            .body["verified"]
            .clone()
    };

    let mut visitor = Browser::new(app);
    let shown = visitor.get(path).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(
        html(&shown).contains("¿Es tuya nora@example.com?"),
        "in Nora's language"
    );
    assert_eq!(verified().await, false, "opening the link changes nothing");
    let csrf = visitor.csrf();
    let done = visitor.post(path, &[("csrf", &csrf)]).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(html(&done).contains("El método de contacto está verificado."));
    assert_eq!(verified().await, true);

    // A link for another address of this method, an expired one, and a forged one.
    let other = signer.verify_url(&account, &nora, &method, "old@example.com", soon);
    let expired = signer.verify_url(
        &account,
        &nora,
        &method,
        "nora@example.com",
        chrono::Utc::now(),
    );
    let forged = LinkSigner::new("another-key-another-key-another-key", "http://reach.test")
        .verify_url(&account, &nora, &method, "nora@example.com", soon);
    for url in [other, expired, forged] {
        let answer = Browser::new(app)
            .get(url.trim_start_matches("http://reach.test"))
            .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{url}");
    }
}

/// The unsubscribe link of a report email turns reports off for that method only; opening it
/// changes nothing.
async fn a_report_unsubscribe_link_turns_reports_off(app: &TestApp) {
    use reach::links::LinkSigner;
    let admin = &app.admin.token;
    let nora = app
        .post(
            "/api/v1/contacts",
            admin,
            serde_json::json!({"name": "Nora", "companies": "all"}),
        )
        .await
        .str("/id");
    let mut methods = Vec::new();
    for address in ["nora@example.com", "nora@home.example"] {
        methods.push(
            app.post(
                &format!("/api/v1/contacts/{nora}/methods"),
                admin,
                serde_json::json!({"type": "email", "address": address}),
            )
            .await
            .str("/id"),
        );
    }
    let account = app.get("/api/v1/account", admin).await.str("/id");
    let signer = LinkSigner::new("test-secret-key-test-secret-key-00", "http://reach.test");
    let url = signer.unsubscribe_url(
        &account,
        &nora,
        &methods[0],
        chrono::Utc::now() + chrono::Duration::days(1),
    );
    let path = url.trim_start_matches("http://reach.test");
    let reports = |m: &str| {
        let path = format!("/api/v1/contacts/{nora}/methods/{m}");
        async move { app.get(&path, admin).await.body["reports"].clone() }
    };
    let mut visitor = Browser::new(app);
    let shown = visitor.get(path).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(html(&shown).contains("nora@example.com"));
    assert_eq!(reports(&methods[0]).await, true, "opening changes nothing");
    let csrf = visitor.csrf();
    let done = visitor.post(path, &[("csrf", &csrf)]).await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(reports(&methods[0]).await, false);
    assert_eq!(reports(&methods[1]).await, true, "only that method");
    let forged = LinkSigner::new("another-key-another-key-another-key", "http://reach.test")
        .unsubscribe_url(
            &account,
            &nora,
            &methods[1],
            chrono::Utc::now() + chrono::Duration::days(1),
        );
    let refused = Browser::new(app)
        .post(
            forged.trim_start_matches("http://reach.test"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_ne!(refused.status, StatusCode::OK);
    assert_eq!(reports(&methods[1]).await, true);
}

macro_rules! on_both_databases {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let app = crate::app::TestApp::new(crate::common::TestDb::sqlite().await).await;
                    crate::$case(&app).await;
                    app.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let app = crate::app::TestApp::new(crate::common::TestDb::postgres().await).await;
                    crate::$case(&app).await;
                    app.finish().await;
                }
            )*
        }
    };
}

on_both_databases! {
    sessions_are_http_only_cookies_and_sign_out_ends_them,
    forms_without_the_csrf_token_change_nothing,
    failed_sign_ins_are_slowed_then_locked,
    technicians_are_refused_admin_forms_and_nothing_changes,
    bad_input_is_a_form_error_never_a_server_error,
    a_new_user_sets_their_password_with_a_one_time_link,
    an_email_is_verified_by_its_signed_link,
    a_report_unsubscribe_link_turns_reports_off,
}
