//! A use case's change and its audit entry commit or roll back together (SPEC §4: every change
//! records who, what, when, before and after — never a change without its entry).

use crate::fixtures::{account, name, new_user};
use crate::tx;
use reach::app::{self, App};
use reach::auth::{Admin, Caller};
use reach::domain::{CompanyAccess, EmailAddress, Role};
use reach::error::AppError;
use reach::runtime::Wakeup;
use reach::store::{AuditQuery, PageRequest, SqlStore};
use std::time::{Duration, Instant};

async fn admin_of(store: &SqlStore) -> (App, Admin) {
    let acme = account(store, "Acme").await;
    let user = new_user("Ada", "ada@acme.example", Role::Admin, CompanyAccess::All);
    tx!(store, reach::store::users::create, &acme.id, &user)
        .await
        .expect("admin");
    let email = EmailAddress::parse("ada@acme.example").expect("email");
    let login = reach::store::users::login_by_email(&mut store.read().await.expect("read"), &email)
        .await
        .expect("login")
        .expect("a login");
    let caller = Caller::from_login(login).expect("enabled");
    let app = App::new(
        store.clone(),
        "k".repeat(32).into(),
        false,
        "http://127.0.0.1:8080",
        Wakeup::default(),
    );
    (app, caller.admin().expect("an admin"))
}

async fn companies(store: &SqlStore, admin: &Admin) -> Vec<String> {
    let mut db = store.read().await.expect("read");
    reach::store::companies::list(
        &mut db,
        &admin.0.account,
        &CompanyAccess::All,
        &PageRequest::default(),
    )
    .await
    .expect("list")
    .items
    .into_iter()
    .map(|c| c.name)
    .collect()
}

async fn audit_entries(store: &SqlStore, admin: &Admin) -> Vec<(String, String)> {
    let mut db = store.read().await.expect("read");
    reach::store::audit::list(&mut db, &admin.0.account, &AuditQuery::default())
        .await
        .expect("audit")
        .items
        .into_iter()
        .map(|e| (e.action, e.object_type))
        .collect()
}

pub async fn a_change_and_its_audit_entry_land_together(store: &SqlStore) {
    let (app, admin) = admin_of(store).await;
    app::companies::create(&app, &admin, &name("Northwind"))
        .await
        .expect("create");
    assert_eq!(companies(store, &admin).await, ["Northwind"]);
    assert_eq!(
        audit_entries(store, &admin).await,
        [("create".to_owned(), "company".to_owned())]
    );

    // A change that fails (the name is taken) leaves no audit entry behind.
    let taken = app::companies::create(&app, &admin, &name("NORTHWIND")).await;
    assert!(matches!(taken, Err(AppError::Conflict(_))), "{taken:?}");
    assert_eq!(audit_entries(store, &admin).await.len(), 1);

    // An audit entry that cannot be written takes the change down with it.
    let mut tx = store.write().await.expect("begin");
    sqlx::query("DROP TABLE audit_log")
        .execute(&mut *tx)
        .await
        .expect("drop the audit log");
    tx.commit().await.expect("commit");
    let refused = app::companies::create(&app, &admin, &name("Contoso")).await;
    assert!(matches!(refused, Err(AppError::Internal(_))), "{refused:?}");
    assert_eq!(
        companies(store, &admin).await,
        ["Northwind"],
        "the company must not exist without its audit entry"
    );
}

/// A write job (intake's transaction and its hand-off) runs to its end when the request that
/// started it is given up meanwhile: its change lands, nothing is left half done.
pub async fn a_write_job_runs_to_its_end_when_its_caller_stops_waiting(store: &SqlStore) {
    let acme = account(store, "Acme").await;
    let (go, wait) = tokio::sync::oneshot::channel::<()>();
    let job = {
        let (store, acme) = (store.clone(), acme.id.clone());
        async move {
            let mut tx = store.write().await?;
            let _ = wait.await;
            reach::store::companies::create(&mut tx, &acme, &name("Northwind")).await?;
            tx.commit().await?;
            Ok::<_, reach::store::StoreError>(())
        }
    };
    let given_up = tokio::time::timeout(Duration::from_millis(20), store.writing(job)).await;
    assert!(given_up.is_err(), "the job waits for its signal");
    go.send(()).expect("the job still runs");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut db = store.read().await.expect("read");
        let found = reach::store::companies::list(
            &mut db,
            &acme.id,
            &CompanyAccess::All,
            &PageRequest::default(),
        )
        .await
        .expect("list");
        if found.items.iter().any(|c| c.name == "Northwind") {
            break;
        }
        assert!(Instant::now() < deadline, "the job's change never landed");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
