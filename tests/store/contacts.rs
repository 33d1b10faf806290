//! Contacts: their fields, their companies, updates and deletes.

use crate::common::add_method;
use crate::fixtures::{account, company, contact, method, new_contact, only};
use crate::{read, tx};
use reach::domain::{CompanyAccess, CompanyId, Invalid, Locale, TimeZone};
use reach::store::{ContactKind, ContactQuery, SqlStore, StoreError};

pub async fn contacts_keep_their_fields_exactly(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let northwind = company(store, &acme, "Northwind").await;
    for n in [
        "👩‍👩‍👧‍👦 Family 🚀",
        "محمد عبد الله",
        "שָׁלוֹם כהן",
        &"é".repeat(200),
    ] {
        let created = contact(store, &acme, n, only(&[&northwind])).await;
        assert_eq!(created.name, n);
        let read = read!(
            store,
            reach::store::contacts::get,
            &acme.id,
            &CompanyAccess::All,
            &created.id
        )
        .await
        .expect("read back");
        assert_eq!(read, created);
        assert_eq!(read.kind(), ContactKind::Contact);
        assert!(read.methods.is_empty() && read.user.is_none());
        assert_eq!(read.companies, only(&[&northwind]));
    }
    let mut full = new_contact("Ana", CompanyAccess::All);
    full.locale = Some(Locale::Es);
    full.timezone = Some(TimeZone::parse("America/Mexico_City").expect("zone"));
    let created = tx!(store, reach::store::contacts::create, &acme.id, &full)
        .await
        .expect("create");
    assert_eq!(created.locale, Some(Locale::Es));
    assert_eq!(
        created.timezone.map(TimeZone::as_str),
        Some("America/Mexico_City")
    );
    assert_eq!(created.companies, CompanyAccess::All);
}

pub async fn unknown_companies_are_a_field_error_and_write_nothing(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let other = account(store, "Other").await;
    let mine = company(store, &acme, "Mine").await;
    let theirs = company(store, &other, "Theirs").await;
    let made_up = CompanyId::from_string("no-such-company");
    for bad in [&theirs.id, &made_up] {
        let access = crate::fixtures::only_ids(&[&mine.id, bad]);
        let result = tx!(
            store,
            reach::store::contacts::create,
            &acme.id,
            &new_contact("Ghost", access)
        )
        .await;
        match result {
            Err(StoreError::Invalid(fields)) => {
                assert_eq!(fields.len(), 1);
                assert_eq!(
                    (fields[0].field.as_str(), &fields[0].error),
                    ("companies", &Invalid::UnknownCompany)
                );
            }
            other => panic!("expected a field error, got {other:?}"),
        }
    }
    let listed = read!(
        store,
        reach::store::contacts::list,
        &acme.id,
        &CompanyAccess::All,
        &ContactQuery::default()
    )
    .await
    .expect("list");
    assert!(
        listed.items.is_empty(),
        "nothing may be written: {listed:?}"
    );

    let kept = contact(store, &acme, "Kept", only(&[&mine])).await;
    let update = tx!(
        store,
        reach::store::contacts::update,
        &acme.id,
        &kept.id,
        &new_contact("Renamed", crate::fixtures::only_ids(&[&theirs.id]))
    )
    .await;
    assert!(matches!(update, Err(StoreError::Invalid(_))), "{update:?}");
    let read = read!(
        store,
        reach::store::contacts::get,
        &acme.id,
        &CompanyAccess::All,
        &kept.id
    )
    .await
    .expect("read");
    assert_eq!(read, kept, "a refused update changes nothing");
}

pub async fn contacts_are_updated_and_deleted_with_their_methods(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let northwind = company(store, &acme, "Northwind").await;
    let contoso = company(store, &acme, "Contoso").await;
    let ana = contact(store, &acme, "Ana", only(&[&northwind])).await;
    let mut changes = new_contact("Ana María", only(&[&contoso]));
    changes.locale = Some(Locale::En);
    let updated = tx!(
        store,
        reach::store::contacts::update,
        &acme.id,
        &ana.id,
        &changes
    )
    .await
    .expect("update");
    assert_eq!(updated.name, "Ana María");
    assert_eq!(updated.companies, only(&[&contoso]));
    assert_eq!(updated.locale, Some(Locale::En));
    assert!(updated.updated_at >= ana.updated_at);

    let email = add_method(
        store,
        &acme.id,
        &ana.id,
        &method("email", "ana@example.com"),
    )
    .await
    .expect("email");
    add_method(store, &acme.id, &ana.id, &method("sms", "+34 612 34 56 78"))
        .await
        .expect("sms");
    tx!(store, reach::store::contacts::delete, &acme.id, &ana.id)
        .await
        .expect("delete");
    let gone = read!(
        store,
        reach::store::contacts::get,
        &acme.id,
        &CompanyAccess::All,
        &ana.id
    )
    .await;
    assert!(matches!(gone, Err(StoreError::NotFound)));
    let method_gone = tx!(
        store,
        reach::store::methods::update,
        &acme.id,
        &ana.id,
        &email.id,
        &method("email", "x@example.com"),
        &crate::common::sealer()
    )
    .await;
    assert!(matches!(method_gone, Err(StoreError::NotFound)));
    for text in ["ana@example.com", "+34612345678"] {
        let query = ContactQuery {
            text: Some(text.into()),
            ..Default::default()
        };
        let found = read!(
            store,
            reach::store::contacts::list,
            &acme.id,
            &CompanyAccess::All,
            &query
        )
        .await
        .expect("search");
        assert!(found.items.is_empty(), "{text} still found");
    }
    let again = tx!(store, reach::store::contacts::delete, &acme.id, &ana.id).await;
    assert!(matches!(again, Err(StoreError::NotFound)));
}
