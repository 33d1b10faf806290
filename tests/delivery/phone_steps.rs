//! What the SMS, call and code cases set up: a contact and her methods, a critical alert, the
//! notification log, code hashes and a verified method, and the clock.

use crate::common::add_method;
use crate::fixtures::only;
use crate::harness::{PUBLIC_URL, SECRET_KEY, t0};
use crate::{read, tx};
use chrono::Duration;
use reach::delivery::Dispatcher;
use reach::domain::{
    AlertInput, CompanyAccess, Locale, MethodInput, NewAlert, NewContact, ParseContext, Region,
    TimeZone,
};
use reach::links::LinkSigner;
use reach::runtime::ManualClock;
use reach::store::{
    Account, Company, Contact, Method, Notification, NotificationQuery, PageRequest, SqlStore,
    VerifyOutcome,
};
use std::sync::Arc;

pub fn critical(company: &Company, key: &str, severity: &str) -> NewAlert {
    AlertInput {
        company_id: Some(company.id.to_string()),
        key: Some(key.into()),
        severity: Some(severity.into()),
        title: Some(format!("{key} is down")),
        ..AlertInput::default()
    }
    .parse("")
    .unwrap()
}

pub async fn marta(store: &SqlStore, acme: &Account, nw: &Company) -> Contact {
    tx!(
        store,
        reach::store::contacts::create,
        &acme.id,
        &NewContact {
            name: crate::fixtures::name("Marta Ruiz"),
            companies: only(&[nw]),
            locale: Some(Locale::Es),
            timezone: Some(TimeZone::parse("Europe/Madrid").unwrap()),
        }
    )
    .await
    .unwrap()
}

pub async fn add(
    store: &SqlStore,
    acme: &Account,
    who: &Contact,
    kind: &str,
    address: &str,
) -> Method {
    let new = MethodInput {
        kind: Some(kind.into()),
        address: Some(address.into()),
        ..MethodInput::default()
    }
    .parse(&ParseContext {
        default_region: Region::parse("ES").unwrap(),
        allow_loopback: true,
    })
    .unwrap();
    add_method(store, &acme.id, &who.id, &new).await.unwrap()
}

pub async fn log(store: &SqlStore, acme: &Account) -> Vec<Notification> {
    let mut items = read!(
        store,
        reach::store::alerts::list_notifications,
        &acme.id,
        &CompanyAccess::All,
        &NotificationQuery {
            page: PageRequest::new(Some(500), None).unwrap(),
            ..NotificationQuery::default()
        }
    )
    .await
    .unwrap()
    .items;
    items.reverse();
    items
}

pub fn hash(method: &Method, code: &str) -> String {
    LinkSigner::new(SECRET_KEY, PUBLIC_URL).code_hash(method.id.as_str(), code)
}

/// Sends a code through the method and types it back.
pub async fn verify(
    store: &SqlStore,
    worker: &Arc<Dispatcher>,
    acme: &Account,
    who: &Contact,
    method: &Method,
    code: &str,
) {
    tx!(
        store,
        reach::store::outbox::start_verification,
        &acme.id,
        &who.id,
        &method.id,
        code,
        &hash(method, code),
        t0() + Duration::minutes(10),
        t0()
    )
    .await
    .unwrap();
    assert_eq!(worker.run_once().await.unwrap(), 1);
    assert_eq!(
        tx!(
            store,
            reach::app::verification::take_code,
            &acme.id,
            &who.id,
            &method.id,
            &hash(method, code),
            t0()
        )
        .await
        .unwrap(),
        VerifyOutcome::Verified
    );
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(t0()))
}
