//! `TestApp`: an account with an admin and a technician, a second account with its admin, and
//! one method per HTTP call.

use crate::common::TestDb;
use crate::{read, tx};
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use reach::auth;
use reach::config::Secret;
use reach::domain::{
    CompanyAccess, ContactId, EmailAddress, Locale, Name, NewAccount, NewContact, NewUser,
    Password, Region, Role, TimeZone,
};
use reach::http::{AppState, router};
use reach::store::{Account, Company};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

/// The operator's `REACH_METRICS_TOKEN` in these tests.
pub const METRICS_TOKEN: &str = "operator-metrics-token-0123456789";

pub struct TestApp {
    pub db: TestDb,
    pub router: axum::Router,
    pub northwind: Company,
    pub contoso: Company,
    /// Acme's admin.
    pub admin: User,
    /// Acme's technician, with access to Northwind only.
    pub tech: User,
    /// The admin of the other account.
    pub outsider: User,
}

pub struct User {
    pub id: String,
    pub token: String,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The value at a JSON pointer, as a string.
    pub fn str(&self, pointer: &str) -> String {
        self.body
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no string at {pointer} in {}", self.body))
            .to_owned()
    }
}

/// The names of a list answer's items, in order.
pub fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

impl TestApp {
    pub async fn new(db: TestDb) -> Self {
        let store = &db.store;
        let account = |name: &str| NewAccount {
            name: Name::parse(name).expect("name"),
            default_region: Region::parse("ES").expect("region"),
            locale: Locale::En,
            timezone: TimeZone::parse("Europe/Madrid").expect("zone"),
        };
        let acme = tx!(store, reach::store::accounts::create, &account("Acme"))
            .await
            .expect("acme");
        let other = tx!(store, reach::store::accounts::create, &account("Other"))
            .await
            .expect("other");
        let northwind = tx!(
            store,
            reach::store::companies::create,
            &acme.id,
            &Name::parse("Northwind").expect("name")
        )
        .await
        .expect("northwind");
        let contoso = tx!(
            store,
            reach::store::companies::create,
            &acme.id,
            &Name::parse("Contoso").expect("name")
        )
        .await
        .expect("contoso");
        let admin = user(
            &db,
            &acme,
            "Ana Admin",
            "ana@acme.example",
            Role::Admin,
            CompanyAccess::All,
        )
        .await;
        let tech = user(
            &db,
            &acme,
            "Tess Tech",
            "tess@acme.example",
            Role::Technician,
            CompanyAccess::only([northwind.id.clone()]).expect("access"),
        )
        .await;
        let outsider = user(
            &db,
            &other,
            "Olga Other",
            "olga@other.example",
            Role::Admin,
            CompanyAccess::All,
        )
        .await;
        let state = Arc::new(
            AppState::new(
                db.store.clone(),
                Secret::from("test-secret-key-test-secret-key-00".to_owned()),
                false,
                "http://reach.test",
                reach::runtime::Wakeup::default(),
            )
            .with_metrics_token(Some(Secret::from(METRICS_TOKEN.to_owned())))
            .with_trusted_proxies(
                reach::domain::forwarded::parse_trusted("10.9.0.0/16").expect("proxies"),
            ),
        );
        Self {
            router: router(state),
            db,
            northwind,
            contoso,
            admin,
            tech,
            outsider,
        }
    }

    /// Gives a test user a password (test users start with API tokens only).
    pub async fn set_password(&self, user: &User, password: &str) {
        let hash = auth::hash_password(&Password::parse(password).expect("password"))
            .await
            .expect("hash");
        let login = read!(
            self.db.store,
            reach::store::tokens::login_by_token,
            &auth::hash_token(&user.token)
        )
        .await
        .expect("login")
        .expect("user")
        .login;
        tx!(
            self.db.store,
            reach::store::users::set_password,
            &login.account_id,
            &ContactId::from_string(user.id.clone()),
            &hash
        )
        .await
        .expect("set password");
    }

    pub async fn finish(self) {
        self.db.finish().await;
    }

    /// Any request; `body` is sent as JSON.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).expect("method"))
            .uri(path);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let request = match body {
            Some(json) => request
                .header("content-type", "application/json")
                .body(Body::from(json.to_string())),
            None => request.body(Body::empty()),
        }
        .expect("request");
        self.send(request).await
    }

    /// A request with a body of another type than JSON (a contacts CSV).
    pub async fn call_raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Answer {
        let mut request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).expect("method"))
            .uri(path)
            .header("content-type", content_type);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        self.send(request.body(Body::from(body)).expect("request"))
            .await
    }

    pub async fn send(&self, request: Request<Body>) -> Answer {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("response");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.call("GET", path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call("POST", path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Answer {
        self.call("PATCH", path, Some(token), Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.call("DELETE", path, Some(token), None).await
    }

    /// Everything both accounts hold, as admins see it: to show a call changed nothing.
    pub async fn snapshot(&self) -> Value {
        let mut all = Vec::new();
        for token in [&self.admin.token, &self.outsider.token] {
            for path in [
                "/api/v1/contacts?limit=500",
                "/api/v1/companies?limit=500",
                "/api/v1/account",
                "/api/v1/integrations",
                "/api/v1/schedules",
                "/api/v1/escalation-policies",
            ] {
                all.push(self.get(path, token).await.body);
            }
        }
        Value::Array(all)
    }
}

async fn user(
    db: &TestDb,
    account: &Account,
    name: &str,
    email: &str,
    role: Role,
    companies: CompanyAccess,
) -> User {
    let new = NewUser {
        contact: NewContact {
            name: Name::parse(name).expect("name"),
            companies,
            locale: None,
            timezone: None,
        },
        email: EmailAddress::parse(email).expect("email"),
        role,
        password_hash: None,
    };
    let contact = tx!(db.store, reach::store::users::create, &account.id, &new)
        .await
        .expect("user");
    let (token, hash) = auth::generate_token();
    tx!(
        db.store,
        reach::store::tokens::create,
        &account.id,
        &contact.id,
        &reach::domain::token::NewToken {
            name: Name::parse("tests").expect("label"),
            expires_at: None,
        },
        &hash
    )
    .await
    .expect("token");
    User {
        id: contact.id.to_string(),
        token,
    }
}
