use crate::common::add_method;
use crate::fixtures::{account, contact, method, new_user};
use crate::{read, tx};
use reach::domain::{
    CompanyAccess, MethodInput, MethodType, ParseContext, QuietHours, Region, Role, Severity,
};
use reach::store::{SqlStore, StoreError};

pub async fn methods_of_every_type_are_stored_with_their_preferences(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let ana = contact(store, &acme, "Ana", CompanyAccess::All).await;
    let cases = [
        (
            "email",
            "Ana@Ejemplo.ES",
            "Ana@ejemplo.es",
            Some(Severity::Warning),
            true,
        ),
        (
            "email",
            "josé@bücher.example",
            "josé@xn--bcher-kva.example",
            Some(Severity::Warning),
            true,
        ),
        (
            "sms",
            "612 34 56 78",
            "+34612345678",
            Some(Severity::Critical),
            false,
        ),
        (
            "phone",
            "+1 (415) 555-2671",
            "+14155552671",
            Some(Severity::Critical),
            false,
        ),
        (
            "webhook",
            "https://hooks.example.com/reach",
            "https://hooks.example.com/reach",
            Some(Severity::Warning),
            false,
        ),
    ];
    for (kind, typed, stored, severity, reports) in cases {
        let m = add_method(store, &acme.id, &ana.id, &method(kind, typed))
            .await
            .expect("add");
        assert_eq!(m.kind, MethodType::parse(kind).expect("kind"));
        assert_eq!(m.address, stored);
        assert_eq!(
            (m.min_severity, m.reports, m.delay_minutes),
            (severity, reports, 0)
        );
        assert!(!m.verified && !m.primary && m.quiet_hours.is_none());
    }
    let custom = MethodInput {
        kind: Some("sms".into()),
        address: Some("+34 699 11 22 33".into()),
        label: Some("On-call phone 📟".into()),
        min_severity: Some(None),
        reports: Some(false),
        delay_minutes: Some(15),
        quiet_hours: Some(("22:30".into(), "07:00".into())),
    }
    .parse(&ParseContext {
        default_region: Region::parse("ES").expect("region"),
        allow_loopback: false,
    })
    .expect("valid");
    let m = add_method(store, &acme.id, &ana.id, &custom)
        .await
        .expect("add");
    assert_eq!(m.label.as_deref(), Some("On-call phone 📟"));
    assert_eq!((m.min_severity, m.delay_minutes), (None, 15));
    assert_eq!(m.quiet_hours, QuietHours::parse("22:30", "07:00").ok());

    let read = read!(
        store,
        reach::store::contacts::get,
        &acme.id,
        &CompanyAccess::All,
        &ana.id
    )
    .await
    .expect("read");
    let addresses: Vec<_> = read.methods.iter().map(|m| m.address.as_str()).collect();
    assert_eq!(
        addresses,
        [
            "Ana@ejemplo.es",
            "josé@xn--bcher-kva.example",
            "+34612345678",
            "+14155552671",
            "https://hooks.example.com/reach",
            "+34699112233"
        ],
        "in the order they were added"
    );
    assert_eq!(read.methods.last(), Some(&m));
}

pub async fn methods_are_updated_and_deleted(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let ana = contact(store, &acme, "Ana", CompanyAccess::All).await;
    let bob = contact(store, &acme, "Bob", CompanyAccess::All).await;
    let sms = add_method(store, &acme.id, &ana.id, &method("sms", "612 34 56 78"))
        .await
        .expect("add");
    let changed = tx!(
        store,
        reach::store::methods::update,
        &acme.id,
        &ana.id,
        &sms.id,
        &method("phone", "699 11 22 33"),
        &crate::common::sealer()
    )
    .await
    .expect("update");
    assert_eq!(
        (changed.kind, changed.address.as_str()),
        (MethodType::Phone, "+34699112233")
    );
    assert_eq!(changed.id, sms.id);
    assert!(!changed.verified);
    // A method is reached only through its own contact.
    let wrong_contact = tx!(
        store,
        reach::store::methods::delete,
        &acme.id,
        &bob.id,
        &sms.id
    )
    .await;
    assert!(matches!(wrong_contact, Err(StoreError::NotFound)));
    tx!(
        store,
        reach::store::methods::delete,
        &acme.id,
        &ana.id,
        &sms.id
    )
    .await
    .expect("delete");
    let read = read!(
        store,
        reach::store::contacts::get,
        &acme.id,
        &CompanyAccess::All,
        &ana.id
    )
    .await
    .expect("read");
    assert!(read.methods.is_empty());
    let again = tx!(
        store,
        reach::store::methods::delete,
        &acme.id,
        &ana.id,
        &sms.id
    )
    .await;
    assert!(matches!(again, Err(StoreError::NotFound)));
    let missing_contact = add_method(
        store,
        &acme.id,
        &reach::domain::ContactId::from_string("nobody"),
        &method("sms", "612345678"),
    )
    .await;
    assert!(matches!(missing_contact, Err(StoreError::NotFound)));
}

pub async fn a_users_primary_email_is_protected(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let user = tx!(
        store,
        reach::store::users::create,
        &acme.id,
        &new_user(
            "Tess",
            "Tess@Example.com",
            Role::Technician,
            CompanyAccess::All,
        )
    )
    .await
    .expect("user");
    let primary = user.methods.first().expect("primary email").clone();
    assert!(primary.primary);
    assert_eq!(primary.address, "Tess@example.com");
    let delete = tx!(
        store,
        reach::store::methods::delete,
        &acme.id,
        &user.id,
        &primary.id
    )
    .await;
    assert!(
        matches!(delete, Err(StoreError::Protected(_))),
        "{delete:?}"
    );
    let readdress = tx!(
        store,
        reach::store::methods::update,
        &acme.id,
        &user.id,
        &primary.id,
        &method("email", "other@example.com"),
        &crate::common::sealer()
    )
    .await;
    assert!(
        matches!(readdress, Err(StoreError::Protected(_))),
        "{readdress:?}"
    );
    // Its routing preferences may change.
    let mut quieter = method("email", "Tess@example.com");
    quieter.prefs.min_severity = Some(Severity::Critical);
    let updated = tx!(
        store,
        reach::store::methods::update,
        &acme.id,
        &user.id,
        &primary.id,
        &quieter,
        &crate::common::sealer()
    )
    .await
    .expect("preferences");
    assert_eq!(updated.min_severity, Some(Severity::Critical));
    assert!(updated.primary);
}
