//! The SQL implementation of [`Store`], one file per resource. Statements are portable
//! between SQLite and PostgreSQL (numbered `$N` parameters, `ON CONFLICT`, lower-cased key
//! columns instead of `ILIKE`); where the backends differ, [`Backend`] says which is in use.

mod accounts;
mod alerts;
mod audit;
mod companies;
mod contacts;
mod methods;
mod outbox;
mod reports;
mod sessions;
mod users;

use super::{
    Account, Alert, AlertQuery, Attempt, AuditEntry, AuditQuery, Company, Contact, ContactQuery,
    DeliveryContext, Login, LoginFailures, MaintenanceWindow, NewAttempt, NewAuditEntry,
    Notification, NotificationQuery, Page, PageRequest, Result, Store, StoreError,
};
use crate::domain::{
    AccountId, AccountSettings, CompanyId, CompanyScope, ContactId, EmailAddress, MethodId, Name,
    NewAccount, NewAlert, NewContact, NewMethod, NewUser, Profile, TokenId, UserChange,
};
use chrono::{DateTime, Utc};
use sqlx::any::{AnyArguments, AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, Arguments, Connection, Encode, Executor, Row, Type};
use std::future::Future;
use std::time::Duration;

/// Which database engine a [`SqlStore`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// [`Store`] on SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Connects to `sqlite://PATH` (created when missing) or `postgres://...`.
pub async fn connect(url: &str) -> Result<SqlStore> {
    sqlx::any::install_default_drivers();
    let (backend, url) = if url.starts_with("sqlite:") {
        (Backend::Sqlite, sqlite_url(url))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        (Backend::Postgres, url.to_owned())
    } else {
        return Err(StoreError::Database(sqlx::Error::Configuration(
            "the database URL must start with sqlite:// or postgres://".into(),
        )));
    };
    let options = AnyPoolOptions::new()
        .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
        .acquire_timeout(Duration::from_secs(10));
    let options = match backend {
        // WAL and a busy timeout let CLI commands run beside `reach serve`.
        Backend::Sqlite => options.after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                )
                .await
                .map(drop)
            })
        }),
        Backend::Postgres => options,
    };
    // One plain connection first: it fails fast with the real reason (refused, unknown
    // database, bad password) where the pool would only report a timeout.
    AnyConnection::connect(&url).await?.close().await?;
    let pool = options.connect(&url).await?;
    Ok(SqlStore { pool, backend })
}

/// Adds `mode=rwc` so a missing database file is created.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

impl SqlStore {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Tells every node listening on PostgreSQL that work was queued (`NOTIFY`); nothing on
    /// SQLite, where the one process wakes its own workers.
    pub async fn announce_work(&self) -> Result<()> {
        if self.backend == Backend::Postgres {
            Sql::new("SELECT pg_notify(")
                .bind(crate::store::WORK_CHANNEL)
                .push(", '')")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Closes every connection (tests drop their database afterwards).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Begins a transaction that will write. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`): a deferred transaction that reads and then writes fails with "database is
/// locked" (SQLITE_BUSY_SNAPSHOT) when another writer committed in between, and the busy
/// timeout cannot help it; an immediate one waits its turn.
pub(crate) async fn begin_write(pool: &AnyPool) -> Result<sqlx::Transaction<'static, Any>> {
    let sqlite = pool.connect_options().database_url.scheme() == "sqlite";
    Ok(pool
        .begin_with(if sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" })
        .await?)
}

/// A statement with numbered parameters, built piece by piece.
pub(crate) struct Sql {
    text: String,
    args: AnyArguments<'static>,
    error: Option<sqlx::error::BoxDynError>,
}

impl Sql {
    pub(crate) fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            args: AnyArguments::default(),
            error: None,
        }
    }

    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a `$N` placeholder bound to `value`.
    pub(crate) fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'static + Encode<'static, Any> + Type<Any>,
    {
        if let Err(e) = self.args.add(value) {
            self.error.get_or_insert(e);
        }
        let n = self.args.len();
        self.text.push('$');
        self.text.push_str(&n.to_string());
        self
    }

    /// Appends `($a, $b, ...)` bound to the values; an empty list is `(NULL)`, which matches
    /// nothing on both backends (PostgreSQL refuses `IN ()`).
    pub(crate) fn bind_list<'a>(&mut self, values: impl IntoIterator<Item = &'a str>) -> &mut Self {
        self.push("(");
        let mut empty = true;
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v.to_owned());
            empty = false;
        }
        if empty {
            self.push("NULL");
        }
        self.push(")")
    }

    pub(crate) async fn fetch_all<'e, E>(&mut self, executor: E) -> Result<Vec<AnyRow>>
    where
        E: Executor<'e, Database = Any>,
    {
        let args = self.finish()?;
        Ok(sqlx::query_with(&args.0, args.1)
            .fetch_all(executor)
            .await?)
    }

    pub(crate) async fn fetch_optional<'e, E>(&mut self, executor: E) -> Result<Option<AnyRow>>
    where
        E: Executor<'e, Database = Any>,
    {
        let args = self.finish()?;
        Ok(sqlx::query_with(&args.0, args.1)
            .fetch_optional(executor)
            .await?)
    }

    /// Runs the statement and answers how many rows it changed.
    pub(crate) async fn execute<'e, E>(&mut self, executor: E) -> Result<u64>
    where
        E: Executor<'e, Database = Any>,
    {
        let args = self.finish()?;
        Ok(sqlx::query_with(&args.0, args.1)
            .execute(executor)
            .await?
            .rows_affected())
    }

    /// Takes the text and arguments out; the builder is spent.
    fn finish(&mut self) -> Result<(String, AnyArguments<'static>)> {
        match self.error.take() {
            Some(e) => Err(StoreError::Database(sqlx::Error::Encode(e))),
            None => Ok((
                std::mem::take(&mut self.text),
                std::mem::take(&mut self.args),
            )),
        }
    }
}

/// Maps a unique-constraint violation to a conflict on `field`.
pub(crate) fn unique_as(field: &'static str) -> impl FnOnce(StoreError) -> StoreError {
    move |e| match e {
        StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => {
            StoreError::conflict(field)
        }
        other => other,
    }
}

/// Deletes the row `id` of `table` if it belongs to the account; `NotFound` otherwise.
pub(crate) async fn delete_owned(
    pool: &AnyPool,
    table: &'static str,
    account: &AccountId,
    id: &str,
) -> Result<()> {
    let deleted = Sql::new(&format!("DELETE FROM {table} WHERE account_id = "))
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_owned())
        .execute(pool)
        .await?;
    if deleted == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(crate) fn now_millis() -> i64 {
    Utc::now().timestamp_millis()
}

pub(crate) fn time(row: &AnyRow, column: &str) -> Result<DateTime<Utc>> {
    let millis: i64 = row.try_get(column)?;
    DateTime::from_timestamp_millis(millis).ok_or_else(|| corrupt(column))
}

/// Reads a boolean: PostgreSQL has a boolean type, SQLite stores 0 or 1.
pub(crate) fn flag(row: &AnyRow, column: &str) -> Result<bool> {
    row.try_get::<bool, _>(column)
        .or_else(|_| row.try_get::<i64, _>(column).map(|v| v != 0))
        .map_err(StoreError::from)
}

/// A stored value that no longer parses: the database was changed behind Reach's back.
pub(crate) fn corrupt(column: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(
        format!("unexpected value in column {column}").into(),
    ))
}

/// Reads a column and parses it into a domain value.
pub(crate) fn parsed<T, E>(
    row: &AnyRow,
    column: &str,
    parse: impl FnOnce(&str) -> std::result::Result<T, E>,
) -> Result<T> {
    let text: String = row.try_get(column)?;
    parse(&text).map_err(|_| corrupt(column))
}

/// Like [`parsed`], for a nullable column.
pub(crate) fn parsed_opt<T, E>(
    row: &AnyRow,
    column: &str,
    parse: impl FnOnce(&str) -> std::result::Result<T, E>,
) -> Result<Option<T>> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| parse(&t).map_err(|_| corrupt(column)))
        .transpose()
}

/// The `LIKE` pattern finding `text` anywhere, with wildcards in it escaped by `\`.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Cuts a page of `limit + 1` rows to `limit` and makes the next cursor from the last kept.
pub(crate) fn page<T>(
    mut items: Vec<T>,
    request: &PageRequest,
    position: impl Fn(&T) -> (String, String),
) -> Page<T> {
    let limit = request.limit() as usize;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|last| {
            let (key, id) = position(last);
            super::Cursor::encode(&key, &id)
        })
    } else {
        None
    };
    Page { items, next_cursor }
}

/// Adds `AND (key, id) > cursor` and the ordering and limit of a page.
pub(crate) fn push_page(sql: &mut Sql, key: &str, id: &str, request: &PageRequest) {
    if let Some(c) = request.cursor() {
        sql.push(&format!(" AND ({key} > "))
            .bind(c.key.clone())
            .push(&format!(" OR ({key} = "))
            .bind(c.key.clone())
            .push(&format!(" AND {id} > "))
            .bind(c.id.clone())
            .push("))");
    }
    sql.push(&format!(" ORDER BY {key}, {id} LIMIT "))
        .bind(i64::from(request.limit()) + 1);
}

/// Newest first by id (UUIDv7), `limit + 1` rows to know whether more follow.
pub(crate) fn push_newest_first(sql: &mut Sql, column: &str, page: &PageRequest) {
    if let Some(cursor) = page.cursor() {
        sql.push(&format!(" AND {column} < "))
            .bind(cursor.id.clone());
    }
    sql.push(&format!(" ORDER BY {column} DESC LIMIT "))
        .bind(i64::from(page.limit()) + 1);
}

pub(crate) fn newest_first_page<T>(
    mut items: Vec<T>,
    page: &PageRequest,
    id: impl Fn(&T) -> &str,
) -> Page<T> {
    let limit = page.limit() as usize;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|last| super::Cursor::encode("", id(last)))
    } else {
        None
    };
    Page { items, next_cursor }
}

impl Store for SqlStore {
    async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn secret_key(&self, generated: &str) -> Result<String> {
        Sql::new("INSERT INTO deployment (key, value) VALUES ('secret_key', ")
            .bind(generated.to_owned())
            .push(") ON CONFLICT (key) DO NOTHING")
            .execute(&self.pool)
            .await?;
        let row = Sql::new("SELECT value FROM deployment WHERE key = 'secret_key'")
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.try_get("value")?)
    }

    async fn has_users(&self) -> Result<bool> {
        let row = Sql::new("SELECT COUNT(*) AS n FROM users")
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| r.try_get::<i64, _>("n"))
            .transpose()?
            .unwrap_or(0)
            > 0)
    }

    fn create_account(&self, new: &NewAccount) -> impl Future<Output = Result<Account>> + Send {
        accounts::create(&self.pool, new)
    }

    fn account_by_name(&self, name: &Name) -> impl Future<Output = Result<Option<Account>>> + Send {
        accounts::by_name(&self.pool, name)
    }

    fn account(&self, account: &AccountId) -> impl Future<Output = Result<Account>> + Send {
        accounts::get(&self.pool, account)
    }

    fn update_account(
        &self,
        account: &AccountId,
        settings: &AccountSettings,
    ) -> impl Future<Output = Result<Account>> + Send {
        accounts::update(&self.pool, account, settings)
    }

    fn create_company(
        &self,
        account: &AccountId,
        name: &Name,
    ) -> impl Future<Output = Result<Company>> + Send {
        companies::create(&self.pool, account, name)
    }

    fn company(
        &self,
        account: &AccountId,
        scope: &CompanyScope,
        id: &CompanyId,
    ) -> impl Future<Output = Result<Company>> + Send {
        companies::get(&self.pool, account, scope, id)
    }

    fn list_companies(
        &self,
        account: &AccountId,
        scope: &CompanyScope,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<Company>>> + Send {
        companies::list(&self.pool, account, scope, page)
    }

    fn rename_company(
        &self,
        account: &AccountId,
        id: &CompanyId,
        name: &Name,
    ) -> impl Future<Output = Result<Company>> + Send {
        companies::rename(&self.pool, account, id, name)
    }

    fn delete_company(
        &self,
        account: &AccountId,
        id: &CompanyId,
    ) -> impl Future<Output = Result<()>> + Send {
        companies::delete(&self.pool, account, id)
    }

    fn create_contact(
        &self,
        account: &AccountId,
        new: &NewContact,
    ) -> impl Future<Output = Result<Contact>> + Send {
        contacts::create(&self.pool, account, new)
    }

    fn contact(
        &self,
        account: &AccountId,
        scope: &CompanyScope,
        id: &ContactId,
    ) -> impl Future<Output = Result<Contact>> + Send {
        contacts::get(&self.pool, account, scope, id)
    }

    fn list_contacts(
        &self,
        account: &AccountId,
        scope: &CompanyScope,
        query: &ContactQuery,
    ) -> impl Future<Output = Result<Page<Contact>>> + Send {
        contacts::list(&self.pool, account, scope, query)
    }

    fn update_contact(
        &self,
        account: &AccountId,
        id: &ContactId,
        new: &NewContact,
    ) -> impl Future<Output = Result<Contact>> + Send {
        contacts::update(&self.pool, account, id, new)
    }

    fn delete_contact(
        &self,
        account: &AccountId,
        id: &ContactId,
    ) -> impl Future<Output = Result<()>> + Send {
        contacts::delete(&self.pool, account, id)
    }

    fn add_method(
        &self,
        account: &AccountId,
        contact: &ContactId,
        new: &NewMethod,
    ) -> impl Future<Output = Result<super::Method>> + Send {
        methods::add(&self.pool, account, contact, new)
    }

    fn method(
        &self,
        account: &AccountId,
        contact: &ContactId,
        id: &MethodId,
    ) -> impl Future<Output = Result<super::Method>> + Send {
        methods::get(&self.pool, account, contact, id)
    }

    fn update_method(
        &self,
        account: &AccountId,
        contact: &ContactId,
        id: &MethodId,
        new: &NewMethod,
    ) -> impl Future<Output = Result<super::Method>> + Send {
        methods::update(&self.pool, account, contact, id, new)
    }

    fn delete_method(
        &self,
        account: &AccountId,
        contact: &ContactId,
        id: &MethodId,
    ) -> impl Future<Output = Result<()>> + Send {
        methods::delete(&self.pool, account, contact, id)
    }

    fn create_user(
        &self,
        account: &AccountId,
        new: &NewUser,
    ) -> impl Future<Output = Result<Contact>> + Send {
        users::create(&self.pool, account, new)
    }

    fn update_user(
        &self,
        account: &AccountId,
        id: &ContactId,
        change: &UserChange,
    ) -> impl Future<Output = Result<Contact>> + Send {
        users::update(&self.pool, self.backend, account, id, change)
    }

    fn delete_user(
        &self,
        account: &AccountId,
        id: &ContactId,
    ) -> impl Future<Output = Result<()>> + Send {
        users::delete(&self.pool, self.backend, account, id)
    }

    fn update_profile(
        &self,
        account: &AccountId,
        id: &ContactId,
        profile: &Profile,
    ) -> impl Future<Output = Result<Contact>> + Send {
        users::update_profile(&self.pool, account, id, profile)
    }

    fn set_password(
        &self,
        account: &AccountId,
        id: &ContactId,
        password_hash: &str,
    ) -> impl Future<Output = Result<()>> + Send {
        users::set_password(&self.pool, account, id, password_hash)
    }

    fn login_by_email(
        &self,
        email: &EmailAddress,
    ) -> impl Future<Output = Result<Option<Login>>> + Send {
        users::login_by_email(&self.pool, email)
    }

    fn create_token(
        &self,
        account: &AccountId,
        user: &ContactId,
        name: &Name,
        token_hash: &str,
    ) -> impl Future<Output = Result<TokenId>> + Send {
        users::create_token(&self.pool, account, user, name, token_hash)
    }

    fn login_by_token(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<Login>>> + Send {
        users::login_by_token(&self.pool, token_hash)
    }

    fn record_audit(
        &self,
        account: &AccountId,
        entry: &NewAuditEntry,
    ) -> impl Future<Output = Result<()>> + Send {
        audit::record(&self.pool, account, entry)
    }

    fn list_audit(
        &self,
        account: &AccountId,
        query: &AuditQuery,
    ) -> impl Future<Output = Result<Page<AuditEntry>>> + Send {
        audit::list(&self.pool, account, query)
    }

    fn create_session(
        &self,
        account: &AccountId,
        user: &ContactId,
        id_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send {
        sessions::create(&self.pool, account, user, id_hash, expires_at)
    }

    fn login_by_session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<Login>>> + Send {
        sessions::login(&self.pool, id_hash, now)
    }

    fn delete_session(&self, id_hash: &str) -> impl Future<Output = Result<()>> + Send {
        sessions::delete(&self.pool, id_hash)
    }

    fn login_failures(
        &self,
        email_key: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<LoginFailures>> + Send {
        sessions::failures(&self.pool, email_key, now)
    }

    fn record_login_failure(
        &self,
        email_key: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<LoginFailures>> + Send {
        sessions::record_failure(&self.pool, email_key, now)
    }

    fn clear_login_failures(&self, email_key: &str) -> impl Future<Output = Result<()>> + Send {
        sessions::clear_failures(&self.pool, email_key)
    }

    fn create_password_link(
        &self,
        account: &AccountId,
        user: &ContactId,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send {
        sessions::create_password_link(&self.pool, account, user, token_hash, expires_at)
    }

    fn password_link(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<Login>>> + Send {
        sessions::password_link(&self.pool, token_hash, now)
    }

    fn use_password_link(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> impl Future<Output = Result<bool>> + Send {
        sessions::use_password_link(&self.pool, token_hash, now, password_hash)
    }

    fn ingest_alerts(
        &self,
        account: &AccountId,
        alerts: &[NewAlert],
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<Alert>>> + Send {
        alerts::ingest(&self.pool, account, alerts, now)
    }

    fn notifications_of_alert(
        &self,
        account: &AccountId,
        alert_id: &str,
    ) -> impl Future<Output = Result<Vec<Notification>>> + Send {
        alerts::notifications_of_alert(&self.pool, account, alert_id)
    }

    fn add_maintenance(
        &self,
        account: &AccountId,
        company: &CompanyId,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        reason: Option<&str>,
    ) -> impl Future<Output = Result<String>> + Send {
        alerts::add_maintenance(&self.pool, account, company, starts_at, ends_at, reason)
    }

    fn list_alerts(
        &self,
        account: &AccountId,
        scope: &CompanyScope,
        query: &AlertQuery,
    ) -> impl Future<Output = Result<Page<Alert>>> + Send {
        alerts::list_alerts(&self.pool, account, scope, query)
    }

    fn alert(
        &self,
        account: &AccountId,
        scope: &CompanyScope,
        id: &str,
    ) -> impl Future<Output = Result<Alert>> + Send {
        alerts::get_alert(&self.pool, account, scope, id)
    }

    fn list_notifications(
        &self,
        account: &AccountId,
        scope: &CompanyScope,
        query: &NotificationQuery,
    ) -> impl Future<Output = Result<Page<Notification>>> + Send {
        alerts::list_notifications(&self.pool, account, scope, query)
    }

    fn acknowledge_alert(
        &self,
        account: &AccountId,
        scope: &CompanyScope,
        id: &str,
        by: &ContactId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Alert>> + Send {
        alerts::acknowledge(&self.pool, account, scope, id, by, now)
    }

    fn claim_notifications(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Notification>>> + Send {
        outbox::claim(&self.pool, self.backend, now, lease, limit)
    }

    fn delivery_context(
        &self,
        notification: &Notification,
    ) -> impl Future<Output = Result<DeliveryContext>> + Send {
        outbox::context(&self.pool, notification)
    }

    fn record_attempt(&self, attempt: &NewAttempt) -> impl Future<Output = Result<()>> + Send {
        outbox::record_attempt(&self.pool, attempt)
    }

    fn attempts(
        &self,
        account: &AccountId,
        notification_id: &str,
    ) -> impl Future<Output = Result<Vec<Attempt>>> + Send {
        outbox::attempts(&self.pool, account, notification_id)
    }

    async fn queue_test(
        &self,
        account: &AccountId,
        contact: &ContactId,
        method: &MethodId,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let mut conn = self.pool.acquire().await?;
        outbox::queue_message(&mut conn, account, contact, method, "test", None, None, now)
            .await?
            .ok_or(StoreError::NotFound)
    }

    fn notification(
        &self,
        account: &AccountId,
        id: &str,
    ) -> impl Future<Output = Result<Notification>> + Send {
        outbox::notification(&self.pool, account, id)
    }

    fn clear_payload(&self, id: &str) -> impl Future<Output = Result<()>> + Send {
        outbox::clear_payload(&self.pool, id)
    }

    #[allow(clippy::too_many_arguments)]
    fn start_verification(
        &self,
        account: &AccountId,
        contact: &ContactId,
        method: &MethodId,
        code: &str,
        code_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<String>> + Send {
        outbox::start_verification(
            &self.pool, account, contact, method, code, code_hash, expires_at, now,
        )
    }

    fn confirm_verification(
        &self,
        account: &AccountId,
        contact: &ContactId,
        method: &MethodId,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<super::VerifyOutcome>> + Send {
        outbox::confirm_verification(&self.pool, account, contact, method, code_hash, now)
    }

    fn verify_by_link(
        &self,
        account: &AccountId,
        contact: &ContactId,
        method: &MethodId,
        address: &str,
    ) -> impl Future<Output = Result<bool>> + Send {
        outbox::verify_by_link(&self.pool, account, contact, method, address)
    }

    fn sent_to(
        &self,
        account: &AccountId,
        kind: &str,
        address: &str,
        since: DateTime<Utc>,
    ) -> impl Future<Output = Result<(i64, Option<DateTime<Utc>>)>> + Send {
        outbox::sent_to(&self.pool, account, kind, address, since)
    }

    fn queue_digest(
        &self,
        held: &Notification,
        at: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send {
        outbox::queue_digest(&self.pool, held, at, since)
    }

    fn held_back(
        &self,
        method: &MethodId,
        until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<(String, i64, i64)>>> + Send {
        outbox::held_back(&self.pool, method, until)
    }

    fn create_report(
        &self,
        account: &AccountId,
        new: &crate::domain::report::NewReport,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<super::Report>> + Send {
        reports::create(&self.pool, account, new, now)
    }

    fn report(
        &self,
        account: &AccountId,
        id: &str,
    ) -> impl Future<Output = Result<super::Report>> + Send {
        reports::get(&self.pool, account, id)
    }

    fn list_reports(
        &self,
        account: &AccountId,
    ) -> impl Future<Output = Result<Vec<super::Report>>> + Send {
        reports::list(&self.pool, account)
    }

    fn update_report(
        &self,
        account: &AccountId,
        id: &str,
        new: &crate::domain::report::NewReport,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<super::Report>> + Send {
        reports::update(&self.pool, account, id, new, now)
    }

    fn delete_report(
        &self,
        account: &AccountId,
        id: &str,
    ) -> impl Future<Output = Result<()>> + Send {
        reports::delete(&self.pool, account, id)
    }

    fn due_reports(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(AccountId, super::Report)>>> + Send {
        reports::due(&self.pool, now, limit)
    }

    #[allow(clippy::too_many_arguments)]
    fn start_run(
        &self,
        account: &AccountId,
        report_id: &str,
        scheduled_for: DateTime<Utc>,
        period_start: DateTime<Utc>,
        next_run_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<super::ReportRun>>> + Send {
        reports::start_run(
            &self.pool,
            account,
            report_id,
            scheduled_for,
            period_start,
            next_run_at,
            now,
        )
    }

    fn finish_run(
        &self,
        id: &str,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send {
        reports::finish_run(&self.pool, id, error, now)
    }

    fn report_runs(
        &self,
        account: &AccountId,
        report_id: &str,
    ) -> impl Future<Output = Result<Vec<super::ReportRun>>> + Send {
        reports::runs(&self.pool, account, report_id)
    }

    fn run_deliveries(
        &self,
        run_id: &str,
    ) -> impl Future<Output = Result<Vec<(String, String, String, String)>>> + Send {
        reports::run_deliveries(&self.pool, run_id)
    }

    #[allow(clippy::too_many_arguments)]
    fn queue_report(
        &self,
        account: &AccountId,
        contact: &ContactId,
        method: &MethodId,
        run_id: &str,
        payload: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<String>> + Send {
        reports::queue_delivery(&self.pool, account, contact, method, run_id, payload, now)
    }

    fn alerts_in(
        &self,
        account: &AccountId,
        companies: &[CompanyId],
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<super::Alert>>> + Send {
        reports::alerts_in(&self.pool, account, companies, start, end)
    }

    #[allow(clippy::type_complexity)]
    fn notifications_in(
        &self,
        account: &AccountId,
        companies: &[CompanyId],
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> impl Future<
        Output = Result<
            Vec<(
                String,
                String,
                String,
                String,
                i64,
                DateTime<Utc>,
                Option<DateTime<Utc>>,
            )>,
        >,
    > + Send {
        reports::notifications_in(&self.pool, account, companies, start, end)
    }

    fn unsubscribe(
        &self,
        account: &AccountId,
        contact: &ContactId,
        method: &MethodId,
    ) -> impl Future<Output = Result<bool>> + Send {
        reports::unsubscribe(&self.pool, account, contact, method)
    }

    fn metrics(&self, now: DateTime<Utc>) -> impl Future<Output = Result<super::Metrics>> + Send {
        outbox::metrics(&self.pool, now)
    }

    fn notification_sent(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool>> + Send {
        outbox::complete(&self.pool, id, now)
    }

    fn notification_failed(
        &self,
        id: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> impl Future<Output = Result<bool>> + Send {
        outbox::fail(&self.pool, id, error, retry_at)
    }

    fn notification_suppressed(
        &self,
        id: &str,
        reason: &str,
    ) -> impl Future<Output = Result<bool>> + Send {
        outbox::suppress(&self.pool, id, reason)
    }

    fn list_maintenance(
        &self,
        account: &AccountId,
        company: &CompanyId,
    ) -> impl Future<Output = Result<Vec<MaintenanceWindow>>> + Send {
        alerts::list_maintenance(&self.pool, account, company)
    }

    fn delete_maintenance(
        &self,
        account: &AccountId,
        company: &CompanyId,
        id: &str,
    ) -> impl Future<Output = Result<()>> + Send {
        alerts::delete_maintenance(&self.pool, account, company, id)
    }
}
