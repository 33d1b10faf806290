//! First run (SPEC §3): on a database with no account, the setup link's page creates the
//! account and its first admin, who then signs in; from then on the link answers 404. A bad
//! form is refused field by field with nothing written; a token that is not ours is a 404.

use crate::app::TestApp;
use crate::{Browser, html};
use axum::http::StatusCode;
use sqlx::Connection;

/// Empties the fixture's database of accounts (and, through their cascades, all else).
async fn without_accounts(app: &TestApp) {
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&app.db.url)
        .await
        .expect("connect");
    sqlx::query("DELETE FROM accounts")
        .execute(&mut db)
        .await
        .expect("delete accounts");
    db.close().await.expect("close");
}

/// The setup link `reach serve` would print (signed with the test app's key), as a path.
fn setup_path(app: &TestApp) -> String {
    let state = reach::http::AppState::new(
        app.db.store.clone(),
        reach::config::Secret::from("test-secret-key-test-secret-key-00".to_owned()),
        false,
        "http://reach.test",
        reach::runtime::Wakeup::default(),
    );
    let url = state
        .links
        .setup_url(chrono::Utc::now() + chrono::Duration::days(1));
    url.strip_prefix("http://reach.test")
        .expect("public url")
        .to_owned()
}

pub async fn the_setup_link_creates_the_account_and_first_admin_once(app: &TestApp) {
    let path = setup_path(app);
    let mut visitor = Browser::new(app);
    // While accounts exist, the link is no use.
    assert_eq!(visitor.get(&path).await.status, StatusCode::NOT_FOUND);
    without_accounts(app).await;
    let page = visitor.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", html(&page));
    assert!(
        html(&page).contains("Configurar Reach"),
        "in the browser's language"
    );
    assert_eq!(page.headers["referrer-policy"], "no-referrer");
    let csrf = visitor.csrf();

    // A bad form: every field named, nothing written, the password not sent back.
    let bad = visitor
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("account", ""),
                ("name", "Hana"),
                ("email", "hana@"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["account", "email", "password"] {
        assert!(
            html(&bad).contains(&format!("id=\"f-{field}-error\"")),
            "{field}"
        );
    }
    assert!(html(&bad).contains("value=\"Hana\""), "the name is kept");
    assert!(
        !html(&bad).contains("value=\"short\""),
        "the password is not sent back"
    );

    // A token that is not ours.
    let forged = format!("{}x", path);
    assert_eq!(visitor.get(&forged).await.status, StatusCode::NOT_FOUND);

    let made = visitor
        .post(
            &path,
            &[
                ("csrf", &csrf),
                ("account", "Helpdesk"),
                ("name", "Hana Admin"),
                ("email", "hana@helpdesk.example"),
                ("password", "a good long password"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", html(&made));
    assert_eq!(made.headers["location"], "/?done=setup");
    let signin = visitor.get("/?done=setup").await;
    assert!(
        html(&signin).contains("Tu cuenta está lista"),
        "{}",
        html(&signin)
    );
    let answer = visitor
        .sign_in("hana@helpdesk.example", "a good long password")
        .await;
    assert!(
        answer.status.is_redirection(),
        "signed in: {}",
        answer.status
    );
    let contacts = visitor.get("/configure/contacts").await;
    assert_eq!(contacts.status, StatusCode::OK);
    assert!(html(&contacts).contains("Hana Admin"));
    assert!(html(&contacts).contains("Empresas"), "an admin's menu");

    // From then on the link answers 404, and posting it again creates nothing.
    let mut other = Browser::new(app);
    assert_eq!(other.get(&path).await.status, StatusCode::NOT_FOUND);
    let again = visitor
        .post(
            &path,
            &[
                ("csrf", &visitor.csrf()),
                ("account", "Second"),
                ("name", "Mallory"),
                ("email", "mallory@example.com"),
                ("password", "a good long password"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let mut mallory = Browser::new(app);
    let refused = mallory
        .sign_in("mallory@example.com", "a good long password")
        .await;
    assert!(!refused.status.is_redirection(), "no such user");
}
