//! Acknowledgement: it stops the escalation, and the signed link acknowledges as the
//! recipient.

use crate::common::ingest;
use crate::fixtures::{account, company, contact, only};
use crate::harness::{PUBLIC_URL, Receiver, SECRET_KEY, dispatcher, t0};
use crate::steps::{add, alert, clock, log, person};
use crate::tx;
use chrono::Duration;
use reach::domain::{CompanyAccess, ContactId, Locale};
use reach::links::LinkSigner;
use reach::runtime::Clock;
use reach::store::SqlStore;

pub async fn acknowledging_stops_the_escalation(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let ops = contact(store, &acme, "Ops bot", CompanyAccess::All).await;
    let receiver = Receiver::start().await;
    add(
        store,
        &acme,
        &ops,
        "webhook",
        &receiver.url("now"),
        "info",
        0,
    )
    .await;
    add(
        store,
        &acme,
        &ops,
        "webhook",
        &receiver.url("later"),
        "info",
        15,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let worker = dispatcher(store, clock.clone(), None, dir.path(), true);
    let stored = ingest(
        store,
        &acme.id,
        &[alert(&nw, "k", "critical", "firing")],
        t0(),
    )
    .await
    .unwrap();
    assert_eq!(
        worker.run_once().await.unwrap(),
        1,
        "the escalation waits 15 min"
    );
    tx!(
        store,
        reach::store::alerts::acknowledge,
        &acme.id,
        &CompanyAccess::All,
        &stored[0].id,
        &ops.id,
        t0() + Duration::minutes(5)
    )
    .await
    .unwrap();
    clock.set(t0() + Duration::minutes(15));
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(
        receiver.received().len(),
        1,
        "only the first notice went out"
    );
    let escalation = log(store, &acme.id)
        .await
        .into_iter()
        .find(|n| n.escalation)
        .unwrap();
    assert_eq!(
        (escalation.state.as_str(), escalation.reason.as_deref()),
        ("suppressed", Some("acknowledged"))
    );

    // Unacknowledged, the escalation goes out at its time, not before.
    ingest(
        store,
        &acme.id,
        &[alert(&nw, "k2", "critical", "firing")],
        clock.now(),
    )
    .await
    .unwrap();
    worker.run_once().await.unwrap();
    clock.advance(Duration::minutes(14));
    assert_eq!(worker.run_once().await.unwrap(), 0);
    clock.advance(Duration::minutes(1));
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let got = receiver.received();
    assert_eq!(got.len(), 3);
    let body: serde_json::Value = serde_json::from_str(&got[2].body).unwrap();
    assert_eq!(body["type"], "alert.opened");
    assert_eq!(body["key"], "k2");
}

pub async fn the_acknowledge_link_acknowledges_as_the_recipient(store: &SqlStore) {
    use reach::links::{ACK_LINK_LIFETIME, AckGrant, LinkError};
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let marta = person(store, &acme, "Marta Ruiz", only(&[&nw]), Locale::Es).await;
    let stored = ingest(
        store,
        &acme.id,
        &[alert(&nw, "k", "critical", "firing")],
        t0(),
    )
    .await
    .unwrap();
    let signer = LinkSigner::new(SECRET_KEY, PUBLIC_URL);
    let grant = AckGrant {
        account_id: acme.id.clone(),
        alert_id: stored[0].id.clone(),
        contact_id: marta.id.clone(),
        expires_at: t0() + ACK_LINK_LIFETIME,
    };
    let token = signer.ack_token(&grant);
    assert_eq!(
        signer.check_ack(&token, t0() + ACK_LINK_LIFETIME),
        Err(LinkError::Expired)
    );
    let checked = signer.check_ack(&token, t0()).unwrap();
    let acked = tx!(
        store,
        reach::store::alerts::acknowledge,
        &checked.account_id,
        &CompanyAccess::All,
        &checked.alert_id,
        &checked.contact_id,
        t0()
    )
    .await
    .unwrap();
    assert_eq!(acked.acknowledged_by, Some(marta.id.clone()));
    assert_eq!(acked.acknowledged_at, Some(t0()));
    // The first acknowledgement stands.
    let again = tx!(
        store,
        reach::store::alerts::acknowledge,
        &acme.id,
        &CompanyAccess::All,
        &stored[0].id,
        &ContactId::from_string("someone-else"),
        t0() + Duration::minutes(1)
    )
    .await
    .unwrap();
    assert_eq!(again.acknowledged_by, Some(marta.id));
}

/// A recipient who lost access to the alert's company (or was deleted) holds a link that no
/// longer works: opening and pressing it answer as an invalid link does, and acknowledge
/// nothing. Given access back, the same link works again.
pub async fn the_acknowledge_link_stops_working_without_access(store: &SqlStore) {
    use reach::app::alerts::{Acknowledger, ack_link, acknowledge};
    use reach::domain::NewContact;
    use reach::links::{ACK_LINK_LIFETIME, AckGrant};
    let acme = account(store, "Acme").await;
    let nw = company(store, &acme, "Northwind").await;
    let contoso = company(store, &acme, "Contoso").await;
    let marta = person(store, &acme, "Marta Ruiz", only(&[&nw]), Locale::Es).await;
    let pablo = person(store, &acme, "Pablo", CompanyAccess::All, Locale::Es).await;
    let stored = ingest(
        store,
        &acme.id,
        &[alert(&nw, "k", "critical", "firing")],
        t0(),
    )
    .await
    .unwrap();
    let app = reach::app::App::new(
        store.clone(),
        reach::config::Secret::from(SECRET_KEY.to_owned()),
        false,
        PUBLIC_URL,
        reach::runtime::Wakeup::default(),
    );
    let grant = |who: &reach::store::Contact| AckGrant {
        account_id: acme.id.clone(),
        alert_id: stored[0].id.clone(),
        contact_id: who.id.clone(),
        expires_at: chrono::Utc::now() + ACK_LINK_LIFETIME,
    };
    let (marta_link, pablo_link) = (grant(&marta), grant(&pablo));
    assert!(
        ack_link(&app, &marta_link, false)
            .await
            .unwrap()
            .alert
            .is_some(),
        "the link works while Marta has access"
    );
    let access = |companies| NewContact {
        name: crate::fixtures::name("Marta Ruiz"),
        companies,
        locale: Some(Locale::Es),
        timezone: None,
    };
    tx!(
        store,
        reach::store::contacts::update,
        &acme.id,
        &marta.id,
        &access(only(&[&contoso]))
    )
    .await
    .unwrap();
    tx!(store, reach::store::contacts::delete, &acme.id, &pablo.id)
        .await
        .unwrap();
    for link in [&marta_link, &pablo_link] {
        for press in [false, true] {
            let shown = ack_link(&app, link, press).await.unwrap();
            assert!(shown.alert.is_none(), "press={press}: {shown:?}");
        }
        let refused = acknowledge(&app, Acknowledger::Link(link), &stored[0].id).await;
        assert!(
            matches!(refused, Err(reach::error::AppError::NotFound)),
            "{refused:?}"
        );
    }
    let alert = crate::read!(
        store,
        reach::store::alerts::get_alert,
        &acme.id,
        &CompanyAccess::All,
        &stored[0].id
    )
    .await
    .unwrap();
    assert_eq!(alert.acknowledged_at, None, "nothing acknowledged");

    // Access given back: the same link works again.
    tx!(
        store,
        reach::store::contacts::update,
        &acme.id,
        &marta.id,
        &access(only(&[&nw, &contoso]))
    )
    .await
    .unwrap();
    let pressed = ack_link(&app, &marta_link, true).await.unwrap();
    let linked = pressed.alert.expect("the link works again");
    assert!(linked.done);
    assert_eq!(linked.alert.acknowledged_by, Some(marta.id.clone()));
}
