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
