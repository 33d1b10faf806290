//! What the alert delivery cases set up: an alert, a person and their methods, the
//! notification log, and the clock.

use crate::common::add_method;
use crate::harness::t0;
use crate::{read, tx};
use reach::domain::{
    AccountId, AlertInput, CompanyAccess, Locale, MethodInput, NewAlert, NewContact, ParseContext,
    Region, TimeZone,
};
use reach::runtime::ManualClock;
use reach::store::{Account, Company, Contact, Method, Notification, NotificationQuery, SqlStore};
use std::sync::Arc;

pub fn alert(company: &Company, key: &str, severity: &str, status: &str) -> NewAlert {
    AlertInput {
        company_id: Some(company.id.to_string()),
        key: Some(key.into()),
        severity: Some(severity.into()),
        title: Some(format!("Disco lleno en {key} & <más>")),
        body: Some("Quedan 2 GB en /var.".into()),
        labels: [("host".to_owned(), "srv-12".to_owned())].into(),
        status: Some(status.into()),
    }
    .parse("")
    .unwrap()
}

pub async fn add(
    store: &SqlStore,
    account: &Account,
    who: &Contact,
    kind: &str,
    address: &str,
    min_severity: &str,
    delay: i64,
) -> Method {
    let new = MethodInput {
        kind: Some(kind.into()),
        address: Some(address.into()),
        min_severity: Some(Some(min_severity.into())),
        delay_minutes: Some(delay),
        ..MethodInput::default()
    }
    .parse(&ParseContext {
        default_region: Region::parse("ES").unwrap(),
        allow_loopback: true,
    })
    .unwrap();
    add_method(store, &account.id, &who.id, &new).await.unwrap()
}

pub async fn person(
    store: &SqlStore,
    account: &Account,
    name: &str,
    companies: CompanyAccess,
    locale: Locale,
) -> Contact {
    tx!(
        store,
        reach::store::contacts::create,
        &account.id,
        &NewContact {
            name: crate::fixtures::name(name),
            companies,
            locale: Some(locale),
            timezone: Some(TimeZone::parse("America/New_York").unwrap()),
        }
    )
    .await
    .unwrap()
}

pub async fn log(store: &SqlStore, account: &AccountId) -> Vec<Notification> {
    let mut items = read!(
        store,
        reach::store::alerts::list_notifications,
        account,
        &CompanyAccess::All,
        &NotificationQuery::default()
    )
    .await
    .unwrap()
    .items;
    items.reverse();
    items
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(t0()))
}
