//! Signing in: API tokens, the secret key, web sessions and the failed sign-in lock.

use crate::fixtures::{account, new_user};
use crate::{read, tx};
use reach::auth;
use reach::domain::{CompanyAccess, Name, Role};
use reach::store::{SqlStore, StoreError};

pub async fn tokens_resolve_to_their_user_and_die_with_them(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let other = account(store, "Other").await;
    let user = tx!(
        store,
        reach::store::users::create,
        &acme.id,
        &new_user("Ana", "ana@example.com", Role::Admin, CompanyAccess::All)
    )
    .await
    .expect("user");
    let (token, hash) = auth::generate_token();
    let label = Name::parse("ci").expect("label");
    tx!(
        store,
        reach::store::users::create_token,
        &acme.id,
        &user.id,
        &label,
        &hash
    )
    .await
    .expect("token");
    let login = read!(
        store,
        reach::store::users::login_by_token,
        &auth::hash_token(&token)
    )
    .await
    .expect("lookup")
    .expect("found");
    assert_eq!(
        (login.account_id, login.user_id.clone()),
        (acme.id.clone(), user.id.clone())
    );
    assert!(
        read!(
            store,
            reach::store::users::login_by_token,
            &auth::hash_token("reach_wrong")
        )
        .await
        .expect("lookup")
        .is_none()
    );
    // A token can only be made for a user of the same account.
    let (_, foreign) = auth::generate_token();
    let cross = tx!(
        store,
        reach::store::users::create_token,
        &other.id,
        &user.id,
        &label,
        &foreign
    )
    .await;
    assert!(matches!(cross, Err(StoreError::NotFound)));
    tx!(store, reach::store::contacts::delete, &acme.id, &user.id)
        .await
        .expect("delete user");
    assert!(
        read!(store, reach::store::users::login_by_token, &hash)
            .await
            .expect("lookup")
            .is_none()
    );
}

pub async fn the_secret_key_is_generated_once(store: &SqlStore) {
    let first = store.secret_key("first-generated-key").await.expect("key");
    let second = store.secret_key("second-generated-key").await.expect("key");
    assert_eq!(first, "first-generated-key");
    assert_eq!(second, first);
}

pub async fn sessions_expire_and_failed_sign_ins_lock(store: &SqlStore) {
    use chrono::{Duration, Utc};
    let acme = account(store, "Acme").await;
    let ana = tx!(
        store,
        reach::store::users::create,
        &acme.id,
        &new_user("Ana", "ana@example.com", Role::Admin, CompanyAccess::All)
    )
    .await
    .expect("ana");
    let now = Utc::now();
    tx!(
        store,
        reach::store::sessions::create,
        &acme.id,
        &ana.id,
        "session-hash",
        now + Duration::hours(1)
    )
    .await
    .expect("session");
    let login = read!(store, reach::store::sessions::login, "session-hash", now)
        .await
        .expect("lookup");
    assert_eq!(login.map(|l| l.user_id), Some(ana.id.clone()));
    let later = read!(
        store,
        reach::store::sessions::login,
        "session-hash",
        now + Duration::hours(2)
    )
    .await
    .expect("lookup");
    assert!(later.is_none(), "expired sessions find nobody");
    tx!(store, reach::store::sessions::delete, "session-hash")
        .await
        .expect("delete");
    assert!(
        read!(store, reach::store::sessions::login, "session-hash", now)
            .await
            .expect("lookup")
            .is_none()
    );

    let key = "ana@example.com";
    for n in 1..=4 {
        let f = tx!(store, reach::store::sessions::record_failure, key, now)
            .await
            .expect("failure");
        assert_eq!((f.failures, f.locked_until), (n, None));
    }
    let locked = tx!(store, reach::store::sessions::record_failure, key, now)
        .await
        .expect("fifth");
    assert_eq!(
        locked.locked_until,
        Some(now + Duration::minutes(15))
            .map(|t| chrono::DateTime::from_timestamp_millis(t.timestamp_millis()).expect("ms"))
    );
    assert!(
        read!(
            store,
            reach::store::sessions::failures,
            key,
            now + Duration::minutes(14)
        )
        .await
        .expect("read")
        .locked_until
        .is_some()
    );
    let after = read!(
        store,
        reach::store::sessions::failures,
        key,
        now + Duration::minutes(16)
    )
    .await
    .expect("read");
    assert_eq!(
        (after.failures, after.locked_until),
        (0, None),
        "forgotten after the window"
    );
    tx!(store, reach::store::sessions::clear_failures, key)
        .await
        .expect("clear");
    assert_eq!(
        read!(store, reach::store::sessions::failures, key, now)
            .await
            .expect("read")
            .failures,
        0
    );
}
