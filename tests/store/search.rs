//! A search finds contacts by what they are now: renamed, re-addressed and deleted contacts
//! and methods leave the search indexes with them (SQLite's trigram table is kept by triggers,
//! PostgreSQL's trigram indexes by the engine).

use crate::common::{add_method, sealer};
use crate::fixtures::{account, contact, method, new_contact};
use crate::{read, tx};
use reach::domain::{AccountId, CompanyAccess};
use reach::store::{ContactQuery, SqlStore};

pub async fn search(store: &SqlStore, account: &AccountId, text: &str) -> Vec<String> {
    let query = ContactQuery {
        text: Some(text.into()),
        ..Default::default()
    };
    read!(
        store,
        reach::store::contacts::list,
        account,
        &CompanyAccess::All,
        &query
    )
    .await
    .expect("search")
    .items
    .into_iter()
    .map(|c| c.name)
    .collect()
}

pub async fn searches_follow_renames_new_addresses_and_deletions(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let ana = contact(store, &acme, "Ana López", CompanyAccess::All).await;
    contact(store, &acme, "Bea Gil", CompanyAccess::All).await;
    let email = add_method(
        store,
        &acme.id,
        &ana.id,
        &method("email", "ana.lopez@example.com"),
    )
    .await
    .expect("email");
    assert_eq!(search(store, &acme.id, "lopez@").await, ["Ana López"]);
    assert_eq!(search(store, &acme.id, "Bea G").await, ["Bea Gil"]);

    tx!(
        store,
        reach::store::contacts::update,
        &acme.id,
        &ana.id,
        &new_contact("Carmen Ruiz", CompanyAccess::All)
    )
    .await
    .expect("renamed");
    assert_eq!(search(store, &acme.id, "carmen").await, ["Carmen Ruiz"]);
    assert!(
        search(store, &acme.id, "Ana Ló").await.is_empty(),
        "the old name is gone"
    );
    assert_eq!(
        search(store, &acme.id, "lopez@").await,
        ["Carmen Ruiz"],
        "the address stays"
    );

    let sealer = sealer();
    tx!(
        store,
        reach::store::methods::update,
        &acme.id,
        &ana.id,
        &email.id,
        &method("email", "c.ruiz@example.com"),
        &sealer
    )
    .await
    .expect("re-addressed");
    assert!(search(store, &acme.id, "lopez@").await.is_empty());
    assert_eq!(search(store, &acme.id, "c.ruiz@").await, ["Carmen Ruiz"]);

    tx!(
        store,
        reach::store::methods::delete,
        &acme.id,
        &ana.id,
        &email.id
    )
    .await
    .expect("method deleted");
    assert!(search(store, &acme.id, "c.ruiz@").await.is_empty());
    assert_eq!(search(store, &acme.id, "carmen").await, ["Carmen Ruiz"]);

    tx!(store, reach::store::contacts::delete, &acme.id, &ana.id)
        .await
        .expect("contact deleted");
    assert!(search(store, &acme.id, "carmen").await.is_empty());
    assert_eq!(search(store, &acme.id, "gil").await, ["Bea Gil"]);
}
