use crate::fixtures::{account, company, contact, name, only};
use crate::{read, tx};
use reach::domain::{CompanyAccess, ContactId, Invalid};
use reach::store::{PageRequest, SqlStore, StoreError};

pub async fn accounts_are_found_by_name_and_unique(store: &SqlStore) {
    let acme = account(store, "Acme IT").await;
    let found = read!(store, reach::store::accounts::by_name, &name("ACME it"))
        .await
        .expect("lookup");
    assert_eq!(found.as_ref().map(|a| &a.id), Some(&acme.id));
    assert_eq!(acme.default_region.as_str(), "ES");
    assert!(acme.require_verified_phones);
    assert_eq!(acme.repeat_interval_minutes, 240);
    assert!(
        read!(store, reach::store::accounts::by_name, &name("Other"))
            .await
            .expect("lookup")
            .is_none()
    );
    let again = tx!(
        store,
        reach::store::accounts::create,
        &reach::domain::NewAccount {
            name: name("acme it"),
            default_region: acme.default_region,
            locale: acme.locale,
            timezone: acme.timezone,
        }
    )
    .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
}

pub async fn companies_are_created_renamed_and_unique_per_account(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let other = account(store, "Other").await;
    let northwind = company(store, &acme, "Northwind").await;
    // The same name in another account is fine; in the same account (any case) it is taken.
    company(store, &other, "Northwind").await;
    let dup = tx!(
        store,
        reach::store::companies::create,
        &acme.id,
        &name("NORTHWIND")
    )
    .await;
    match dup {
        Err(StoreError::Conflict(f)) => {
            assert_eq!((f.field.as_str(), f.error), ("name", Invalid::Taken))
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let renamed = tx!(
        store,
        reach::store::companies::rename,
        &acme.id,
        &northwind.id,
        &name("Northwind Traders")
    )
    .await
    .expect("rename");
    assert_eq!(renamed.name, "Northwind Traders");
    let read = read!(
        store,
        reach::store::companies::get,
        &acme.id,
        &CompanyAccess::All,
        &northwind.id
    )
    .await
    .expect("get");
    assert_eq!(read, renamed);
    let contoso = company(store, &acme, "Contoso").await;
    let clash = tx!(
        store,
        reach::store::companies::rename,
        &acme.id,
        &contoso.id,
        &name("northwind traders")
    )
    .await;
    assert!(matches!(clash, Err(StoreError::Conflict(_))));
}

pub async fn company_lists_are_ordered_paginated_and_scoped(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    for n in ["delta", "Alpha", "charlie", "Bravo", "echo"] {
        company(store, &acme, n).await;
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = PageRequest::new(Some(2), cursor).expect("page");
        let result = read!(
            store,
            reach::store::companies::list,
            &acme.id,
            &CompanyAccess::All,
            &page
        )
        .await
        .expect("list");
        assert!(result.items.len() <= 2);
        seen.extend(result.items.into_iter().map(|c| c.name));
        match result.next_cursor {
            Some(next) => cursor = Some(reach::store::Cursor::parse(&next).expect("cursor")),
            None => break,
        }
    }
    assert_eq!(seen, ["Alpha", "Bravo", "charlie", "delta", "echo"]);

    let all = read!(
        store,
        reach::store::companies::list,
        &acme.id,
        &CompanyAccess::All,
        &PageRequest::default()
    )
    .await
    .expect("list");
    let scope = only(&[&all.items[1], &all.items[3]]);
    let scoped = read!(
        store,
        reach::store::companies::list,
        &acme.id,
        &scope,
        &PageRequest::default()
    )
    .await
    .expect("scoped list");
    let names: Vec<_> = scoped.items.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Bravo", "delta"]);
    let hidden = read!(
        store,
        reach::store::companies::get,
        &acme.id,
        &scope,
        &all.items[0].id
    )
    .await;
    assert!(matches!(hidden, Err(StoreError::NotFound)));
}

pub async fn deleting_a_company_removes_it_from_every_access_set(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let northwind = company(store, &acme, "Northwind").await;
    let contoso = company(store, &acme, "Contoso").await;
    let both = contact(store, &acme, "Both", only(&[&northwind, &contoso])).await;
    let just_northwind = contact(store, &acme, "Just Northwind", only(&[&northwind])).await;
    let everyone = contact(store, &acme, "Everyone", CompanyAccess::All).await;

    tx!(
        store,
        reach::store::companies::delete,
        &acme.id,
        &northwind.id
    )
    .await
    .expect("delete");
    let get = async |id: &ContactId| {
        read!(
            store,
            reach::store::contacts::get,
            &acme.id,
            &CompanyAccess::All,
            id
        )
        .await
    };
    assert_eq!(
        get(&both.id).await.expect("both").companies,
        only(&[&contoso])
    );
    assert_eq!(
        get(&just_northwind.id).await.expect("one").companies,
        CompanyAccess::Only(Default::default())
    );
    assert_eq!(
        get(&everyone.id).await.expect("all").companies,
        CompanyAccess::All
    );
    let again = tx!(
        store,
        reach::store::companies::delete,
        &acme.id,
        &northwind.id
    )
    .await;
    assert!(matches!(again, Err(StoreError::NotFound)));

    // "All companies" includes companies added later.
    let fabrikam = company(store, &acme, "Fabrikam").await;
    let query = reach::store::ContactQuery {
        company: Some(fabrikam.id.clone()),
        ..Default::default()
    };
    let listed = read!(
        store,
        reach::store::contacts::list,
        &acme.id,
        &CompanyAccess::All,
        &query
    )
    .await
    .expect("list");
    assert_eq!(crate::fixtures::names(&listed.items), ["Everyone"]);
}
