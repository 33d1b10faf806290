//! Users: contacts with a login and a primary email, unique emails, the last admin, profile
//! changes.

use crate::fixtures::{account, company, new_user, only};
use crate::{read, tx};
use reach::domain::{CompanyAccess, EmailAddress, Name, Role};
use reach::store::{ContactKind, ContactQuery, SqlStore, StoreError};

pub async fn users_are_contacts_with_a_login_and_a_primary_email(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let northwind = company(store, &acme, "Northwind").await;
    let user = tx!(
        store,
        reach::store::users::create,
        &acme.id,
        &new_user(
            "Tess",
            "tess@example.com",
            Role::Technician,
            only(&[&northwind]),
        )
    )
    .await
    .expect("user");
    assert_eq!(user.kind(), ContactKind::User);
    let info = user.user.as_ref().expect("user info");
    assert_eq!(
        (info.email.as_str(), info.role, info.disabled),
        ("tess@example.com", Role::Technician, false)
    );
    assert_eq!(user.methods.len(), 1);
    assert_eq!(user.methods[0].address, "tess@example.com");

    let email = EmailAddress::parse("TESS@EXAMPLE.COM").expect("email");
    let login = read!(store, reach::store::users::login_by_email, &email)
        .await
        .expect("login")
        .expect("found");
    assert_eq!(login.account_id, acme.id);
    assert_eq!(login.user_id, user.id);
    assert_eq!(login.role, Role::Technician);
    assert_eq!(login.companies, only(&[&northwind]));
    assert!(login.password_hash.is_some());
    let nobody = EmailAddress::parse("nobody@example.com").expect("email");
    assert!(
        read!(store, reach::store::users::login_by_email, &nobody)
            .await
            .expect("login")
            .is_none()
    );
    assert!(store.has_users().await.expect("has users"));
}

pub async fn emails_are_unique_in_the_deployment(store: &SqlStore) {
    assert!(!store.has_users().await.expect("has users"));
    let acme = account(store, "Acme").await;
    let other = account(store, "Other").await;
    tx!(
        store,
        reach::store::users::create,
        &acme.id,
        &new_user("Ana", "ana@example.com", Role::Admin, CompanyAccess::All)
    )
    .await
    .expect("first");
    let dup = tx!(
        store,
        reach::store::users::create,
        &other.id,
        &new_user(
            "Ana Two",
            "ANA@example.com",
            Role::Admin,
            CompanyAccess::All,
        )
    )
    .await;
    match dup {
        Err(StoreError::Conflict(f)) => assert_eq!(f.field, "email"),
        other => panic!("expected a conflict on email, got {other:?}"),
    }
    let listed = read!(
        store,
        reach::store::contacts::list,
        &other.id,
        &CompanyAccess::All,
        &ContactQuery::default()
    )
    .await
    .expect("list");
    assert!(
        listed.items.is_empty(),
        "the refused user left nothing behind"
    );
}

pub async fn the_last_enabled_admin_is_kept(store: &SqlStore) {
    use reach::domain::UserChange;
    let acme = account(store, "Acme").await;
    let ana = tx!(
        store,
        reach::store::users::create,
        &acme.id,
        &new_user("Ana", "ana@example.com", Role::Admin, CompanyAccess::All)
    )
    .await
    .expect("ana");
    let demote = UserChange {
        role: Role::Technician,
        companies: CompanyAccess::All,
        disabled: false,
    };
    let disable = UserChange {
        role: Role::Admin,
        companies: CompanyAccess::All,
        disabled: true,
    };
    for change in [&demote, &disable] {
        let refused = tx!(
            store,
            reach::store::users::update,
            &acme.id,
            &ana.id,
            change
        )
        .await;
        assert!(
            matches!(refused, Err(StoreError::Protected(_))),
            "{refused:?}"
        );
    }
    let refused = tx!(store, reach::store::users::delete, &acme.id, &ana.id).await;
    assert!(
        matches!(refused, Err(StoreError::Protected(_))),
        "{refused:?}"
    );
    let still = read!(
        store,
        reach::store::contacts::get,
        &acme.id,
        &CompanyAccess::All,
        &ana.id
    )
    .await
    .expect("ana");
    assert_eq!(
        still.user.as_ref().map(|u| (u.role, u.disabled)),
        Some((Role::Admin, false))
    );

    // With a second admin, the first may step down; then the second is the last.
    let bob = tx!(
        store,
        reach::store::users::create,
        &acme.id,
        &new_user("Bob", "bob@example.com", Role::Admin, CompanyAccess::All)
    )
    .await
    .expect("bob");
    let northwind = company(store, &acme, "Northwind").await;
    let tech = UserChange {
        role: Role::Technician,
        companies: only(&[&northwind]),
        disabled: false,
    };
    let ana = tx!(store, reach::store::users::update, &acme.id, &ana.id, &tech)
        .await
        .expect("demote ana");
    assert_eq!(ana.user.as_ref().map(|u| u.role), Some(Role::Technician));
    assert_eq!(ana.companies, only(&[&northwind]));
    let refused = tx!(
        store,
        reach::store::users::update,
        &acme.id,
        &bob.id,
        &demote
    )
    .await;
    assert!(matches!(refused, Err(StoreError::Protected(_))));
    // A technician can always be deleted; deleting a plain contact as a user finds nothing.
    tx!(store, reach::store::users::delete, &acme.id, &ana.id)
        .await
        .expect("delete ana");
    let plain = crate::fixtures::contact(store, &acme, "Plain", CompanyAccess::All).await;
    let not_user = tx!(store, reach::store::users::delete, &acme.id, &plain.id).await;
    assert!(matches!(not_user, Err(StoreError::NotFound)));
}

pub async fn a_profile_change_moves_the_login_and_primary_email(store: &SqlStore) {
    use reach::domain::{Locale, Profile, TimeZone};
    let acme = account(store, "Acme").await;
    let tess = tx!(
        store,
        reach::store::users::create,
        &acme.id,
        &new_user(
            "Tess",
            "tess@example.com",
            Role::Technician,
            CompanyAccess::All,
        )
    )
    .await
    .expect("tess");
    tx!(
        store,
        reach::store::users::create,
        &acme.id,
        &new_user(
            "Other",
            "other@example.com",
            Role::Admin,
            CompanyAccess::All,
        )
    )
    .await
    .expect("other");
    let profile = Profile {
        name: Name::parse("Tess Ortiz").expect("name"),
        email: EmailAddress::parse("Tess.Ortiz@Example.com").expect("email"),
        locale: Some(Locale::Es),
        timezone: Some(TimeZone::parse("Europe/Madrid").expect("zone")),
    };
    let changed = tx!(
        store,
        reach::store::users::update_profile,
        &acme.id,
        &tess.id,
        &profile
    )
    .await
    .expect("profile");
    assert_eq!(changed.name, "Tess Ortiz");
    assert_eq!(
        changed.user.as_ref().map(|u| u.email.as_str()),
        Some("Tess.Ortiz@example.com")
    );
    assert_eq!(changed.methods[0].address, "Tess.Ortiz@example.com");
    assert!(changed.methods[0].primary);
    assert_eq!(changed.locale, Some(Locale::Es));
    let old = EmailAddress::parse("tess@example.com").expect("email");
    assert!(
        read!(store, reach::store::users::login_by_email, &old)
            .await
            .expect("old")
            .is_none()
    );
    let taken = Profile {
        email: EmailAddress::parse("OTHER@example.com").expect("email"),
        ..profile
    };
    let refused = tx!(
        store,
        reach::store::users::update_profile,
        &acme.id,
        &tess.id,
        &taken
    )
    .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    let after = read!(
        store,
        reach::store::contacts::get,
        &acme.id,
        &CompanyAccess::All,
        &tess.id
    )
    .await
    .expect("tess");
    assert_eq!(after, changed, "a refused change writes nothing");

    tx!(
        store,
        reach::store::users::set_password,
        &acme.id,
        &tess.id,
        "$argon2id$new"
    )
    .await
    .expect("password");
    let login = read!(
        store,
        reach::store::users::login_by_email,
        &EmailAddress::parse("tess.ortiz@example.com").expect("email")
    )
    .await
    .expect("login")
    .expect("found");
    assert_eq!(login.password_hash.as_deref(), Some("$argon2id$new"));
}
