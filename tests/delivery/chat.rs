//! Chat and push methods (Slack, Teams, Discord, ntfy, Telegram, Matrix) through the real
//! channels to stand-ins that check every request against each service's documented API.

use crate::chat_services::{Answer, ChatServices, chat_dispatcher};
use crate::common::ingest;
use crate::fixtures::{account, company};
use crate::harness::{PUBLIC_URL, t0};
use crate::phone_steps::{add, clock, critical, log, marta, verify};
use crate::push_shapes::ntfy_header;
use crate::tx;
use reach::domain::AlertStatus;
use reach::domain::notification::Event;
use reach::store::{Method, SqlStore};
use serde_json::Value;

const SERVICES: [&str; 6] = ["slack", "teams", "discord", "ntfy", "telegram", "matrix"];

/// Adds a method at the stand-in; Telegram and Matrix verified, as they must be for alerts.
async fn add_chat(
    store: &SqlStore,
    acme: &reach::store::Account,
    who: &reach::store::Contact,
    services: &ChatServices,
    service: &str,
) -> Method {
    let method = add(store, acme, who, service, &services.address(service)).await;
    if matches!(service, "telegram" | "matrix") {
        tx!(store, reach::store::outbox::mark_verified, &method.id)
            .await
            .unwrap();
    }
    method
}

/// Keeps what each service was sent in `$CHAT_SAMPLES_DIR` (for looking at them rendered).
fn keep_samples(store: &SqlStore, services: &ChatServices, name: &str) {
    let Ok(dir) = std::env::var("CHAT_SAMPLES_DIR") else {
        return;
    };
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for r in services.requests() {
        let n = seen.entry(r.service).or_default();
        *n += 1;
        // The first message to each service is `{name}`, the next `{name}2`, ...
        let name = if *n == 1 {
            name.to_owned()
        } else {
            format!("{name}{n}")
        };
        let headers: serde_json::Map<String, Value> = r
            .headers
            .iter()
            .filter(|(k, _)| {
                ["title", "priority", "tags", "actions", "click"].contains(&k.as_str())
            })
            .map(|(k, v)| {
                (
                    k.to_string(),
                    Value::from(
                        ntfy_header(&r.headers, k.as_str()).unwrap_or_else(|| format!("{v:?}")),
                    ),
                )
            })
            .collect();
        let sample = serde_json::json!({"headers": headers, "text": r.text, "json": r.json});
        // One file per backend: both run at once.
        let backend = format!("{:?}", store.backend()).to_lowercase();
        let file = format!("{dir}/{name}-{backend}-{}.json", r.service);
        std::fs::write(file, serde_json::to_string_pretty(&sample).unwrap()).unwrap();
    }
}

pub async fn every_service_gets_alerts_in_its_documented_shape(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let marta = marta(store, &acme, &nw).await; // Spanish, Europe/Madrid
    let services = ChatServices::start().await;
    let mut methods: Vec<Method> = Vec::new();
    for service in SERVICES {
        methods.push(add_chat(store, &acme, &marta, &services, service).await);
    }
    // A room nobody proved the account may post in: the shared bot does not go there.
    let stranger = add(
        store,
        &acme,
        &marta,
        "matrix",
        "!elsewhere:matrix.example.org",
    )
    .await;
    let worker = chat_dispatcher(store, clock(), &services, true);
    let mut alert = critical(&nw, "db-1", "critical");
    alert.body = Some("La réplica <db-2> & el disco están al 99 %.".into());
    let stored = ingest(store, &acme.id, &[alert], t0()).await.unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 6);
    let ack = format!("{PUBLIC_URL}/ack/");
    let one = |service: &str| {
        let got = services.of(service);
        assert_eq!(got.len(), 1, "{service}: {got:?}");
        got[0].clone()
    };

    let slack = one("slack").json;
    assert_eq!(slack["blocks"][0]["text"]["text"], "db-1 is down");
    let actions = slack["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "actions")
        .cloned()
        .unwrap();
    assert_eq!(
        actions["elements"][0]["text"]["text"],
        "Confirmar recepción"
    );
    assert!(
        actions["elements"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with(&ack)
    );
    assert!(
        slack["text"]
            .as_str()
            .unwrap()
            .contains("[CRÍTICA] Northwind: db-1 is down")
    );

    let teams = one("teams").json;
    let card = &teams["attachments"][0]["content"];
    assert_eq!(card["body"][0]["style"], "attention");
    assert_eq!(
        card["body"][1]["items"][0]["inlines"][0]["text"],
        "Empresa: "
    );
    assert!(
        card["actions"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with(&ack)
    );

    let discord = one("discord").json;
    assert_eq!(discord["embeds"][0]["title"], "db-1 is down");
    let description = discord["embeds"][0]["description"].as_str().unwrap();
    assert!(
        description.starts_with(
            "La réplica \\<db-2\\> & el disco están al 99 %.\n\n**[Confirmar recepción]("
        ),
        "{description}"
    );
    assert!(description.contains(&ack), "{description}");
    assert_eq!(
        discord["embeds"][0]["url"],
        format!("{PUBLIC_URL}/alerts/{}", stored[0].id)
    );

    let ntfy = one("ntfy");
    assert_eq!(ntfy_header(&ntfy.headers, "Priority").as_deref(), Some("5"));
    assert_eq!(
        ntfy_header(&ntfy.headers, "Title").as_deref(),
        Some("Alerta crítica de Northwind")
    );
    let actions = ntfy_header(&ntfy.headers, "Actions").unwrap();
    assert!(
        actions.starts_with(&format!("view, Confirmar recepción, {ack}")),
        "{actions}"
    );
    assert!(
        ntfy.text.starts_with("db-1 is down\n\nLa réplica <db-2>"),
        "{}",
        ntfy.text
    );

    let telegram = one("telegram").json;
    assert_eq!(telegram["chat_id"], -1_001_234_567_890_i64);
    let text = telegram["text"].as_str().unwrap();
    assert!(
        text.contains("La réplica &#60;db-2&#62; &#38; el disco"),
        "{text}"
    );
    assert!(
        telegram["reply_markup"]["inline_keyboard"][0][0]["url"]
            .as_str()
            .unwrap()
            .starts_with(&ack)
    );

    let matrix = one("matrix");
    let sent = log(store, &acme).await;
    let matrix_notification = sent.iter().find(|n| n.method_id == methods[5].id).unwrap();
    assert_eq!(matrix.path[4], "!abcdef:matrix.example.org");
    assert_eq!(
        matrix.path[7],
        matrix_notification.id.as_str(),
        "the transaction id"
    );
    assert!(
        matrix.json["formatted_body"]
            .as_str()
            .unwrap()
            .contains("La réplica &#60;db-2&#62;")
    );
    let (kept, told): (Vec<_>, Vec<_>) = sent.iter().partition(|n| n.method_id == stranger.id);
    assert!(told.iter().all(|n| n.state.as_str() == "sent"), "{told:?}");
    assert_eq!(
        (kept[0].state.as_str(), kept[0].reason.as_deref()),
        ("suppressed", Some("unverified"))
    );

    // Resolved: everyone who was told hears it, with no acknowledge link.
    let mut resolved = critical(&nw, "db-1", "critical");
    resolved.status = AlertStatus::Resolved;
    ingest(store, &acme.id, &[resolved], t0()).await.unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 6);
    let all = services.requests();
    assert_eq!(all.len(), 12);
    for r in &all[6..] {
        assert!(
            !r.text.contains(&ack),
            "{}: no acknowledge link once resolved: {}",
            r.service,
            r.text
        );
    }
    let ntfy = &services.of("ntfy")[1];
    assert_eq!(ntfy_header(&ntfy.headers, "Priority").as_deref(), Some("3"));
    assert_eq!(
        ntfy_header(&ntfy.headers, "Tags").as_deref(),
        Some("white_check_mark,resolved")
    );
    assert_eq!(
        services.of("teams")[1].json["attachments"][0]["content"]["body"][0]["style"],
        "good"
    );
    keep_samples(store, &services, "alert");
}

pub async fn codes_and_tests_are_posted_to_chats(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let marta = marta(store, &acme, &nw).await;
    let services = ChatServices::start().await;
    let worker = chat_dispatcher(store, clock(), &services, true);
    for (i, service) in SERVICES.iter().enumerate() {
        let method = add(store, &acme, &marta, service, &services.address(service)).await;
        let code = format!("{:06}", 482_910 + i);
        // `verify` posts the code through the method and types it back.
        verify(store, &worker, &acme, &marta, &method, &code).await;
        let got = services.of(service);
        assert_eq!(got.len(), 1);
        assert!(got[0].text.contains(&code), "{service}: {}", got[0].text);
        assert!(
            got[0].text.contains("código de verificación"),
            "{service}: in Spanish: {}",
            got[0].text
        );
        // Send test: a real message through the same channel.
        tx!(
            store,
            reach::store::outbox::queue_message,
            &acme.id,
            &marta.id,
            &method.id,
            Event::Test,
            None,
            None,
            t0()
        )
        .await
        .unwrap();
        assert_eq!(worker.run_once().await.unwrap(), 1);
        let got = services.of(service);
        assert_eq!(got.len(), 2);
        assert!(got[1].text.contains("Acme"), "{service}: {}", got[1].text);
        assert!(
            got[1].text.contains("prueba"),
            "{service}: in Spanish: {}",
            got[1].text
        );
    }
    keep_samples(store, &services, "code");
}

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
