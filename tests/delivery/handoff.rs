//! Intake hands what it claims to this node's dispatcher (`runtime::desk`): notifications due
//! now are written `sending` with a lease on the batch's own transaction and sent without a
//! claim; older queued work goes first; a stopping dispatcher's hand-offs go back to the queue.

use crate::fixtures::new_user;
use crate::fixtures::{account, company, contact, only};
use crate::harness::{PUBLIC_URL, Receiver, SECRET_KEY, configured, verify_standard_webhook};
use crate::steps::{add, alert, log};
use crate::tx;
use chrono::Utc;
use reach::app::App;
use reach::auth::Caller;
use reach::delivery::DispatchConfig;
use reach::domain::integration::{Body, NewIntegration};
use reach::domain::{CompanyAccess, EmailAddress, Role};
use reach::runtime::{ManualClock, Shutdown, Wakeup};
use reach::store::{Account, Company, Method, SqlStore};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

const LEASE: chrono::Duration = chrono::Duration::seconds(60);

/// A generic integration of `nw`: its token.
async fn hook(store: &SqlStore, acme: &Account, nw: &Company) -> String {
    let (token, hash) = reach::auth::generate_token();
    let new = NewIntegration::parse(
        Some("Monitor"),
        Some("generic"),
        Some(nw.id.as_str()),
        None,
        None,
        None,
    )
    .unwrap();
    tx!(
        store,
        reach::store::integrations::create,
        &acme.id,
        &new,
        &hash,
        Utc::now()
    )
    .await
    .unwrap();
    token
}

async fn post(app: &Arc<App>, token: &str, key: &str) {
    let body =
        json!({"summary": format!("Disk full on {key}"), "dedup": key, "severity": "critical"});
    let stored = reach::app::hooks::receive(app, token, Body::Json(&body))
        .await
        .unwrap();
    assert_eq!(stored, 1);
}

fn app(store: &SqlStore, wakeup: &Wakeup) -> Arc<App> {
    Arc::new(App::new(
        store.clone(),
        SECRET_KEY.to_owned().into(),
        true,
        PUBLIC_URL,
        wakeup.clone(),
    ))
}

/// Acme's Northwind with its contact Ops, who has a webhook to each of `hooks` (URL, delay in
/// minutes), and a generic integration of Northwind: the account, the methods and the
/// integration's token.
async fn ops_with(store: &SqlStore, hooks: &[(&str, i64)]) -> (Account, Vec<Method>, String) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ops = contact(store, &acme, "Ops", only(&[&nw])).await;
    let mut methods = Vec::new();
    for (url, delay) in hooks {
        methods.push(add(store, &acme, &ops, "webhook", url, "info", *delay).await);
    }
    let token = hook(store, &acme, &nw).await;
    (acme, methods, token)
}

/// A dispatcher with `config` running until its `Shutdown` is triggered, once it takes
/// hand-offs: its wake-up, its shutdown, the task, and the mail folder it keeps.
async fn started(
    store: &SqlStore,
    config: DispatchConfig,
) -> (
    Wakeup,
    Shutdown,
    tokio::task::JoinHandle<()>,
    tempfile::TempDir,
) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let dispatcher = configured(store, clock, None, dir.path(), true, config);
    let wakeup = Wakeup::default();
    let shutdown = Shutdown::default();
    let running = tokio::spawn(dispatcher.run(wakeup.clone(), shutdown.clone()));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !wakeup.takes_hand_offs() {
        assert!(Instant::now() < deadline, "the dispatcher did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (wakeup, shutdown, running, dir)
}

pub async fn intake_writes_due_notifications_claimed_and_hands_them_over(store: &SqlStore) {
    let (acme, _, token) = ops_with(
        store,
        &[
            ("http://127.0.0.1:9/a", 0),
            ("http://127.0.0.1:9/b", 0),
            ("http://127.0.0.1:9/later", 5),
        ],
    )
    .await;
    let wakeup = Wakeup::default();
    // A dispatcher with room for one: the first notification due now is handed over, the
    // second is queued, the escalation 5 minutes on is queued for later.
    let room = Arc::new(Semaphore::new(1));
    let mut desk = wakeup.desk_open(Arc::clone(&room), 1, LEASE);
    let before = Utc::now();
    post(&app(store, &wakeup), &token, "db-1").await;

    let handed = desk.try_recv().expect("a hand-off");
    assert_eq!(handed.claimed.len(), 1);
    assert_eq!(
        room.available_permits(),
        0,
        "its place is held until it is recorded"
    );
    let n = &handed.claimed[0];
    assert_eq!(n.state.as_str(), "sending");
    assert_eq!(n.attempts, 1, "claimed: the attempt is counted");
    assert!(handed.at >= before - chrono::Duration::milliseconds(1));
    // What it needs to be sent comes with it, as the batch read it.
    let context = &handed.contexts[&n.id];
    assert_eq!(context.account_name, "Acme");
    assert_eq!(context.company_name.as_deref(), Some("Northwind"));
    assert_eq!(context.alert.as_ref().unwrap().key, "db-1");
    let to = context.recipient.as_ref().unwrap();
    assert_eq!(to.name, "Ops");
    assert!(to.webhook_secret.is_some(), "sealed, as stored");
    assert_eq!(context.flood_limit, None, "webhooks have none by default");
    // The handed notification is the row as stored, field for field.
    let stored = log(store, &acme.id).await;
    let row = stored.iter().find(|s| s.id == n.id).expect("stored");
    assert_eq!(n, row);
    let states: Vec<(String, String, i64)> = stored
        .into_iter()
        .map(|n| (n.address, n.state.as_str().to_owned(), n.attempts))
        .collect();
    let handed_address = n.address.clone();
    assert_eq!(states.len(), 3, "{states:?}");
    for (address, state, attempts) in &states {
        let expected = if *address == handed_address {
            ("sending", 1)
        } else {
            ("queued", 0)
        };
        assert_eq!((state.as_str(), *attempts), expected, "{states:?}");
    }
    assert!(
        states
            .iter()
            .any(|(a, s, _)| a.ends_with("/later") && s == "queued")
    );
    assert!(desk.try_recv().is_err(), "one hand-off");
}

pub async fn older_queued_work_goes_first_and_a_stopping_dispatcher_gives_claims_back(
    store: &SqlStore,
) {
    let (acme, _, token) = ops_with(store, &[("http://127.0.0.1:9/a", 0)]).await;
    let wakeup = Wakeup::default();
    let room = Arc::new(Semaphore::new(10));
    let mut desk = wakeup.desk_open(Arc::clone(&room), 10, LEASE);
    let app = app(store, &wakeup);

    // Notifications wait unclaimed on this node: the batch queues behind them.
    wakeup.queued(1);
    post(&app, &token, "db-1").await;
    assert!(desk.try_recv().is_err(), "nothing handed over");
    assert_eq!(log(store, &acme.id).await[0].state.as_str(), "queued");
    wakeup.claimed(1, true);

    // The dispatcher takes nothing more (it stopped): the claim goes back to the queue, its
    // attempt not counted, for any node to send.
    desk.close();
    post(&app, &token, "db-2").await;
    let all = log(store, &acme.id).await;
    assert_eq!(all.len(), 2);
    for n in &all {
        assert_eq!((n.state.as_str(), n.attempts), ("queued", 0), "{all:?}");
    }
    assert_eq!(room.available_permits(), 10, "every place is free again");
}

pub async fn a_running_dispatcher_sends_what_it_is_handed_once(store: &SqlStore) {
    let receiver = Receiver::start().await;
    let (acme, methods, token) = ops_with(store, &[(&receiver.url("hook"), 0)]).await;
    let secret = methods[0].secret.clone().expect("a webhook has a secret");
    // It polls once an hour: only a hand-off (or a wake-up) makes it send.
    let config = DispatchConfig {
        poll: Duration::from_secs(3600),
        ..DispatchConfig::default()
    };
    let (wakeup, shutdown, running, _dir) = started(store, config).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let app = app(store, &wakeup);
    for key in ["db-1", "db-2", "db-3"] {
        post(&app, &token, key).await;
    }
    while receiver.received().len() < 3
        || log(store, &acme.id)
            .await
            .iter()
            .any(|n| n.state.as_str() != "sent")
    {
        assert!(
            Instant::now() < deadline,
            "not sent: {:?}",
            log(store, &acme.id).await
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    shutdown.trigger();
    running.await.unwrap();
    let got = receiver.received();
    assert_eq!(got.len(), 3, "each sent once");
    for request in &got {
        let body = verify_standard_webhook(secret.expose(), request).expect("signed");
        assert_eq!(body["company"]["name"], "Northwind");
    }
    for n in log(store, &acme.id).await {
        assert_eq!((n.state.as_str(), n.attempts), ("sent", 1));
    }
}

/// A place in the dispatcher is free again as soon as its notification's outcome is recorded,
/// not when its whole batch is: a send that hangs keeps only its own place, and the next batch
/// is handed over beside it instead of waiting behind it.
pub async fn a_recorded_notification_frees_its_place_before_its_batch_ends(store: &SqlStore) {
    let receiver = Receiver::start().await;
    // A webhook that takes connections and never answers (until the send times out).
    let hanging = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hanging_url = format!("http://{}/hook", hanging.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = hanging.accept().await {
            open.push(socket);
        }
    });
    // Ops (Northwind) behind the hanging webhook, Dev (Contoso) behind the answering one.
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let contoso = company(store, &acme, "Contoso").await;
    let ops = contact(store, &acme, "Ops", only(&[&nw])).await;
    let dev = contact(store, &acme, "Dev", only(&[&contoso])).await;
    add(store, &acme, &ops, "webhook", &hanging_url, "info", 0).await;
    add(
        store,
        &acme,
        &dev,
        "webhook",
        &receiver.url("fast"),
        "info",
        0,
    )
    .await;
    let user = new_user("Ada", "ada@acme.example", Role::Admin, CompanyAccess::All);
    tx!(store, reach::store::users::create, &acme.id, &user)
        .await
        .unwrap();
    let email = EmailAddress::parse("ada@acme.example").unwrap();
    let login = reach::store::users::login_by_email(&mut store.read().await.unwrap(), &email)
        .await
        .unwrap()
        .unwrap();
    let caller = Caller::from_login(login).unwrap();
    // Ada posts; she is not told.
    let mut tx = store.write().await.unwrap();
    sqlx::query("DELETE FROM contact_methods WHERE address = 'ada@acme.example'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Room for two notifications.
    let config = DispatchConfig {
        poll: Duration::from_secs(3600),
        batch: 2,
        batches_in_flight: 1,
        ..DispatchConfig::default()
    };
    let (wakeup, shutdown, running, _dir) = started(store, config).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let app = app(store, &wakeup);
    // One batch, one notification each, both handed over together.
    let batch = vec![
        alert(&contoso, "db-1", "critical", "firing"),
        alert(&nw, "db-1", "critical", "firing"),
    ];
    reach::app::alerts::ingest(&app, &caller, batch)
        .await
        .unwrap();
    // Dev's is sent and recorded while Ops's hangs.
    while receiver.received().is_empty()
        || !log(store, &acme.id)
            .await
            .iter()
            .any(|n| n.state.as_str() == "sent")
    {
        assert!(Instant::now() < deadline, "the fast webhook was not sent");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The next alert finds the place Dev's left: it is handed over (claimed, its attempt
    // counted) at once, not queued behind the hanging send.
    let next = vec![alert(&contoso, "db-2", "critical", "firing")];
    reach::app::alerts::ingest(&app, &caller, next)
        .await
        .unwrap();
    let tried: Vec<(String, i64)> = log(store, &acme.id)
        .await
        .into_iter()
        .map(|n| (n.state.as_str().to_owned(), n.attempts))
        .collect();
    assert_eq!(tried.len(), 3, "{tried:?}");
    assert!(
        tried.iter().all(|(_, attempts)| *attempts == 1),
        "every one claimed: {tried:?}"
    );
    shutdown.trigger();
    running.await.unwrap();
    held.abort();
}
