//! SPEC §1: test and verification messages are rate limited — one of either kind per method
//! per minute, five per destination address (type and address) per account per hour, flood
//! digests included; beyond that 429 with `Retry-After`, and nothing is queued or written.
//!
//! The use cases read the real time, so these tests "move the clock" by moving every stored
//! message back in time, as if that much time had passed.

use crate::app::{Answer, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;
use tower::ServiceExt;

/// Every stored notification and pending code, as if `seconds` had passed.
pub async fn time_passes(app: &TestApp, seconds: i64) {
    let ms = seconds * 1000;
    let mut tx = app.db.store.write().await.expect("tx");
    sqlx::query(
        "UPDATE notifications SET created_at = created_at - $1, \
         next_attempt_at = next_attempt_at - $2, sent_at = sent_at - $3",
    )
    .bind(ms)
    .bind(ms)
    .bind(ms)
    .execute(&mut *tx)
    .await
    .expect("move notifications");
    sqlx::query(
        "UPDATE method_verifications SET created_at = created_at - $1, expires_at = expires_at - $2",
    )
    .bind(ms)
    .bind(ms)
    .execute(&mut *tx)
    .await
    .expect("move codes");
    tx.commit().await.expect("commit");
}

/// How many rows a table holds.
async fn count(app: &TestApp, table: &str) -> i64 {
    let mut db = app.db.store.read().await.expect("read");
    sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&mut *db)
        .await
        .expect("count")
}

/// The pending codes (their hashes, with their expiry).
async fn pending_codes(app: &TestApp) -> Vec<(String, i64)> {
    let mut db = app.db.store.read().await.expect("read");
    sqlx::query_as::<_, (String, i64)>(
        "SELECT code_hash, expires_at FROM method_verifications ORDER BY code_hash",
    )
    .fetch_all(&mut *db)
    .await
    .expect("codes")
}

/// A new contact of Northwind and a method of it; the method's API path.
async fn method(app: &TestApp, name: &str, kind: &str, address: &str) -> String {
    let admin = &app.admin.token;
    let contact = app
        .post(
            "/api/v1/contacts",
            admin,
            json!({"name": name, "companies": [app.northwind.id.to_string()]}),
        )
        .await
        .str("/id");
    second_method(app, &format!("/api/v1/contacts/{contact}"), kind, address).await
}

/// Another method of the contact at `contact_path`; its API path.
async fn second_method(app: &TestApp, contact_path: &str, kind: &str, address: &str) -> String {
    let added = app
        .post(
            &format!("{contact_path}/methods"),
            &app.admin.token,
            json!({"type": kind, "address": address}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    format!("{contact_path}/methods/{}", added.str("/id"))
}

async fn test(app: &TestApp, method: &str) -> Answer {
    app.post(&format!("{method}/test"), &app.admin.token, json!(null))
        .await
}

async fn code(app: &TestApp, method: &str) -> Answer {
    app.post(
        &format!("{method}/verification"),
        &app.admin.token,
        json!(null),
    )
    .await
}

/// A 429 problem document with `Retry-After`: its seconds.
fn refused(answer: &Answer) -> u64 {
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.body
    );
    assert_eq!(
        answer.headers["content-type"], "application/problem+json",
        "{:?}",
        answer.headers
    );
    assert_eq!(answer.body["status"], 429, "{}", answer.body);
    answer.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("Retry-After in whole seconds")
}

fn accepted(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
}

pub async fn one_message_per_method_per_minute(app: &TestApp) {
    let sms = method(app, "Nora", "sms", "+34612345678").await;
    accepted(&test(app, &sms).await);
    let (notifications, codes) = (
        count(app, "notifications").await,
        count(app, "method_verifications").await,
    );
    let wait = refused(&test(app, &sms).await);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    let wait = refused(&code(app, &sms).await);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    assert_eq!(
        count(app, "notifications").await,
        notifications,
        "nothing queued"
    );
    assert_eq!(
        count(app, "method_verifications").await,
        codes,
        "no code stored"
    );
    // 59 seconds later: still refused, for about one more second.
    time_passes(app, 59).await;
    let wait = refused(&test(app, &sms).await);
    assert!(wait <= 1, "Retry-After {wait}");
    // A minute later: allowed again.
    time_passes(app, 1).await;
    accepted(&test(app, &sms).await);
    assert_eq!(count(app, "notifications").await, notifications + 1);

    // The OpenAPI document says so.
    let doc = app.call("GET", "/api/openapi.json", None, None).await.body;
    for path in ["test", "verification"] {
        let path = format!("/api/v1/contacts/{{id}}/methods/{{method_id}}/{path}");
        let answer = &doc["paths"][&path]["post"]["responses"]["429"];
        assert!(
            answer["headers"]["Retry-After"].is_object(),
            "{path}: {answer}"
        );
    }
}

pub async fn a_verification_code_counts_against_a_test_and_back(app: &TestApp) {
    let email = method(app, "Olga", "email", "olga@example.com").await;
    accepted(&code(app, &email).await);
    let before = count(app, "notifications").await;
    refused(&test(app, &email).await);
    assert_eq!(count(app, "notifications").await, before, "nothing queued");

    // A test first: the code that follows is refused, and the pending one is untouched.
    let sms = method(app, "Pablo", "sms", "+34622334455").await;
    accepted(&code(app, &sms).await);
    time_passes(app, 60).await;
    accepted(&test(app, &sms).await);
    let codes = pending_codes(app).await;
    let before = count(app, "notifications").await;
    refused(&code(app, &sms).await);
    assert_eq!(count(app, "notifications").await, before, "nothing queued");
    assert_eq!(pending_codes(app).await, codes, "the pending code stays");
}

pub async fn five_messages_per_address_per_hour_across_methods(app: &TestApp) {
    let number = "+34633445566";
    let first = method(app, "Quique", "sms", number).await;
    let contact = first.rsplit_once("/methods/").expect("path").0.to_owned();
    let second = second_method(app, &contact, "sms", number).await;
    // Another person with the same number: same account, same destination.
    let third = method(app, "Rosa", "sms", number).await;
    accepted(&test(app, &first).await);
    accepted(&code(app, &second).await);
    accepted(&test(app, &third).await);
    time_passes(app, 600).await;
    accepted(&code(app, &first).await);
    accepted(&test(app, &second).await);
    time_passes(app, 600).await;
    // Five within the hour: the sixth is refused until the oldest leave the window.
    let before = count(app, "notifications").await;
    let wait = refused(&test(app, &third).await);
    assert!(
        (3600 - 1200 - 60..=3600 - 1200).contains(&wait),
        "the first three leave the window in 40 minutes: Retry-After {wait}"
    );
    refused(&code(app, &first).await);
    assert_eq!(count(app, "notifications").await, before, "nothing queued");

    // Other addresses, and the same number in another account, are not held back.
    accepted(
        &test(
            app,
            &second_method(app, &contact, "sms", "+34644556677").await,
        )
        .await,
    );
    accepted(&test(app, &second_method(app, &contact, "phone", number).await).await);
    let outsider = app
        .post(
            "/api/v1/contacts",
            &app.outsider.token,
            json!({"name": "Sara", "companies": "all"}),
        )
        .await
        .str("/id");
    let theirs = app
        .post(
            &format!("/api/v1/contacts/{outsider}/methods"),
            &app.outsider.token,
            json!({"type": "sms", "address": number}),
        )
        .await
        .str("/id");
    let theirs = app
        .post(
            &format!("/api/v1/contacts/{outsider}/methods/{theirs}/test"),
            &app.outsider.token,
            json!(null),
        )
        .await;
    accepted(&theirs);

    // Forty minutes on, the first three have left the window: room for three.
    time_passes(app, 2400).await;
    accepted(&test(app, &first).await);
    accepted(&test(app, &second).await);
    accepted(&test(app, &third).await);
    time_passes(app, 60).await;
    refused(&test(app, &first).await);
}

pub async fn flood_digests_count_towards_the_address_limit(app: &TestApp) {
    let number = "+34655667788";
    let first = method(app, "Teo", "sms", number).await;
    let contact = first.rsplit_once("/methods/").expect("path").0.to_owned();
    let second = second_method(app, &contact, "sms", number).await;
    let id = second.rsplit_once('/').expect("id").1.to_owned();
    // Three digests sent in the last hour, one queued for later, one that was not sent.
    let now = chrono::Utc::now().timestamp_millis();
    let mut tx = app.db.store.write().await.expect("tx");
    for (state, at, sent) in [
        ("sent", now - 3_000_000, Some(now - 3_000_000)),
        ("sent", now - 2_000_000, Some(now - 2_000_000)),
        ("sent", now - 1_000_000, Some(now - 1_000_000)),
        ("queued", now + 600_000, None),
        ("suppressed", now - 60_000, None),
    ] {
        sqlx::query(
            "INSERT INTO notifications (id, account_id, contact_id, method_id, type, address, \
             event, state, next_attempt_at, created_at, sent_at) \
             SELECT $1, account_id, contact_id, id, type, address, 'digest', $2, $3, $4, $5 \
             FROM contact_methods WHERE id = $6",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(state)
        .bind(at)
        .bind(now - 3_600_000)
        .bind(sent)
        .bind(id.clone())
        .execute(&mut *tx)
        .await
        .expect("digest");
    }
    tx.commit().await.expect("commit");
    // Four digests count, the suppressed one does not: one more message, then no more.
    accepted(&test(app, &first).await);
    let before = count(app, "notifications").await;
    let wait = refused(&code(app, &second).await);
    assert!(
        (500..=600).contains(&wait),
        "the oldest digest leaves the window in 10 minutes: Retry-After {wait}"
    );
    assert_eq!(count(app, "notifications").await, before, "nothing queued");
}

pub async fn ten_parallel_tests_queue_exactly_one_message(app: &TestApp) {
    let sms = method(app, "Ulises", "sms", "+34666778899").await;
    let before = count(app, "notifications").await;
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let router = app.router.clone();
        let request = Request::post(format!("{sms}/test"))
            .header("authorization", format!("Bearer {}", app.admin.token))
            .body(Body::empty())
            .expect("request");
        calls.spawn(async move { router.oneshot(request).await.expect("response").status() });
    }
    let mut statuses = Vec::new();
    while let Some(status) = calls.join_next().await {
        statuses.push(status.expect("task").as_u16());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [202, 429, 429, 429, 429, 429, 429, 429, 429, 429]);
    assert_eq!(
        count(app, "notifications").await,
        before + 1,
        "exactly one queued"
    );
}

/// Letter case makes no other destination: a stranger's mailbox written six ways still takes
/// five messages an hour.
pub async fn letter_case_makes_no_other_address(app: &TestApp) {
    let first = method(app, "Vera", "email", "vera@mail.example").await;
    let contact = first.rsplit_once("/methods/").expect("path").0.to_owned();
    accepted(&test(app, &first).await);
    for variant in ["Vera", "VERA", "vEra", "veRa"] {
        let other = second_method(app, &contact, "email", &format!("{variant}@mail.example")).await;
        accepted(&test(app, &other).await);
    }
    let sixth = second_method(app, &contact, "email", "verA@MAIL.example").await;
    let before = count(app, "notifications").await;
    refused(&test(app, &sixth).await);
    assert_eq!(count(app, "notifications").await, before, "nothing queued");
}
