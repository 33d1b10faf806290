//! The SQL implementation of [`Store`], one file per resource. Statements are portable
//! between SQLite and PostgreSQL (numbered `$N` parameters, `ON CONFLICT`, lower-cased key
//! columns instead of `ILIKE`); where the backends differ, [`Backend`] says which is in use.

pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod companies;
pub mod contacts;
pub mod ingest;
pub mod methods;
pub mod outbox;
pub mod reports;
pub mod sessions;
pub mod users;

use super::{Page, PageRequest, Result, StoreError};
use crate::domain::AccountId;
use chrono::{DateTime, Utc};
use sqlx::any::{AnyArguments, AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, Arguments, Connection, Encode, Executor, Row, Type};
use std::time::Duration;

/// Which database engine a [`SqlStore`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The engine behind a connection, for the few statements that differ.
    pub fn of(db: &AnyConnection) -> Self {
        if db.backend_name().eq_ignore_ascii_case("postgresql") {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }
}

/// A write transaction: every repository function that changes something runs on one, and
/// nothing of it is visible until [`sqlx::Transaction::commit`].
pub type Tx = sqlx::Transaction<'static, Any>;

/// A pooled connection for reads.
pub type ReadConn = sqlx::pool::PoolConnection<Any>;

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

    /// A connection for reads (each statement sees committed data).
    pub async fn read(&self) -> Result<ReadConn> {
        Ok(self.pool.acquire().await?)
    }

    /// Begins a write transaction (see [`begin_write`]).
    pub async fn write(&self) -> Result<Tx> {
        begin_write(&self.pool).await
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// Checks the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// The deployment's secret key: the one stored, or `generated` stored now.
    pub async fn secret_key(&self, generated: &str) -> Result<String> {
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

    /// Whether anybody can log in yet.
    pub async fn has_users(&self) -> Result<bool> {
        let row = Sql::new("SELECT COUNT(*) AS n FROM users")
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| r.try_get::<i64, _>("n"))
            .transpose()?
            .unwrap_or(0)
            > 0)
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
    db: &mut AnyConnection,
    table: &'static str,
    account: &AccountId,
    id: &str,
) -> Result<()> {
    let deleted = Sql::new(&format!("DELETE FROM {table} WHERE account_id = "))
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_owned())
        .execute(&mut *db)
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
