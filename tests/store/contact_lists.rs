//! The contacts list: order, cursor pages, search, and filters by company, kind and scope.

use crate::common::add_method;
use crate::fixtures::{account, company, contact, method, names, new_user, only};
use crate::{read, tx};
use reach::domain::{AccountId, CompanyAccess, CompanyId, Role};
use reach::store::{ContactKind, ContactQuery, Cursor, PageRequest, SqlStore, StoreError};

pub async fn lists_are_ordered_and_paginated_by_cursor(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    for n in ["delta", "Bravo", "alpha", "Charlie", "echo", "bravo"] {
        contact(store, &acme, n, CompanyAccess::All).await;
    }
    tx!(
        store,
        reach::store::users::create,
        &acme.id,
        &new_user(
            "Admin",
            "admin@example.com",
            Role::Admin,
            CompanyAccess::All,
        )
    )
    .await
    .expect("user");
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let query = ContactQuery {
            page: PageRequest::new(Some(3), cursor).expect("page"),
            ..Default::default()
        };
        let page = read!(
            store,
            reach::store::contacts::list,
            &acme.id,
            &CompanyAccess::All,
            &query
        )
        .await
        .expect("list");
        pages += 1;
        seen.extend(page.items.iter().map(|c| c.name.clone()));
        match page.next_cursor {
            Some(next) => cursor = Some(Cursor::parse(&next).expect("cursor")),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    // Case-insensitive order; the two "bravo"s keep a stable order between them.
    let lower: Vec<String> = seen.iter().map(|s| s.to_lowercase()).collect();
    assert_eq!(
        lower,
        [
            "admin", "alpha", "bravo", "bravo", "charlie", "delta", "echo"
        ]
    );
    assert_eq!(seen.len(), 7);
    let everything = read!(
        store,
        reach::store::contacts::list,
        &acme.id,
        &CompanyAccess::All,
        &ContactQuery::default()
    )
    .await
    .expect("one page");
    assert_eq!(
        names(&everything.items),
        seen.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(everything.next_cursor, None);
}

pub async fn lists_search_names_and_addresses_case_insensitively(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let alvaro = contact(store, &acme, "Álvaro Núñez", CompanyAccess::All).await;
    let percent = contact(store, &acme, "100% Uptime_Team", CompanyAccess::All).await;
    let plain = contact(store, &acme, "Uptime Team", CompanyAccess::All).await;
    add_method(
        store,
        &acme.id,
        &plain.id,
        &method("email", "Oncall@Example.COM"),
    )
    .await
    .expect("email");
    add_method(
        store,
        &acme.id,
        &alvaro.id,
        &method("phone", "612 34 56 78"),
    )
    .await
    .expect("phone");
    let search = |text: &str| {
        let query = ContactQuery {
            text: Some(text.into()),
            ..Default::default()
        };
        list(store, &acme.id, CompanyAccess::All, query)
    };
    assert_eq!(search("ÁLVARO").await, ["Álvaro Núñez"]);
    assert_eq!(search("núñ").await, ["Álvaro Núñez"]);
    assert_eq!(search("oncall@example").await, ["Uptime Team"]);
    assert_eq!(search("EXAMPLE.com").await, ["Uptime Team"]);
    assert_eq!(search("+346123").await, ["Álvaro Núñez"]);
    // Wildcards are searched for literally.
    assert_eq!(search("%").await, ["100% Uptime_Team"]);
    assert_eq!(search("e_t").await, ["100% Uptime_Team"]);
    assert_eq!(
        search("uptime").await,
        [percent.name.as_str(), "Uptime Team"]
    );
    assert!(search("zzz").await.is_empty());
    assert_eq!(search("  ").await.len(), 3, "a blank search lists everyone");
}

pub async fn lists_filter_by_company_kind_and_scope(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let northwind = company(store, &acme, "Northwind").await;
    let contoso = company(store, &acme, "Contoso").await;
    let fabrikam = company(store, &acme, "Fabrikam").await;
    contact(store, &acme, "Nora (Northwind)", only(&[&northwind])).await;
    contact(store, &acme, "Carl (Contoso)", only(&[&contoso])).await;
    contact(store, &acme, "Everyone", CompanyAccess::All).await;
    tx!(
        store,
        reach::store::users::create,
        &acme.id,
        &new_user(
            "Tess (tech)",
            "tess@example.com",
            Role::Technician,
            only(&[&northwind]),
        )
    )
    .await
    .expect("user");
    let list = |scope: CompanyAccess, query: ContactQuery| list(store, &acme.id, scope, query);
    let by_company = |c: &CompanyId| ContactQuery {
        company: Some(c.clone()),
        ..Default::default()
    };
    assert_eq!(
        list(CompanyAccess::All, by_company(&northwind.id)).await,
        ["Everyone", "Nora (Northwind)", "Tess (tech)"]
    );
    assert_eq!(
        list(CompanyAccess::All, by_company(&fabrikam.id)).await,
        ["Everyone"]
    );
    let kind = |k| ContactQuery {
        kind: Some(k),
        ..Default::default()
    };
    assert_eq!(
        list(CompanyAccess::All, kind(ContactKind::User)).await,
        ["Tess (tech)"]
    );
    assert_eq!(
        list(CompanyAccess::All, kind(ContactKind::Contact))
            .await
            .len(),
        3
    );
    // A technician of Northwind sees contacts with access to Northwind, not Contoso's.
    let tech = only(&[&northwind]);
    assert_eq!(
        list(tech.clone(), ContactQuery::default()).await,
        ["Everyone", "Nora (Northwind)", "Tess (tech)"]
    );
    assert_eq!(
        list(tech.clone(), by_company(&contoso.id)).await,
        ["Everyone"]
    );
    let carl = read!(
        store,
        reach::store::contacts::list,
        &acme.id,
        &CompanyAccess::All,
        &ContactQuery {
            text: Some("carl".into()),
            ..Default::default()
        }
    )
    .await
    .expect("carl");
    let hidden = read!(
        store,
        reach::store::contacts::get,
        &acme.id,
        &tech,
        &carl.items[0].id
    )
    .await;
    assert!(matches!(hidden, Err(StoreError::NotFound)));
    // A scope whose companies are all gone sees nothing.
    assert!(
        list(
            CompanyAccess::Only(Default::default()),
            ContactQuery::default()
        )
        .await
        .is_empty()
    );
}

/// The names a list answers, in order.
async fn list(
    store: &SqlStore,
    account: &AccountId,
    scope: CompanyAccess,
    query: ContactQuery,
) -> Vec<String> {
    let page = read!(store, reach::store::contacts::list, account, &scope, &query)
        .await
        .expect("list");
    page.items.into_iter().map(|c| c.name).collect()
}
