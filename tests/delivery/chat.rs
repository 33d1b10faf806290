//! Chat and push methods (Slack, Teams, Discord, ntfy, Telegram, Matrix) through the real
//! channels to stand-ins that check every request against each service's documented API.

use crate::chat_services::{ChatServices, chat_dispatcher};
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

pub const SERVICES: [&str; 6] = ["slack", "teams", "discord", "ntfy", "telegram", "matrix"];

/// Adds a method at the stand-in; Telegram and Matrix verified, as they must be for alerts.
pub async fn add_chat(
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
