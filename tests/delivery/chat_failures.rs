//! Chat services refusing, limiting or failing: Retry-After honoured without spending the
//! retry budget, permanent 4xx with the service's answer, a Matrix retry posting once, and what
//! a deployment without bot settings (or without loopback) says.

use crate::chat::{SERVICES, add_chat};
use crate::chat_services::{Answer, ChatServices, chat_dispatcher};
use crate::common::ingest;
use crate::fixtures::{account, company};
use crate::harness::t0;
use crate::phone_steps::{add, clock, critical, log, marta};
use reach::store::SqlStore;

pub async fn a_429_waits_its_retry_after_and_other_refusals_are_final(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let marta = marta(store, &acme, &nw).await;
    let services = ChatServices::start().await;
    for service in SERVICES {
        add_chat(store, &acme, &marta, &services, service).await;
    }
    services.answer(
        "slack",
        vec![Answer::new(429, "rate_limited").header("retry-after", "7")],
    );
    services.answer(
        "discord",
        vec![Answer::new(
            429,
            r#"{"message": "You are being rate limited.", "retry_after": 2.5, "global": false}"#,
        )],
    );
    services.answer("teams", vec![Answer::new(503, "")]);
    services.answer(
        "ntfy",
        vec![Answer::new(
            404,
            r#"{"code":40401,"http":404,"error":"page not found"}"#,
        )],
    );
    services.answer(
        "telegram",
        vec![Answer::new(
            400,
            r#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#,
        )],
    );
    services.answer(
        "matrix",
        vec![Answer::new(
            403,
            r#"{"errcode":"M_FORBIDDEN","error":"User @reach:example.org not in room"}"#,
        )],
    );
    let clock = clock();
    let worker = chat_dispatcher(store, clock.clone(), &services, true);
    ingest(store, &acme.id, &[critical(&nw, "db-1", "critical")], t0())
        .await
        .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 6);
    let by_type = |log: &[reach::store::Notification], kind: &str| {
        log.iter()
            .find(|n| n.kind.as_str() == kind)
            .cloned()
            .unwrap()
    };
    let now = log(store, &acme).await;
    let slack = by_type(&now, "slack");
    assert_eq!(slack.state.as_str(), "failed");
    let waited = slack.next_attempt_at - t0();
    assert!(
        (7_000..=10_500).contains(&waited.num_milliseconds()),
        "the 7 s asked for, plus up to half again: {waited}"
    );
    assert!(
        slack.reason.as_deref().unwrap().contains("429"),
        "{slack:?}"
    );
    let discord = by_type(&now, "discord");
    assert_eq!(discord.state.as_str(), "failed");
    let waited = discord.next_attempt_at - t0();
    assert!(
        (2_500..=3_750).contains(&waited.num_milliseconds()),
        "Discord's retry_after: {waited}"
    );
    let teams = by_type(&now, "teams");
    assert_eq!(teams.state.as_str(), "failed", "a 503 is tried again");
    assert!(teams.next_attempt_at >= t0() + chrono::Duration::seconds(15));
    for (kind, answer) in [
        ("ntfy", "page not found"),
        ("telegram", "Bad Request: chat not found"),
        ("matrix", "M_FORBIDDEN"),
    ] {
        let n = by_type(&now, kind);
        assert_eq!(n.state.as_str(), "dead", "{kind}: a 4xx is permanent");
        assert!(
            n.reason.as_deref().unwrap().contains(answer),
            "{kind}: the service's answer: {n:?}"
        );
    }
    assert!(services.requests().is_empty(), "nothing was accepted yet");

    // Slack keeps saying 429, more times than the retry budget has attempts: a rate limit
    // is not a failure, so the message waits each time and goes once Slack takes it.
    let again = (0..11).map(|_| Answer::new(429, "rate_limited").header("retry-after", "7"));
    services.answer("slack", again.collect());
    for _ in 0..20 {
        let slack = by_type(&log(store, &acme).await, "slack");
        if slack.state.as_str() != "failed" {
            break;
        }
        clock.set(slack.next_attempt_at);
        worker.run_once().await.unwrap();
    }
    let later = log(store, &acme).await;
    let slack = by_type(&later, "slack");
    assert_eq!((slack.state.as_str(), slack.attempts), ("sent", 13));
    assert_eq!(by_type(&later, "discord").state.as_str(), "sent");
    assert_eq!(
        by_type(&later, "teams").state.as_str(),
        "sent",
        "after its backoff"
    );
    assert_eq!(services.of("slack").len(), 1);
}

pub async fn a_matrix_retry_reuses_its_transaction_and_posts_once(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let marta = marta(store, &acme, &nw).await;
    let services = ChatServices::start().await;
    add_chat(store, &acme, &marta, &services, "matrix").await;
    // The homeserver posts the event but the answer is lost (a 502 from its proxy).
    services.answer("matrix", vec![Answer::new(502, "Bad Gateway")]);
    let clock = clock();
    let worker = chat_dispatcher(store, clock.clone(), &services, true);
    ingest(store, &acme.id, &[critical(&nw, "db-1", "critical")], t0())
        .await
        .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let first = log(store, &acme).await.remove(0);
    assert_eq!(first.state.as_str(), "failed");
    clock.set(first.next_attempt_at);
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let second = log(store, &acme).await.remove(0);
    assert_eq!((second.state.as_str(), second.attempts), ("sent", 2));
    let posted = services.of("matrix");
    assert_eq!(posted.len(), 1, "the room got the message once");
    assert_eq!(posted[0].path[7], second.id.as_str());
}

pub async fn unconfigured_bots_and_loopback_urls_fail_clearly(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let marta = marta(store, &acme, &nw).await;
    let services = ChatServices::start().await;
    add_chat(store, &acme, &marta, &services, "telegram").await;
    add_chat(store, &acme, &marta, &services, "matrix").await;
    // Saved while loopback was allowed; the deployment no longer allows it: the guard refuses
    // at connect time.
    add(store, &acme, &marta, "slack", &services.address("slack")).await;
    let worker = chat_dispatcher(store, clock(), &services, false);
    ingest(store, &acme.id, &[critical(&nw, "db-1", "critical")], t0())
        .await
        .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 3);
    for n in log(store, &acme).await {
        assert_eq!(n.state.as_str(), "dead");
        let reason = n.reason.unwrap_or_default();
        let expected = match n.kind.as_str() {
            "telegram" => "is not configured on this server (REACH_TELEGRAM_BOT_TOKEN",
            "matrix" => "is not configured on this server (REACH_MATRIX_HOMESERVER_URL",
            _ => "loopback addresses are not allowed",
        };
        assert!(reason.contains(expected), "{}: {reason}", n.kind.as_str());
    }
    assert!(services.requests().is_empty());
}
