use crate::common::{add_method, ingest};
use crate::fixtures::{account, company, contact, method};
use crate::{read, tx};
use chrono::{Duration, Utc};
use reach::domain::{AlertInput, CompanyAccess, DelayMinutes, NewAlert, Severity};
use reach::store::SqlStore;
use std::collections::HashSet;

fn alert(company: &str, key: &str) -> NewAlert {
    AlertInput {
        company_id: Some(company.into()),
        key: Some(key.into()),
        severity: Some("warning".into()),
        title: Some(key.into()),
        ..AlertInput::default()
    }
    .parse("")
    .expect("valid")
}

pub async fn claims_lease_retry_and_dead_letter(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ana = contact(store, &acme, "Ana", CompanyAccess::All).await;
    add_method(
        store,
        &acme.id,
        &ana.id,
        &method("email", "ana@example.com"),
    )
    .await
    .expect("email");
    let mut hook = method("webhook", "https://hooks.example.com/a");
    hook.prefs.min_severity = Some(Severity::Info);
    hook.prefs.delay = DelayMinutes::parse(15).expect("delay");
    add_method(store, &acme.id, &ana.id, &hook)
        .await
        .expect("hook");
    let now = Utc::now();
    let stored = ingest(store, &acme.id, &[alert(nw.id.as_str(), "k")], now)
        .await
        .expect("ingest");
    let lease = Duration::seconds(60);

    let first = tx!(store, reach::store::outbox::claim, now, lease, 100)
        .await
        .expect("claim");
    assert_eq!(
        first.len(),
        1,
        "only the email is due; the webhook escalates in 15 minutes"
    );
    assert_eq!((first[0].state.as_str(), first[0].attempts), ("sending", 1));
    assert!(
        tx!(
            store,
            reach::store::outbox::claim,
            now + Duration::seconds(1),
            lease,
            100
        )
        .await
        .expect("claim")
        .is_empty(),
        "leased"
    );
    let taken_over = tx!(
        store,
        reach::store::outbox::claim,
        now + Duration::seconds(61),
        lease,
        100
    )
    .await
    .expect("claim");
    assert_eq!(
        taken_over
            .iter()
            .map(|n| (n.id.clone(), n.attempts))
            .collect::<Vec<_>>(),
        [(first[0].id.clone(), 2)],
        "an expired lease is taken over"
    );
    assert!(
        tx!(
            store,
            reach::store::outbox::complete,
            &first[0].id,
            now + Duration::seconds(62)
        )
        .await
        .expect("sent")
    );
    assert!(
        !tx!(
            store,
            reach::store::outbox::complete,
            &first[0].id,
            now + Duration::seconds(63)
        )
        .await
        .expect("sent twice"),
        "only a claimed notification completes"
    );

    let escalation = tx!(
        store,
        reach::store::outbox::claim,
        now + Duration::minutes(16),
        lease,
        100
    )
    .await
    .expect("claim");
    assert_eq!(escalation.len(), 1);
    assert!(escalation[0].escalation);
    let retry_at = now + Duration::minutes(17);
    assert!(
        tx!(
            store,
            reach::store::outbox::fail,
            &escalation[0].id,
            "503 from receiver",
            Some(retry_at)
        )
        .await
        .expect("failed")
    );
    assert!(
        tx!(
            store,
            reach::store::outbox::claim,
            now + Duration::seconds(16 * 60 + 30),
            lease,
            100
        )
        .await
        .expect("claim")
        .is_empty(),
        "waits for its retry"
    );
    let retried = tx!(store, reach::store::outbox::claim, retry_at, lease, 100)
        .await
        .expect("claim");
    assert_eq!(retried.iter().map(|n| n.attempts).collect::<Vec<_>>(), [2]);
    assert!(
        tx!(
            store,
            reach::store::outbox::fail,
            &retried[0].id,
            "410 Gone",
            None
        )
        .await
        .expect("dead")
    );

    let rows = read!(
        store,
        reach::store::alerts::notifications_of_alert,
        &acme.id,
        &stored[0].id
    )
    .await
    .expect("rows");
    let mut states: Vec<_> = rows
        .iter()
        .map(|n| (n.address.as_str(), n.state.as_str(), n.reason.as_deref()))
        .collect();
    states.sort();
    assert_eq!(
        states,
        [
            ("ana@example.com", "sent", None),
            ("https://hooks.example.com/a", "dead", Some("410 Gone"))
        ]
    );
    assert!(
        tx!(
            store,
            reach::store::outbox::claim,
            now + Duration::days(2),
            lease,
            100
        )
        .await
        .expect("claim")
        .is_empty(),
        "sent and dead stay put"
    );
}

pub async fn two_workers_never_claim_the_same_notification(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ana = contact(store, &acme, "Ana", CompanyAccess::All).await;
    add_method(
        store,
        &acme.id,
        &ana.id,
        &method("email", "ana@example.com"),
    )
    .await
    .expect("email");
    let now = Utc::now();
    let alerts: Vec<_> = (0..60)
        .map(|i| alert(nw.id.as_str(), &format!("k{i}")))
        .collect();
    ingest(store, &acme.id, &alerts, now).await.expect("ingest");
    let worker = |store: SqlStore| async move {
        let mut mine = Vec::new();
        loop {
            let batch = tx!(
                store,
                reach::store::outbox::claim,
                now,
                Duration::seconds(60),
                7
            )
            .await
            .expect("claim");
            if batch.is_empty() {
                return mine;
            }
            mine.extend(batch.into_iter().map(|n| n.id));
        }
    };
    let (a, b) = tokio::join!(
        tokio::spawn(worker(store.clone())),
        tokio::spawn(worker(store.clone()))
    );
    let (a, b) = (a.expect("worker a"), b.expect("worker b"));
    let all: HashSet<_> = a.iter().chain(&b).cloned().collect();
    assert_eq!(
        a.len() + b.len(),
        60,
        "every notification claimed once: {} + {}",
        a.len(),
        b.len()
    );
    assert_eq!(all.len(), 60, "no notification claimed twice");
}

/// Writers racing on one database all succeed: ingests from several connections while a
/// worker claims and completes (on SQLite a read-then-write transaction must not fail with
/// "database is locked").
pub async fn concurrent_ingests_and_claims_all_succeed(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ana = contact(store, &acme, "Ana", CompanyAccess::All).await;
    add_method(
        store,
        &acme.id,
        &ana.id,
        &method("email", "ana@example.com"),
    )
    .await
    .expect("email");
    let now = Utc::now();
    let mut writers = tokio::task::JoinSet::new();
    for lane in 0..6 {
        let (store, account, company) = (store.clone(), acme.id.clone(), nw.id.clone());
        writers.spawn(async move {
            for round in 0..10 {
                let batch: Vec<_> = (0..5)
                    .map(|i| alert(company.as_str(), &format!("l{lane}-r{round}-{i}")))
                    .collect();
                ingest(&store, &account, &batch, now).await?;
            }
            Ok::<_, reach::store::StoreError>(())
        });
    }
    let claimer = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut done = 0;
            while done < 300 {
                let batch = tx!(
                    store,
                    reach::store::outbox::claim,
                    now,
                    Duration::seconds(60),
                    20
                )
                .await?;
                for n in &batch {
                    tx!(store, reach::store::outbox::complete, &n.id, now).await?;
                }
                done += batch.len();
                tokio::task::yield_now().await;
            }
            Ok::<_, reach::store::StoreError>(done)
        })
    };
    while let Some(result) = writers.join_next().await {
        result.expect("writer").expect("every ingest succeeds");
    }
    assert_eq!(
        claimer
            .await
            .expect("claimer")
            .expect("every claim succeeds"),
        300
    );
}
