use crate::common::add_method;
use crate::fixtures::{account, company, contact, method, name, new_contact, only};
use crate::{read, tx};
use reach::domain::CompanyAccess;
use reach::store::{ContactQuery, PageRequest, SqlStore, StoreError};

/// Every read and write of account B on account A's objects finds nothing and changes nothing.
pub async fn another_account_sees_and_changes_nothing(store: &SqlStore) {
    let a = account(store, "Account A").await;
    let b = account(store, "Account B").await;
    let northwind = company(store, &a, "Northwind").await;
    let ana = contact(store, &a, "Ana", only(&[&northwind])).await;
    let sms = add_method(store, &a.id, &ana.id, &method("sms", "612 34 56 78"))
        .await
        .expect("method");
    let before = read!(
        store,
        reach::store::contacts::get,
        &a.id,
        &CompanyAccess::All,
        &ana.id
    )
    .await
    .expect("read");

    let all = CompanyAccess::All;
    let listed = read!(
        store,
        reach::store::contacts::list,
        &b.id,
        &all,
        &ContactQuery {
            text: Some("ana".into()),
            ..Default::default()
        }
    )
    .await
    .expect("list");
    assert!(listed.items.is_empty());
    let companies = read!(
        store,
        reach::store::companies::list,
        &b.id,
        &all,
        &PageRequest::default()
    )
    .await
    .expect("companies");
    assert!(companies.items.is_empty());
    let not_found =
        |r: Result<(), StoreError>| assert!(matches!(r, Err(StoreError::NotFound)), "{r:?}");
    not_found(
        read!(store, reach::store::contacts::get, &b.id, &all, &ana.id)
            .await
            .map(drop),
    );
    not_found(
        read!(
            store,
            reach::store::companies::get,
            &b.id,
            &all,
            &northwind.id
        )
        .await
        .map(drop),
    );
    not_found(
        tx!(
            store,
            reach::store::companies::rename,
            &b.id,
            &northwind.id,
            &name("Mine")
        )
        .await
        .map(drop),
    );
    not_found(tx!(store, reach::store::companies::delete, &b.id, &northwind.id).await);
    not_found(
        tx!(
            store,
            reach::store::contacts::update,
            &b.id,
            &ana.id,
            &new_contact("Stolen", CompanyAccess::All)
        )
        .await
        .map(drop),
    );
    not_found(tx!(store, reach::store::contacts::delete, &b.id, &ana.id).await);
    not_found(
        add_method(store, &b.id, &ana.id, &method("email", "x@example.com"))
            .await
            .map(drop),
    );
    not_found(
        tx!(
            store,
            reach::store::methods::update,
            &b.id,
            &ana.id,
            &sms.id,
            &method("sms", "699112233"),
            &crate::common::sealer()
        )
        .await
        .map(drop),
    );
    not_found(
        tx!(
            store,
            reach::store::methods::delete,
            &b.id,
            &ana.id,
            &sms.id
        )
        .await,
    );

    let after = read!(
        store,
        reach::store::contacts::get,
        &a.id,
        &CompanyAccess::All,
        &ana.id
    )
    .await
    .expect("still there");
    assert_eq!(after, before);
    assert_eq!(
        read!(
            store,
            reach::store::companies::get,
            &a.id,
            &all,
            &northwind.id
        )
        .await
        .expect("company")
        .name,
        "Northwind"
    );
}
