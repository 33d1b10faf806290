//! [`Sql`], the statement builder every repository writes with (numbered `$N` parameters on
//! both engines), and the statements they share: unique violations as conflicts, deleting
//! an account's row, and taking a key's turn within a transaction.

use crate::domain::AccountId;
use crate::store::{Result, StoreError};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, AnyConnection, Arguments, Encode, Executor, Type};
use std::fmt::Write as _;

/// A statement with parameters, built piece by piece. Parameters are written when it runs:
/// `$1, $2, ...` on PostgreSQL, `?` (positional) on SQLite, where a named parameter costs a
/// scan of the statement's parameter names per bound value (`sqlite3_bind_parameter_name`),
/// quadratic in a multi-row insert: the profile had it at a tenth of Reach's CPU.
pub(crate) struct Sql {
    text: String,
    /// Where each parameter goes in `text`, in order.
    marks: Vec<usize>,
    args: AnyArguments<'static>,
    error: Option<sqlx::error::BoxDynError>,
}

/// What runs statements: a connection (or transaction) or a pool, and which engine it is.
pub(crate) trait Target<'e>: Executor<'e, Database = Any> {
    fn backend(&self) -> super::Backend;
}

impl<'e> Target<'e> for &'e mut AnyConnection {
    fn backend(&self) -> super::Backend {
        super::Backend::of(self)
    }
}

impl<'e> Target<'e> for &'e sqlx::AnyPool {
    fn backend(&self) -> super::Backend {
        if self.connect_options().database_url.scheme() == "sqlite" {
            super::Backend::Sqlite
        } else {
            super::Backend::Postgres
        }
    }
}

impl Sql {
    pub(crate) fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            marks: Vec::new(),
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
        self.marks.push(self.text.len());
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
        E: Target<'e>,
    {
        let args = self.finish(executor.backend())?;
        Ok(sqlx::query_with(&args.0, args.1)
            .fetch_all(executor)
            .await?)
    }

    pub(crate) async fn fetch_optional<'e, E>(&mut self, executor: E) -> Result<Option<AnyRow>>
    where
        E: Target<'e>,
    {
        let args = self.finish(executor.backend())?;
        Ok(sqlx::query_with(&args.0, args.1)
            .fetch_optional(executor)
            .await?)
    }

    /// Runs the statement and answers how many rows it changed.
    pub(crate) async fn execute<'e, E>(&mut self, executor: E) -> Result<u64>
    where
        E: Target<'e>,
    {
        let args = self.finish(executor.backend())?;
        Ok(sqlx::query_with(&args.0, args.1)
            .execute(executor)
            .await?
            .rows_affected())
    }

    /// Takes the text, with its parameters written for `backend`, and the arguments out; the
    /// builder is spent.
    fn finish(&mut self, backend: super::Backend) -> Result<(String, AnyArguments<'static>)> {
        if let Some(e) = self.error.take() {
            return Err(StoreError::Database(sqlx::Error::Encode(e)));
        }
        let text = std::mem::take(&mut self.text);
        let mut out = String::with_capacity(text.len() + 4 * self.marks.len());
        let mut from = 0;
        for (i, &at) in self.marks.iter().enumerate() {
            out.push_str(&text[from..at]);
            match backend {
                super::Backend::Sqlite => out.push('?'),
                super::Backend::Postgres => {
                    // Written in place: a string per parameter was an allocation each, a
                    // thousand per multi-row statement.
                    let _ = write!(out, "${}", i + 1);
                }
            }
            from = at;
        }
        out.push_str(&text[from..]);
        Ok((out, std::mem::take(&mut self.args)))
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
    delete_owned_under(db, table, account, None, id).await
}

/// [`delete_owned`], and only if the row's `column` is `parent` too (a token of this user, a
/// window of this company).
pub(crate) async fn delete_owned_under(
    db: &mut AnyConnection,
    table: &'static str,
    account: &AccountId,
    parent: Option<(&'static str, &str)>,
    id: &str,
) -> Result<()> {
    let mut sql = Sql::new(&format!("DELETE FROM {table} WHERE account_id = "));
    sql.bind(account.to_string());
    if let Some((column, parent)) = parent {
        sql.push(&format!(" AND {column} = "))
            .bind(parent.to_owned());
    }
    let deleted = sql
        .push(" AND id = ")
        .bind(id.to_owned())
        .execute(&mut *db)
        .await?;
    if deleted == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Takes the turn of `key` until the transaction ends, so that concurrent transactions that
/// count and then write for the same key (rate limits, sign-in tries) see each other's writes.
/// SQLite write transactions already run one at a time; PostgreSQL takes a
/// transaction-scoped advisory lock on a hash of the key.
pub(crate) async fn take_turn(db: &mut AnyConnection, key: &str) -> Result<()> {
    if super::Backend::of(db) == super::Backend::Postgres {
        // The function answers `void`, which rows cannot carry: select a constant beside it.
        Sql::new("SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtextextended(")
            .bind(key.to_owned())
            .push(", 0))) AS l")
            .fetch_optional(&mut *db)
            .await?;
    }
    Ok(())
}
