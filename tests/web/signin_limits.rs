//! SPEC §4 "Hostile input and abuse" for passwords: sign-in tries are counted before any
//! hashing, per email and per client address, and a bad set-password link costs no hashing.

use crate::app::TestApp;
use crate::{Browser, PASSWORD, html, url_encode, with_passwords};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use tower::ServiceExt;

/// The Spanish answers of the sign-in page (the requests ask for Spanish).
const WRONG: &str = "El correo o la contraseña no son correctos.";
const EMAIL_LOCKED: &str = "Demasiados intentos fallidos. Vuelve";
const ADDRESS_LOCKED: &str = "Demasiados intentos fallidos desde tu red.";

/// How a sign-in was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    SignedIn,
    Wrong,
    EmailLocked,
    AddressLocked,
}

/// Sign-ins sent at once, each from `peer` when given (as `serve` would record the TCP
/// peer), with the CSRF cookie and token of one visit to the sign-in page.
async fn sign_ins(app: &TestApp, tries: &[(&str, &str, Option<SocketAddr>)]) -> Vec<Outcome> {
    sign_ins_via(app, tries, None).await
}

/// [`sign_ins`] with an `X-Forwarded-For` header (as a reverse proxy adds).
async fn sign_ins_via(
    app: &TestApp,
    tries: &[(&str, &str, Option<SocketAddr>)],
    forwarded_for: Option<&str>,
) -> Vec<Outcome> {
    let mut visitor = Browser::new(app);
    visitor.get("/").await;
    let csrf = visitor.csrf();
    let mut calls = tokio::task::JoinSet::new();
    for (i, (email, password, peer)) in tries.iter().enumerate() {
        let body = format!(
            "csrf={}&email={}&password={}",
            url_encode(&csrf),
            url_encode(email),
            url_encode(password)
        );
        let mut request = Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept-language", "es-ES,es;q=0.9")
            .header("cookie", format!("reach_csrf={csrf}"));
        if let Some(peer) = peer {
            request = request.extension(ConnectInfo(*peer));
        }
        if let Some(forwarded_for) = forwarded_for {
            request = request.header("x-forwarded-for", forwarded_for);
        }
        let request = request.body(Body::from(body)).expect("request");
        let router = app.router.clone();
        calls.spawn(async move {
            let response = router.oneshot(request).await.expect("response");
            let status = response.status();
            let bytes = response.into_body().collect().await.expect("body");
            let page = String::from_utf8_lossy(&bytes.to_bytes()).into_owned();
            (i, outcome(status, &page))
        });
    }
    let mut outcomes = Vec::new();
    while let Some(answer) = calls.join_next().await {
        outcomes.push(answer.expect("task"));
    }
    outcomes.sort_unstable();
    outcomes.into_iter().map(|(_, o)| o).collect()
}

fn outcome(status: StatusCode, page: &str) -> Outcome {
    if status == StatusCode::SEE_OTHER {
        return Outcome::SignedIn;
    }
    assert_eq!(status, StatusCode::OK, "{page}");
    if page.contains(ADDRESS_LOCKED) {
        Outcome::AddressLocked
    } else if page.contains(EMAIL_LOCKED) {
        Outcome::EmailLocked
    } else {
        assert!(page.contains(WRONG), "{page}");
        Outcome::Wrong
    }
}

fn count(outcomes: &[Outcome], which: Outcome) -> usize {
    outcomes.iter().filter(|o| **o == which).count()
}

/// Twenty wrong passwords at once for one email get five real tries; the rest, and then the
/// right password, are refused by the lock.
pub async fn parallel_guesses_get_no_more_tries_than_serial_ones(app: &TestApp) {
    with_passwords(app).await;
    let guesses = vec![("ana@acme.example", "not the password", None); 20];
    let outcomes = sign_ins(app, &guesses).await;
    assert_eq!(
        (
            count(&outcomes, Outcome::Wrong),
            count(&outcomes, Outcome::EmailLocked)
        ),
        (5, 15),
        "{outcomes:?}"
    );
    let right = sign_ins(app, &[("ana@acme.example", PASSWORD, None)]).await;
    assert_eq!(
        right,
        [Outcome::EmailLocked],
        "the right password waits too"
    );
    let other = sign_ins(app, &[("tess@acme.example", PASSWORD, None)]).await;
    assert_eq!(other, [Outcome::SignedIn], "the lock is per email");
}

/// Twenty failures from one address, over twenty emails, lock that address: even a right
/// password from it is refused, while the same account signs in from another address.
pub async fn twenty_failures_from_one_address_lock_that_address(app: &TestApp) {
    with_passwords(app).await;
    let guesser: SocketAddr = "203.0.113.7:40000".parse().expect("address");
    let emails = (0..20)
        .map(|i| format!("guess{i}@acme.example"))
        .collect::<Vec<_>>();
    let guesses = emails
        .iter()
        .map(|e| (e.as_str(), "not the password", Some(guesser)))
        .collect::<Vec<_>>();
    let outcomes = sign_ins(app, &guesses).await;
    assert_eq!(count(&outcomes, Outcome::Wrong), 20, "{outcomes:?}");
    let same_port_other_connection: SocketAddr = "203.0.113.7:40001".parse().expect("address");
    let refused = sign_ins(
        app,
        &[(
            "ana@acme.example",
            PASSWORD,
            Some(same_port_other_connection),
        )],
    )
    .await;
    assert_eq!(refused, [Outcome::AddressLocked]);
    let elsewhere: SocketAddr = "198.51.100.20:50000".parse().expect("address");
    let signed_in = sign_ins(app, &[("ana@acme.example", PASSWORD, Some(elsewhere))]).await;
    assert_eq!(signed_in, [Outcome::SignedIn]);
}

/// Behind a trusted reverse proxy (the test app trusts 10.9.0.0/16), failures count against
/// the client the proxy names, not against the proxy: one guesser locks only itself, and a
/// client's own `X-Forwarded-For` entries (left of the proxy's) are not believed.
pub async fn a_trusted_proxy_passes_on_the_client_address(app: &TestApp) {
    with_passwords(app).await;
    let proxy: SocketAddr = "10.9.0.1:443".parse().expect("address");
    let emails = (0..20)
        .map(|i| format!("guess{i}@acme.example"))
        .collect::<Vec<_>>();
    let guesses = emails
        .iter()
        .map(|e| (e.as_str(), "not the password", Some(proxy)))
        .collect::<Vec<_>>();
    let outcomes = sign_ins_via(app, &guesses, Some("203.0.113.50")).await;
    assert_eq!(count(&outcomes, Outcome::Wrong), 20, "{outcomes:?}");
    for forged in ["203.0.113.50", "198.51.100.77, 203.0.113.50"] {
        let refused = sign_ins_via(
            app,
            &[("ana@acme.example", PASSWORD, Some(proxy))],
            Some(forged),
        )
        .await;
        assert_eq!(refused, [Outcome::AddressLocked], "{forged}");
    }
    let other_client = sign_ins_via(
        app,
        &[("ana@acme.example", PASSWORD, Some(proxy))],
        Some("198.51.100.77"),
    )
    .await;
    assert_eq!(
        other_client,
        [Outcome::SignedIn],
        "the proxy itself is not locked"
    );
    // An untrusted peer's header is ignored: it is counted as itself.
    let stranger: SocketAddr = "203.0.113.50:5000".parse().expect("address");
    let ignored = sign_ins_via(
        app,
        &[("ana@acme.example", PASSWORD, Some(stranger))],
        Some("198.51.100.77"),
    )
    .await;
    assert_eq!(ignored, [Outcome::AddressLocked]);
}

/// Successful sign-ins from one address (an office behind one router) do not add up to a
/// lock: a success takes its try back.
pub async fn successful_sign_ins_do_not_lock_an_address(app: &TestApp) {
    with_passwords(app).await;
    let office: SocketAddr = "192.0.2.10:1234".parse().expect("address");
    for n in 0..25 {
        let who = if n % 2 == 0 {
            "tess@acme.example"
        } else {
            "ana@acme.example"
        };
        let outcome = sign_ins(app, &[(who, PASSWORD, Some(office))]).await;
        assert_eq!(outcome, [Outcome::SignedIn], "sign-in {n}");
    }
}

/// A set-password post with a bad link answers without hashing: it answers even while every
/// hasher is held, and changes nothing.
pub async fn a_bad_set_password_link_costs_no_hashing(app: &TestApp) {
    let path = "/set-password/not-a-real-link-not-a-real-link-0000";
    let mut visitor = Browser::new(app);
    assert_eq!(visitor.get(path).await.status, StatusCode::NOT_FOUND);
    let csrf = visitor.csrf();
    let before = app.snapshot().await;
    let held = reach::auth::hold_all_hashers().await.expect("hashers");
    let answer = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        visitor.post(path, &[("csrf", &csrf), ("password", "my own password 42")]),
    )
    .await
    .expect("answered without waiting for a hasher");
    drop(held);
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", html(&answer));
    assert_eq!(app.snapshot().await, before);
}
