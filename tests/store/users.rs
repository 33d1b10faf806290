use crate::fixtures::{account, company, new_user, only};
use crate::{read, tx};
use reach::auth;
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

pub async fn account_settings_are_updated(store: &SqlStore) {
    use reach::domain::{AccountSettings, FloodLimits, Locale, Region, RepeatInterval, TimeZone};
    let acme = account(store, "Acme").await;
    assert_eq!(acme.flood_limits, FloodLimits::default(), "SPEC's defaults");
    account(store, "Taken").await;
    let mut settings = AccountSettings {
        name: Name::parse("Acme Support").expect("name"),
        default_region: Region::parse("MX").expect("region"),
        locale: Locale::En,
        timezone: TimeZone::parse("America/Mexico_City").expect("zone"),
        require_verified_phones: false,
        repeat_interval: RepeatInterval::parse(30).expect("interval"),
        flood_limits: FloodLimits {
            email: None,
            sms: Some(3),
            phone: Some(1000),
            webhook: Some(50),
        },
    };
    let updated = tx!(store, reach::store::accounts::update, &acme.id, &settings)
        .await
        .expect("update");
    assert_eq!(updated.name, "Acme Support");
    assert_eq!(updated.default_region.as_str(), "MX");
    assert!(!updated.require_verified_phones);
    assert_eq!(updated.repeat_interval_minutes, 30);
    assert_eq!(updated.flood_limits, settings.flood_limits);
    assert_eq!(
        read!(store, reach::store::accounts::get, &acme.id)
            .await
            .expect("read"),
        updated
    );
    settings.name = Name::parse("taken").expect("name");
    let clash = tx!(store, reach::store::accounts::update, &acme.id, &settings).await;
    assert!(matches!(clash, Err(StoreError::Conflict(_))));
}

pub async fn the_audit_log_is_newest_first_filtered_and_paginated(store: &SqlStore) {
    use reach::store::{AuditQuery, Cursor, NewAuditEntry, PageRequest};
    let acme = account(store, "Acme").await;
    let other = account(store, "Other").await;
    let ana = reach::domain::ContactId::from_string("ana");
    let bob = reach::domain::ContactId::from_string("bob");
    for (i, actor) in [&ana, &bob, &ana, &ana, &bob].into_iter().enumerate() {
        let entry = NewAuditEntry {
            actor_id: actor.clone(),
            actor_name: actor.to_string(),
            action: "update",
            object_type: "contact",
            object_id: format!("c{}", i % 2),
            before: Some(serde_json::json!({"name": format!("v{i}")})),
            after: Some(serde_json::json!({"name": format!("v{}", i + 1), "emoji": "🚀"})),
        };
        tx!(store, reach::store::audit::record, &acme.id, &entry)
            .await
            .expect("record");
    }
    let all = read!(
        store,
        reach::store::audit::list,
        &acme.id,
        &AuditQuery::default()
    )
    .await
    .expect("list");
    let versions: Vec<_> = all
        .items
        .iter()
        .map(|e| e.after.as_ref().map(|a| a["name"].clone()))
        .collect();
    assert_eq!(versions.len(), 5);
    assert_eq!(versions[0], Some(serde_json::json!("v5")), "newest first");
    assert_eq!(
        all.items[0].after.as_ref().map(|a| a["emoji"].clone()),
        Some(serde_json::json!("🚀"))
    );
    let by_actor = AuditQuery {
        actor_id: Some(bob.clone()),
        ..Default::default()
    };
    assert_eq!(
        read!(store, reach::store::audit::list, &acme.id, &by_actor)
            .await
            .expect("bob")
            .items
            .len(),
        2
    );
    let by_object = AuditQuery {
        object_id: Some("c0".into()),
        ..Default::default()
    };
    assert_eq!(
        read!(store, reach::store::audit::list, &acme.id, &by_object)
            .await
            .expect("c0")
            .items
            .len(),
        3
    );
    let future = AuditQuery {
        since: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
        ..Default::default()
    };
    assert!(
        read!(store, reach::store::audit::list, &acme.id, &future)
            .await
            .expect("future")
            .items
            .is_empty()
    );
    let first = AuditQuery {
        page: PageRequest::new(Some(2), None).expect("page"),
        ..Default::default()
    };
    let page1 = read!(store, reach::store::audit::list, &acme.id, &first)
        .await
        .expect("page 1");
    let cursor = Cursor::parse(page1.next_cursor.as_deref().expect("more")).expect("cursor");
    let second = AuditQuery {
        page: PageRequest::new(Some(10), Some(cursor)).expect("page"),
        ..Default::default()
    };
    let page2 = read!(store, reach::store::audit::list, &acme.id, &second)
        .await
        .expect("page 2");
    let ids: Vec<_> = page1
        .items
        .iter()
        .chain(&page2.items)
        .map(|e| e.id.clone())
        .collect();
    assert_eq!(
        ids,
        all.items.iter().map(|e| e.id.clone()).collect::<Vec<_>>()
    );
    assert!(
        read!(
            store,
            reach::store::audit::list,
            &other.id,
            &AuditQuery::default()
        )
        .await
        .expect("other")
        .items
        .is_empty()
    );
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
