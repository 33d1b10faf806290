//! The SQL implementation of [`Store`], one file per resource. Statements are portable
//! between SQLite and PostgreSQL (numbered `$N` parameters, `ON CONFLICT`, lower-cased key
//! columns instead of `ILIKE`); where the backends differ, [`Backend`] says which is in use.
//!
//! This module connects and holds the pool; `statement` is the [`Sql`] builder (and the
//! statements every repository shares), `rows` reads typed values out of rows, and `paging`
//! makes the pages and searches of lists.

pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod companies;
pub mod contacts;
pub mod contacts_io;
pub mod heartbeats;
pub mod ingest;
pub mod integrations;
pub mod methods;
pub mod outbox;
pub mod policies;
pub mod purge;
pub mod reports;
pub mod schedules;
pub mod sessions;
pub mod tokens;
pub mod users;

mod checkpoint;
mod connecting;
mod paging;
mod rows;
mod secret_key;
mod statement;
mod statistics;
mod writer;

pub(crate) use paging::{contains_pattern, newest_first_page, page, push_newest_first, push_page};
pub(crate) use rows::{corrupt, flag, now_millis, parsed, parsed_opt, time};
pub(crate) use statement::{Sql, delete_owned, delete_owned_under, take_turn, unique_as};

use super::{Result, StoreError};
use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Row};
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

/// A write transaction: every repository function that changes something runs on one (it
/// derefs to the connection), and nothing of it is visible until [`Tx::commit`]; dropped
/// uncommitted, it rolls back. On SQLite it also holds this process's writer turn (see
/// [`SqlStore::write`]).
#[derive(Debug)]
pub struct Tx {
    inner: sqlx::Transaction<'static, Any>,
    /// Released after the transaction ends (fields drop in order).
    _turn: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await
    }
}

impl std::ops::Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

/// A pooled connection for reads.
pub type ReadConn = sqlx::pool::PoolConnection<Any>;

/// [`Store`] on SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    /// Where write transactions run: on SQLite one connection of its own, whose page cache
    /// stays warm (SQLite empties a connection's cache whenever another connection has
    /// committed, and this one makes nearly every commit); on PostgreSQL the one pool.
    writes: AnyPool,
    backend: Backend,
    /// SQLite has one writer at a time: this process's writers take turns here, in order,
    /// instead of colliding on the database lock and sleeping in its busy handler. (Other
    /// processes, e.g. a CLI command, still meet the busy timeout.)
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    growth: std::sync::Arc<statistics::Growth>,
    /// Write transactions begun (SQLite's checkpoints follow them).
    begun: std::sync::Arc<checkpoint::Writes>,
    /// SQLite: the thread the busiest writers run on ([`SqlStore::writing`]).
    writing: Option<std::sync::Arc<writer::WriterThread>>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// How long a request waits for a database connection before it is answered 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// A statement running longer than this on PostgreSQL is cancelled (a stuck database fails
/// requests instead of holding them; generous for migrations and big imports).
const STATEMENT_TIMEOUT_MS: u32 = 60_000;

/// Connects to `sqlite://PATH` (created when missing) or `postgres://...` with the default
/// pool size (10 PostgreSQL connections).
pub async fn connect(url: &str) -> Result<SqlStore> {
    connect_with(url, 10).await
}

/// [`connect`] with `max_connections` PostgreSQL connections (`REACH_DATABASE_MAX_CONNECTIONS`;
/// SQLite keeps its 4 readers and 1 writer). TLS follows the URL's `sslmode` and
/// `sslrootcert`, as libpq reads them; with no `sslmode`, a server on this machine is reached
/// in clear unless it refuses that (`connecting`).
pub async fn connect_with(url: &str, max_connections: u32) -> Result<SqlStore> {
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
    // `cache_kib`: SQLite's page cache per connection (its default is 2,000 KiB); `writer`: the
    // write connection, which leaves checkpoints to `checkpoint`.
    let options = |connections, cache_kib: u32, writer: bool| {
        let options = AnyPoolOptions::new()
            .max_connections(connections)
            // A database that is down makes requests fail with 503 in this long, not hang.
            .acquire_timeout(ACQUIRE_TIMEOUT);
        match backend {
            // WAL and a busy timeout let CLI commands run beside `reach serve`. Temporary
            // storage in memory: a multi-row statement inside a transaction keeps a statement
            // journal (to undo itself alone), which beyond 64 KiB spilled to a new temporary
            // file per statement, created, written and deleted (as many bytes as the WAL under
            // the alert benchmark; about 9% of the CPU per notification).
            // No ping before a connection is handed out: a SQLite connection is a file this
            // process holds open, and the ping was a round trip to its worker thread each time.
            Backend::Sqlite => options
                .test_before_acquire(false)
                .after_connect(move |conn, _| {
                    Box::pin(async move {
                        conn.execute(
                            format!(
                                "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                             PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                             PRAGMA temp_store = MEMORY; PRAGMA cache_size = -{cache_kib}; {}",
                                if writer {
                                    "PRAGMA wal_autocheckpoint = 0;"
                                } else {
                                    ""
                                }
                            )
                            .as_str(),
                        )
                        .await
                        .map(drop)
                    })
                }),
            // A random page read at 1.1 sequential ones unless the server was tuned (the stock
            // 4 is for spinning disks): for a batch's 100 keys in tables held in memory the
            // planner then scanned `alerts` and `notifications` whole in a fifth of the batches
            // (issue 15's note: 13,606 -> 13,976 notifications/s at 50,000 alerts).
            Backend::Postgres => options.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(
                        format!(
                            "SET statement_timeout = {STATEMENT_TIMEOUT_MS}; \
                             SELECT set_config('random_page_cost', '1.1', false) \
                             WHERE current_setting('random_page_cost') = '4'"
                        )
                        .as_str(),
                    )
                    .await
                    .map(drop)
                })
            }),
        }
    };
    let url = connecting::chosen(url).await?;
    let begun = std::sync::Arc::new(checkpoint::Writes::default());
    let writer = std::sync::Arc::new(tokio::sync::Mutex::new(()));
    let (pool, writes, writing) = match backend {
        Backend::Sqlite => {
            let pool = options(4, 2_000, false).connect(&url).await?;
            let thread = writer::WriterThread::start()?;
            // The writer's cache is kept small: SQLite moves pages during a b-tree rebalance
            // under a temporary page number (its lock page's, 262,145 with 4 KiB pages), and the
            // next commit then walks the writer's whole cache, not just the pages past the
            // database's end (148 walks per 20,000 alerts, 2% of the CPU with 16 MiB).
            // 4 MiB: 27,383 notifications/s against 26,025 with 16 MiB, 51.6 against 53.2 CPU
            // µs each, peak RSS 59 against 77 MB (SQLite, 50,000 alerts, 6 interleaved pairs).
            let writes = writer::connect_writes(&thread, options(1, 4_096, true), url).await?;
            checkpoint::spawn(
                pool.clone(),
                std::sync::Arc::clone(&begun),
                std::sync::Arc::clone(&writer),
            );
            (pool, writes, Some(std::sync::Arc::new(thread)))
        }
        Backend::Postgres => {
            let pool = options(max_connections.max(1), 0, false)
                .connect(&url)
                .await?;
            (pool.clone(), pool, None)
        }
    };
    Ok(SqlStore {
        pool,
        writes,
        backend,
        writer,
        growth: std::sync::Arc::default(),
        begun,
        writing,
    })
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

    /// Writes a consistent copy of an SQLite database to the new file `path` while it is in
    /// use: `VACUUM INTO` copies as of one read transaction, so writers carry on meanwhile
    /// (WAL) and the copy holds every transaction committed before it began, whole. Then
    /// checks the copy (`PRAGMA integrity_check`). PostgreSQL: `Unsupported` (use pg_dump).
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Protected("backup of PostgreSQL: use pg_dump"));
        }
        let target = path.to_string_lossy().into_owned();
        Sql::new("VACUUM INTO ")
            .bind(target)
            .execute(&self.pool)
            .await?;
        let url = format!("sqlite://{}?mode=ro", path.display());
        let mut copy = AnyConnection::connect(&url).await?;
        let row = Sql::new("PRAGMA integrity_check")
            .fetch_optional(&mut copy)
            .await?;
        let verdict: String = row.map(|r| r.try_get(0)).transpose()?.unwrap_or_default();
        copy.close().await?;
        if verdict != "ok" {
            return Err(StoreError::Database(sqlx::Error::Protocol(format!(
                "the copy failed its integrity check: {verdict}"
            ))));
        }
        Ok(())
    }

    /// A connection for reads (each statement sees committed data).
    pub async fn read(&self) -> Result<ReadConn> {
        Ok(self.pool.acquire().await?)
    }

    /// Begins a write transaction (see [`begin_write`]).
    pub async fn write(&self) -> Result<Tx> {
        self.write_with("BEGIN").await
    }

    /// [`SqlStore::write`] for the hot path's batches (intake, the recorder), whose statements
    /// write and read sets of rows by key: on PostgreSQL they run on generic plans (set in the
    /// same round trip as `BEGIN`). The server otherwise plans the first five runs of each
    /// statement on each connection anew for their values, which a burst of 10,000 alerts
    /// spread over the pool's connections paid in full; these plan the same whatever the
    /// values.
    pub async fn write_batch(&self) -> Result<Tx> {
        self.write_with("BEGIN; SET LOCAL plan_cache_mode = force_generic_plan")
            .await
    }

    async fn write_with(&self, begin: &'static str) -> Result<Tx> {
        // The turn first, then a connection: a writer waiting its turn holds no connection
        // that readers could use.
        let turn = match self.backend {
            Backend::Sqlite => Some(self.writer.clone().lock_owned().await),
            Backend::Postgres => None,
        };
        self.begun.begun();
        Ok(Tx {
            inner: begin_write(&self.writes, begin).await?,
            _turn: turn,
        })
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
        self.writes.close().await;
    }
}

/// Begins a transaction that will write. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`): a deferred transaction that reads and then writes fails with "database is
/// locked" (SQLITE_BUSY_SNAPSHOT) when another writer committed in between, and the busy
/// timeout cannot help it; an immediate one waits its turn. On PostgreSQL `begin` begins it.
async fn begin_write(
    pool: &AnyPool,
    begin: &'static str,
) -> Result<sqlx::Transaction<'static, Any>> {
    let sqlite = pool.connect_options().database_url.scheme() == "sqlite";
    Ok(pool
        .begin_with(if sqlite { "BEGIN IMMEDIATE" } else { begin })
        .await?)
}
