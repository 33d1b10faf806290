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
    let label = reach::domain::token::NewToken {
        name: Name::parse("ci").expect("label"),
        expires_at: None,
    };
    tx!(
        store,
        reach::store::tokens::create,
        &acme.id,
        &user.id,
        &label,
        &hash
    )
    .await
    .expect("token");
    let login = read!(
        store,
        reach::store::tokens::login_by_token,
        &auth::hash_token(&token)
    )
    .await
    .expect("lookup")
    .expect("found")
    .login;
    assert_eq!(
        (login.account_id, login.user_id.clone()),
        (acme.id.clone(), user.id.clone())
    );
    assert!(
        read!(
            store,
            reach::store::tokens::login_by_token,
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
        reach::store::tokens::create,
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
        read!(store, reach::store::tokens::login_by_token, &hash)
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

    // Tries are counted before the password is checked: five count, the sixth is refused
    // until 15 minutes after the fifth, without moving that time.
    use reach::store::sessions::{TriesOf, count_try, forget_tries, take_back_try};
    let key = "ana@example.com";
    let window = Duration::minutes(15);
    let ms = |t: chrono::DateTime<Utc>| {
        chrono::DateTime::from_timestamp_millis(t.timestamp_millis()).expect("ms")
    };
    for n in 1..=5 {
        let f = tx!(store, count_try, TriesOf::Email, key, 5, window, now)
            .await
            .expect("try");
        assert_eq!((f.failures, f.locked_until), (n, None));
    }
    for later in [Duration::zero(), Duration::minutes(14)] {
        let refused = tx!(
            store,
            count_try,
            TriesOf::Email,
            key,
            5,
            window,
            now + later
        )
        .await
        .expect("sixth");
        assert_eq!(refused.locked_until, Some(ms(now + window)), "{later}");
    }
    let after = tx!(
        store,
        count_try,
        TriesOf::Email,
        key,
        5,
        window,
        now + Duration::minutes(16)
    )
    .await
    .expect("after the lock");
    assert_eq!(
        (after.failures, after.locked_until),
        (1, None),
        "the count restarts after the window"
    );
    tx!(store, forget_tries, TriesOf::Email, key)
        .await
        .expect("forget");
    let fresh = tx!(store, count_try, TriesOf::Email, key, 5, window, now)
        .await
        .expect("try");
    assert_eq!(fresh.failures, 1);

    // Addresses are counted apart from emails, and a success takes its try back.
    let address = "203.0.113.7";
    for n in 1..=3 {
        let f = tx!(store, count_try, TriesOf::Address, address, 20, window, now)
            .await
            .expect("try");
        assert_eq!(f.failures, n);
    }
    tx!(store, take_back_try, TriesOf::Address, address)
        .await
        .expect("take back");
    let next = tx!(store, count_try, TriesOf::Address, address, 20, window, now)
        .await
        .expect("try");
    assert_eq!(next.failures, 3);

    // A password change ends the other sessions of its user, or all of them.
    for id in ["keep-hash", "other-hash"] {
        tx!(
            store,
            reach::store::sessions::create,
            &acme.id,
            &ana.id,
            id,
            now + Duration::hours(1)
        )
        .await
        .expect("session");
    }
    let ended = tx!(
        store,
        reach::store::sessions::delete_for_user,
        &acme.id,
        &ana.id,
        Some("keep-hash")
    )
    .await
    .expect("end others");
    assert_eq!(ended, 1);
    let alive = |id: &'static str| async move {
        read!(store, reach::store::sessions::login, id, now)
            .await
            .expect("lookup")
            .is_some()
    };
    assert!(alive("keep-hash").await && !alive("other-hash").await);
    tx!(
        store,
        reach::store::sessions::delete_for_user,
        &acme.id,
        &ana.id,
        None
    )
    .await
    .expect("end all");
    assert!(!alive("keep-hash").await);
}
