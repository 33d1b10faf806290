//! Upkeep purges what outlived its use — expired sessions, used or expired set-password links
//! and codes, sign-in failure counts past their window, payloads of long-finished
//! notifications — and keeps everything still in use.

use crate::fixtures::{account, new_user};
use crate::tx;
use chrono::{Duration, Utc};
use reach::domain::{CompanyAccess, Role};
use reach::runtime::ManualClock;
use reach::store::SqlStore;
use reach::upkeep::Upkeep;
use sqlx::Row;
use std::sync::Arc;

pub async fn what_outlived_its_use_is_purged(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let user = tx!(
        store,
        reach::store::users::create,
        &acme.id,
        &new_user("Ana", "ana@example.com", Role::Admin, CompanyAccess::All)
    )
    .await
    .expect("user");
    let now = Utc::now();
    let ms = |d: Duration| (now + d).timestamp_millis();
    let (a, u) = (acme.id.to_string(), user.id.to_string());
    let mut tx = store.write().await.expect("tx");
    let method: String = sqlx::query("SELECT id FROM contact_methods WHERE contact_id = $1")
        .bind(&u)
        .fetch_one(&mut *tx)
        .await
        .expect("primary email")
        .get("id");
    let statements: Vec<(&str, Vec<String>, i64)> = vec![
        (
            "INSERT INTO sessions (id_hash, account_id, user_id, created_at, expires_at) VALUES ($1, $2, $3, 0, $4)",
            vec!["expired".into()],
            ms(Duration::seconds(-1)),
        ),
        (
            "INSERT INTO sessions (id_hash, account_id, user_id, created_at, expires_at) VALUES ($1, $2, $3, 0, $4)",
            vec!["live".into()],
            ms(Duration::hours(1)),
        ),
        (
            "INSERT INTO password_links (token_hash, account_id, user_id, expires_at) VALUES ($1, $2, $3, $4)",
            vec!["expired".into()],
            ms(Duration::seconds(-1)),
        ),
        (
            "INSERT INTO password_links (token_hash, account_id, user_id, expires_at) VALUES ($1, $2, $3, $4)",
            vec!["live".into()],
            ms(Duration::hours(1)),
        ),
    ];
    for (sql, keys, at) in statements {
        sqlx::query(sql)
            .bind(&keys[0])
            .bind(&a)
            .bind(&u)
            .bind(at)
            .execute(&mut *tx)
            .await
            .expect(sql);
    }
    sqlx::query("INSERT INTO password_links (token_hash, account_id, user_id, expires_at, used_at) VALUES ('used', $1, $2, $3, $4)")
        .bind(&a)
        .bind(&u)
        .bind(ms(Duration::hours(1)))
        .bind(ms(Duration::minutes(-1)))
        .execute(&mut *tx)
        .await
        .expect("used link");
    for (id, subject, age) in [
        ("old", "old@example.com", Duration::minutes(-31)),
        ("new", "new@example.com", Duration::minutes(-29)),
    ] {
        sqlx::query("INSERT INTO login_tries (id, kind, subject, at) VALUES ($1, 'email', $2, $3)")
            .bind(id)
            .bind(subject)
            .bind(ms(age))
            .execute(&mut *tx)
            .await
            .expect("try");
    }
    sqlx::query("INSERT INTO method_verifications (method_id, code_hash, expires_at, created_at) VALUES ($1, 'h', $2, 0)")
        .bind(&method)
        .bind(ms(Duration::seconds(-1)))
        .execute(&mut *tx)
        .await
        .expect("code");
    for (id, state, age) in [
        ("n-old-sent", "sent", Duration::days(-8)),
        ("n-new-sent", "sent", Duration::days(-6)),
        ("n-old-failed", "failed", Duration::days(-8)),
    ] {
        sqlx::query("INSERT INTO notifications (id, account_id, contact_id, method_id, type, address, event, state, next_attempt_at, created_at, payload) VALUES ($1, $2, $3, $4, 'email', 'ana@example.com', 'report', $5, 0, $6, '{}')")
            .bind(id)
            .bind(&a)
            .bind(&u)
            .bind(&method)
            .bind(state)
            .bind(ms(age))
            .execute(&mut *tx)
            .await
            .expect("notification");
    }
    tx.commit().await.expect("commit");

    let upkeep = Upkeep {
        store: store.clone(),
        clock: Arc::new(ManualClock::new(now)),
    };
    let purged = upkeep.run_once().await.expect("purge");
    assert_eq!(
        (
            purged.sessions,
            purged.password_links,
            purged.failures,
            purged.codes,
            purged.payloads
        ),
        (1, 2, 1, 1, 1)
    );
    let left = |sql: &'static str| column(store, sql);
    assert_eq!(left("SELECT id_hash FROM sessions").await, ["live"]);
    assert_eq!(
        left("SELECT token_hash FROM password_links").await,
        ["live"]
    );
    assert_eq!(
        left("SELECT subject FROM login_tries").await,
        ["new@example.com"]
    );
    assert!(
        left("SELECT method_id FROM method_verifications")
            .await
            .is_empty()
    );
    assert_eq!(
        left("SELECT id FROM notifications WHERE payload IS NOT NULL ORDER BY id").await,
        ["n-new-sent", "n-old-failed"]
    );
    // Nothing more to purge: running it again changes nothing.
    assert_eq!(upkeep.run_once().await.expect("again"), Default::default());
}

async fn column(store: &SqlStore, sql: &'static str) -> Vec<String> {
    let mut db = store.read().await.expect("read");
    sqlx::query(sql)
        .fetch_all(&mut *db)
        .await
        .expect(sql)
        .iter()
        .map(|r| r.get::<String, _>(0))
        .collect()
}
