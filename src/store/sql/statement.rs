//! [`Sql`], the statement builder every repository writes with (numbered `$N` parameters on
//! both engines), and the statements they share: unique violations as conflicts, deleting
//! an account's row, and taking a key's turn within a transaction.

use crate::domain::AccountId;
use crate::store::{Result, StoreError};
use sqlx::any::{AnyArguments, AnyRow, AnyTypeInfo};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Any, AnyConnection, Arguments, Encode, Executor, Type};
use sqlx_core::any::{AnyArgumentBuffer, AnyValueKind};
use std::borrow::Cow;

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

    /// Makes room for `text` more bytes and `params` more parameters (a multi-row statement
    /// otherwise grows, and is copied, a dozen times).
    pub(crate) fn reserve(&mut self, text: usize, params: usize) -> &mut Self {
        self.text.reserve(text);
        self.marks.reserve(params);
        self.args.reserve(params, 0);
        self
    }

    /// Appends a `$N` placeholder bound to `value`.
    pub(crate) fn bind(&mut self, value: impl Param) -> &mut Self {
        if let Err(e) = value.add_to(&mut self.args) {
            self.error.get_or_insert(e);
        }
        self.marks.push(self.text.len());
        self
    }

    /// Appends `json_to_recordset(CAST($n AS json)) AS r (columns)`, PostgreSQL's table of
    /// `rows` (serialized as objects whose fields are the `columns`, e.g. `id text, at bigint`)
    /// bound as one JSON text: a multi-row statement reads its rows from it instead of from a
    /// parameter per value. Each batch size was a statement text of its own, parsed on each
    /// connection, and the first executions of each were planned anew with their hundreds of
    /// values (binding was a fifth of the database's time in a burst of 10,000 alerts); one
    /// parameter makes one text, planned in a moment.
    pub(crate) fn records(&mut self, rows: &impl serde::Serialize, columns: &str) -> &mut Self {
        self.push("json_to_recordset(CAST(");
        match serde_json::to_string(rows) {
            Ok(text) => {
                self.bind(text);
            }
            Err(e) => {
                self.error.get_or_insert(Box::new(e));
            }
        }
        self.push(" AS json)) AS r (").push(columns).push(")")
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
        // `$` and the digits of the largest number, at most, per parameter.
        let widest = 1 + itoa::Buffer::new().format(self.marks.len()).len();
        let mut out = String::with_capacity(text.len() + widest * self.marks.len());
        let mut number = itoa::Buffer::new();
        let mut from = 0;
        for (i, &at) in self.marks.iter().enumerate() {
            out.push_str(&text[from..at]);
            match backend {
                super::Backend::Sqlite => out.push('?'),
                super::Backend::Postgres => {
                    // Written in place: a string per parameter was an allocation each, a
                    // thousand per multi-row statement; `write!` took 7% of the
                    // instructions of storing and sending a notification on PostgreSQL.
                    out.push('$');
                    out.push_str(number.format(i + 1));
                }
            }
            from = at;
        }
        out.push_str(&text[from..]);
        Ok((out, std::mem::take(&mut self.args)))
    }
}

/// A value a statement can be bound to. Owned text is moved into the arguments: sqlx's own
/// `Encode` for `String` copies it (one allocation and copy per text parameter, a dozen per
/// stored notification on the writer's thread).
pub(crate) trait Param {
    fn add_to(self, args: &mut AnyArguments<'static>) -> std::result::Result<(), BoxDynError>;
}

/// Parameters that sqlx's `Encode` adds without a copy.
macro_rules! encoded_as_is {
    ($($t:ty),*) => {$(
        impl Param for $t {
            fn add_to(
                self,
                args: &mut AnyArguments<'static>,
            ) -> std::result::Result<(), BoxDynError> {
                args.add(self)
            }
        }
    )*};
}
encoded_as_is!(&'static str, Option<&'static str>, i64, Option<i64>, bool);

impl Param for String {
    fn add_to(self, args: &mut AnyArguments<'static>) -> std::result::Result<(), BoxDynError> {
        args.add(OwnedText(self))
    }
}

impl Param for Option<String> {
    fn add_to(self, args: &mut AnyArguments<'static>) -> std::result::Result<(), BoxDynError> {
        // sqlx's `Option` encodes by reference, which would copy the text again.
        match self {
            Some(text) => args.add(OwnedText(text)),
            None => args.add(None::<OwnedText>),
        }
    }
}

/// Ids are bound as their text, copied once (their `to_string()` went through the formatting
/// machinery, growing a string a piece at a time).
macro_rules! bound_as_text {
    ($($t:ty),*) => {$(
        impl Param for &$t {
            fn add_to(
                self,
                args: &mut AnyArguments<'static>,
            ) -> std::result::Result<(), BoxDynError> {
                args.add(OwnedText(self.as_str().to_owned()))
            }
        }
    )*};
}
bound_as_text!(
    crate::domain::AccountId,
    crate::domain::AlertId,
    crate::domain::CompanyId,
    crate::domain::MethodId,
    crate::domain::NotificationId
);

/// Text handed to the arguments as it is.
struct OwnedText(String);

impl Type<Any> for OwnedText {
    fn type_info() -> AnyTypeInfo {
        <str as Type<Any>>::type_info()
    }
}

impl Encode<'static, Any> for OwnedText {
    fn encode(
        self,
        buf: &mut AnyArgumentBuffer<'static>,
    ) -> std::result::Result<IsNull, BoxDynError> {
        // The buffer's vector is public (hidden from sqlx's documentation): what its own
        // `Encode` impls push into.
        buf.0.push(AnyValueKind::Text(Cow::Owned(self.0)));
        Ok(IsNull::No)
    }

    fn encode_by_ref(
        &self,
        buf: &mut AnyArgumentBuffer<'static>,
    ) -> std::result::Result<IsNull, BoxDynError> {
        Self(self.0.clone()).encode(buf)
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::Sql;
    use crate::store::Backend;
    use sqlx::{Connection, Row};

    #[test]
    fn parameters_are_numbered_in_order_on_postgresql_and_positional_on_sqlite() {
        let statement = || {
            let mut sql = Sql::new("VALUES ");
            for i in 0..1_200_i64 {
                sql.push(if i == 0 { "(" } else { ", (" }).bind(i).push(")");
            }
            sql
        };
        let (text, _) = statement().finish(Backend::Postgres).unwrap();
        let expected: Vec<String> = (1..=1_200).map(|n| format!("(${n})")).collect();
        assert_eq!(text, format!("VALUES {}", expected.join(", ")));
        let (text, _) = statement().finish(Backend::Sqlite).unwrap();
        assert_eq!(text, format!("VALUES {}", vec!["(?)"; 1_200].join(", ")));
    }

    #[tokio::test]
    async fn every_kind_of_parameter_reaches_the_database_as_given() {
        sqlx::any::install_default_drivers();
        let mut db = sqlx::AnyConnection::connect("sqlite::memory:")
            .await
            .unwrap();
        let row = Sql::new("SELECT ")
            .bind("fixed")
            .push(" AS a, ")
            .bind(String::from("owned"))
            .push(" AS b, ")
            .bind(Some(String::from("some")))
            .push(" AS c, ")
            .bind(None::<String>)
            .push(" AS d, ")
            .bind(7_i64)
            .push(" AS e, ")
            .bind(None::<&'static str>)
            .push(" AS f")
            .fetch_optional(&mut db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get::<String, _>("a").unwrap(), "fixed");
        assert_eq!(row.try_get::<String, _>("b").unwrap(), "owned");
        assert_eq!(
            row.try_get::<Option<String>, _>("c").unwrap().as_deref(),
            Some("some")
        );
        assert_eq!(row.try_get::<Option<String>, _>("d").unwrap(), None);
        assert_eq!(row.try_get::<i64, _>("e").unwrap(), 7);
        assert_eq!(row.try_get::<Option<String>, _>("f").unwrap(), None);
    }
}
