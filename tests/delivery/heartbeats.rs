//! Heartbeats: a missed ping opens one critical alert (however many nodes watch), its
//! notifications go out, and the next ping resolves it.

use crate::fixtures::{account, company};
use crate::harness::{PUBLIC_URL, SECRET_KEY, dispatcher_with_provider};
use crate::phone_steps::{add, log, marta};
use crate::{read, tx};
use chrono::{DateTime, Duration, Utc};
use reach::app::App;
use reach::domain::integration::{Body, IntegrationKind, NewIntegration};
use reach::domain::{AlertStatus, CompanyAccess, Severity};
use reach::integrations_watch::HeartbeatWatch;
use reach::runtime::{ManualClock, Wakeup};
use reach::store::{Account, Alert, AlertQuery, PageRequest, SqlStore};
use std::sync::Arc;

async fn alerts(store: &SqlStore, acme: &Account) -> Vec<Alert> {
    read!(
        store,
        reach::store::alerts::list_alerts,
        &acme.id,
        &CompanyAccess::All,
        &AlertQuery {
            page: PageRequest::new(Some(500), None).unwrap(),
            ..AlertQuery::default()
        }
    )
    .await
    .unwrap()
    .items
}

fn watcher(store: &SqlStore, clock: &Arc<ManualClock>) -> HeartbeatWatch {
    HeartbeatWatch {
        store: store.clone(),
        clock: clock.clone(),
        wakeup: Wakeup::default(),
    }
}

pub async fn a_missed_heartbeat_opens_one_alert_and_the_next_ping_resolves_it(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let marta = marta(store, &acme, &nw).await;
    add(store, &acme, &marta, "email", "marta@example.com").await;
    // The clock starts in the past: pings come in at the real time (`hooks::receive`).
    let created: DateTime<Utc> = Utc::now() - Duration::minutes(10);
    let clock = Arc::new(ManualClock::new(created));
    let (token, hash) = reach::auth::generate_token();
    let new = NewIntegration::parse(
        Some("Backups"),
        Some("heartbeat"),
        Some(nw.id.as_str()),
        None,
        None,
        Some(5),
    )
    .unwrap();
    assert_eq!(new.kind, IntegrationKind::Heartbeat);
    let beat = tx!(
        store,
        reach::store::integrations::create,
        &acme.id,
        &new,
        &hash,
        created
    )
    .await
    .unwrap();
    // A second heartbeat of the same company, with a longer period: an alert of its own.
    let nightly = NewIntegration::parse(
        Some("Nightly"),
        Some("heartbeat"),
        Some(nw.id.as_str()),
        None,
        None,
        Some(60),
    )
    .unwrap();
    let (_, nightly_hash) = reach::auth::generate_token();
    let nightly = tx!(
        store,
        reach::store::integrations::create,
        &acme.id,
        &nightly,
        &nightly_hash,
        created
    )
    .await
    .unwrap();
    let watch = watcher(store, &clock);

    // A full period from creation before the first ping is due.
    clock.set(created + Duration::minutes(4));
    assert_eq!(watch.run_once().await.unwrap(), 0);
    assert!(alerts(store, &acme).await.is_empty());

    clock.set(created + Duration::minutes(6));
    assert_eq!(watch.run_once().await.unwrap(), 1);
    let open = alerts(store, &acme).await;
    assert_eq!(open.len(), 1, "{open:?}");
    let alert = &open[0];
    assert_eq!(alert.title, "No heartbeat from Backups");
    assert_eq!(alert.severity, Severity::Critical);
    assert_eq!(alert.status, AlertStatus::Firing);
    assert_eq!(alert.key, format!("heartbeat:{}", beat.id));
    assert_eq!(alert.company_id, nw.id);
    let notified = log(store, &acme).await;
    assert_eq!(notified.len(), 1, "{notified:?}");
    assert_eq!(notified[0].alert_id.as_ref(), Some(&alert.id));
    assert_eq!(notified[0].event.as_str(), "opened");

    // Two nodes watching at once: still one alert, nobody told twice.
    clock.set(created + Duration::minutes(7));
    let other = watcher(store, &clock);
    let (a, b) = tokio::join!(watch.run_once(), other.run_once());
    assert_eq!((a.unwrap(), b.unwrap()), (0, 0));
    assert_eq!(alerts(store, &acme).await.len(), 1);
    assert_eq!(log(store, &acme).await.len(), 1);
    // Its notification goes out.
    let dir = tempfile::tempdir().unwrap();
    let worker = dispatcher_with_provider(store, clock.clone(), dir.path(), None);
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    // A ping resolves it.
    let app = std::sync::Arc::new(App::new(
        store.clone(),
        SECRET_KEY.to_owned().into(),
        false,
        PUBLIC_URL,
        Wakeup::default(),
    ));
    let pinged = reach::app::hooks::receive(&app, &token, Body::Form(&[]))
        .await
        .unwrap();
    assert_eq!(pinged, 0);
    let after = alerts(store, &acme).await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].status, AlertStatus::Resolved);

    // Then nothing until the next deadline, a period after that ping.
    let ping = read!(store, reach::store::integrations::get, &acme.id, &beat.id)
        .await
        .unwrap()
        .last_ping_at
        .unwrap();
    clock.set(ping + Duration::minutes(5) - Duration::seconds(1));
    assert_eq!(watch.run_once().await.unwrap(), 0);
    assert_eq!(alerts(store, &acme).await.len(), 1);
    clock.set(ping + Duration::minutes(5));
    assert_eq!(watch.run_once().await.unwrap(), 1);
    let again = alerts(store, &acme).await;
    assert_eq!(firing(&again), vec![format!("heartbeat:{}", beat.id)]);
    let told = log(store, &acme).await.len();

    // Two nodes racing on a newly missed heartbeat: one of them opens its alert, once.
    clock.set(created + Duration::minutes(60));
    let (a, b) = tokio::join!(watch.run_once(), other.run_once());
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    let both = alerts(store, &acme).await;
    let mut want = vec![
        format!("heartbeat:{}", beat.id),
        format!("heartbeat:{}", nightly.id),
    ];
    want.sort();
    assert_eq!(firing(&both), want, "{both:?}");
    assert_eq!(log(store, &acme).await.len(), told + 1);
}

/// The keys of the firing alerts, sorted.
fn firing(alerts: &[Alert]) -> Vec<String> {
    let mut keys: Vec<String> = alerts
        .iter()
        .filter(|a| a.status == AlertStatus::Firing)
        .map(|a| a.key.clone())
        .collect();
    keys.sort();
    keys
}
