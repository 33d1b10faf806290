use crate::fixtures::{account, company, new_user, only};
use reach::auth;
use reach::domain::{CompanyAccess, EmailAddress, Name, Role};
use reach::store::{ContactKind, ContactQuery, SqlStore, Store, StoreError};

pub async fn users_are_contacts_with_a_login_and_a_primary_email(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let northwind = company(store, &acme, "Northwind").await;
    let user = store
        .create_user(
            &acme.id,
            &new_user(
                "Tess",
                "tess@example.com",
                Role::Technician,
                only(&[&northwind]),
            ),
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
    let login = store
        .login_by_email(&email)
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
        store
            .login_by_email(&nobody)
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
    store
        .create_user(
            &acme.id,
            &new_user("Ana", "ana@example.com", Role::Admin, CompanyAccess::All),
        )
        .await
        .expect("first");
    let dup = store
        .create_user(
            &other.id,
            &new_user(
                "Ana Two",
                "ANA@example.com",
                Role::Admin,
                CompanyAccess::All,
            ),
        )
        .await;
    match dup {
        Err(StoreError::Conflict(f)) => assert_eq!(f.field, "email"),
        other => panic!("expected a conflict on email, got {other:?}"),
    }
    let listed = store
        .list_contacts(&other.id, &CompanyAccess::All, &ContactQuery::default())
        .await
        .expect("list");
    assert!(
        listed.items.is_empty(),
        "the refused user left nothing behind"
    );
}

pub async fn tokens_resolve_to_their_user_and_die_with_them(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let other = account(store, "Other").await;
    let user = store
        .create_user(
            &acme.id,
            &new_user("Ana", "ana@example.com", Role::Admin, CompanyAccess::All),
        )
        .await
        .expect("user");
    let (token, hash) = auth::generate_token();
    let label = Name::parse("ci").expect("label");
    store
        .create_token(&acme.id, &user.id, &label, &hash)
        .await
        .expect("token");
    let login = store
        .login_by_token(&auth::hash_token(&token))
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(
        (login.account_id, login.user_id.clone()),
        (acme.id.clone(), user.id.clone())
    );
    assert!(
        store
            .login_by_token(&auth::hash_token("reach_wrong"))
            .await
            .expect("lookup")
            .is_none()
    );
    // A token can only be made for a user of the same account.
    let (_, foreign) = auth::generate_token();
    let cross = store
        .create_token(&other.id, &user.id, &label, &foreign)
        .await;
    assert!(matches!(cross, Err(StoreError::NotFound)));
    store
        .delete_contact(&acme.id, &user.id)
        .await
        .expect("delete user");
    assert!(store.login_by_token(&hash).await.expect("lookup").is_none());
}

pub async fn the_secret_key_is_generated_once(store: &SqlStore) {
    let first = store.secret_key("first-generated-key").await.expect("key");
    let second = store.secret_key("second-generated-key").await.expect("key");
    assert_eq!(first, "first-generated-key");
    assert_eq!(second, first);
}
