//! [`Sql`], the statement builder every repository writes with (numbered `$N` parameters on
//! both engines), and the statements they share: unique violations as conflicts, and deleting
//! an account's row.

use crate::domain::AccountId;
use crate::store::{Result, StoreError};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, AnyConnection, Arguments, Encode, Executor, Type};

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
