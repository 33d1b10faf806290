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

    // Sign-in tries are kept one by one, newest first, per kind and subject (domain::tries
    // decides what they lock); a success forgets its email's and takes back its address try.
    use reach::store::sessions::{TriesOf, add_try, forget_tries, recent_tries, take_back_try};
    let key = "ana@example.com";
    let ms = |t: chrono::DateTime<Utc>| {
        chrono::DateTime::from_timestamp_millis(t.timestamp_millis()).expect("ms")
    };
    for minutes in [0, 2, 1, 3] {
        tx!(
            store,
            add_try,
            TriesOf::Email,
            key,
            now + Duration::minutes(minutes)
        )
        .await
        .expect("try");
    }
    let recent = read!(store, recent_tries, TriesOf::Email, key, 3)
        .await
        .expect("recent");
    assert_eq!(
        recent,
        [3, 2, 1].map(|m| ms(now + Duration::minutes(m))),
        "the newest, newest first, as many as asked"
    );
    let address = "203.0.113.7";
    let mine = tx!(store, add_try, TriesOf::Address, key, now)
        .await
        .expect("an address try under the same text");
    let theirs = tx!(store, add_try, TriesOf::Address, address, now)
        .await
        .expect("try");
    tx!(store, add_try, TriesOf::Address, address, now)
        .await
        .expect("try");
    tx!(store, forget_tries, TriesOf::Email, key)
        .await
        .expect("forget");
    assert!(
        read!(store, recent_tries, TriesOf::Email, key, 5)
            .await
            .expect("recent")
            .is_empty()
    );
    assert_eq!(
        read!(store, recent_tries, TriesOf::Address, key, 5)
            .await
            .expect("recent")
            .len(),
        1,
        "kinds are apart"
    );
    tx!(store, take_back_try, &theirs).await.expect("take back");
    assert_eq!(
        read!(store, recent_tries, TriesOf::Address, address, 5)
            .await
            .expect("recent")
            .len(),
        1,
        "one try taken back"
    );
    tx!(store, take_back_try, &mine).await.expect("take back");

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
