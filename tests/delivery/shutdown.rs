//! Stopping a node (issue 18, graceful shutdown): the dispatcher claims nothing more, the sends
//! in flight end within the send time-out with their outcome recorded, and nothing is left
//! `sending` (for a lease to expire on). One channel answers slowly, one never answers.

use crate::common::{add_method, ingest};
use crate::fixtures::{account, company, contact, method};
use crate::harness::{SECRET_KEY, t0};
use crate::phone_steps::{critical, log};
use reach::delivery::{Channel, DispatchConfig, Dispatcher, Message, Outcome, SendFuture};
use reach::domain::{CompanyAccess, MethodType};
use reach::links::LinkSigner;
use reach::runtime::{ManualClock, Shutdown, Wakeup};
use reach::store::SqlStore;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Answers after `delay`, or never (`None`); counts the sends it started.
#[derive(Debug)]
struct Slow {
    delay: Option<Duration>,
    started: AtomicUsize,
}

impl Channel for Slow {
    fn send<'a>(&'a self, _message: &'a Message) -> SendFuture<'a> {
        self.started.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            match self.delay {
                Some(delay) => tokio::time::sleep(delay).await,
                None => std::future::pending::<()>().await,
            }
            Outcome::Sent("250 ok".into())
        })
    }
}

/// 40 alerts for one contact's email, a dispatcher on `channel`, stopped once sends are under
/// way; answers the notifications' states after it returned.
async fn stop_while_sending(store: &SqlStore, delay: Option<Duration>) -> Vec<String> {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ana = contact(store, &acme, "Ana", CompanyAccess::All).await;
    add_method(
        store,
        &acme.id,
        &ana.id,
        &method("email", "ana@acme.example"),
    )
    .await
    .unwrap();
    let alerts: Vec<_> = (0..40)
        .map(|i| critical(&nw, &format!("db-{i}"), "critical"))
        .collect();
    ingest(store, &acme.id, &alerts, t0()).await.unwrap();
    let channel = Arc::new(Slow {
        delay,
        started: AtomicUsize::new(0),
    });
    let config = DispatchConfig {
        send_timeout: Duration::from_millis(500),
        batch: 10,
        batches_in_flight: 2,
        ..DispatchConfig::default()
    };
    let dispatcher = Arc::new(
        Dispatcher::new(
            store.clone(),
            Arc::new(ManualClock::new(t0())),
            LinkSigner::new(SECRET_KEY, "http://reach.test"),
            config,
        )
        .with_channel(MethodType::Email, channel.clone()),
    );
    let shutdown = Shutdown::default();
    let running = tokio::spawn(dispatcher.run(Wakeup::default(), shutdown.clone()));
    let deadline = Instant::now() + Duration::from_secs(10);
    while channel.started.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "no send started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    shutdown.trigger();
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("stopped within the send time-out and its grace")
        .expect("the dispatcher ended well");
    log(store, &acme)
        .await
        .into_iter()
        .map(|n| n.state.as_str().to_owned())
        .collect()
}

fn count(states: &[String], state: &str) -> usize {
    states.iter().filter(|s| *s == state).count()
}

pub async fn a_stopped_node_finishes_its_sends_and_leaves_nothing_sending(store: &SqlStore) {
    let states = stop_while_sending(store, Some(Duration::from_millis(50))).await;
    assert_eq!(states.len(), 40);
    assert_eq!(count(&states, "sending"), 0, "{states:?}");
    assert!(
        count(&states, "sent") >= 1,
        "the sends in flight finished: {states:?}"
    );
    assert!(
        count(&states, "queued") >= 1,
        "it stopped claiming: {states:?}"
    );
    assert_eq!(
        count(&states, "sent") + count(&states, "queued"),
        40,
        "{states:?}"
    );
}

pub async fn a_send_that_never_answers_is_recorded_when_its_time_is_up(store: &SqlStore) {
    let states = stop_while_sending(store, None).await;
    assert_eq!(count(&states, "sending"), 0, "{states:?}");
    assert!(
        count(&states, "failed") >= 1,
        "timed out: to be retried by any node: {states:?}"
    );
    assert_eq!(count(&states, "sent"), 0, "{states:?}");
}
