//! Reading typed values out of rows: times (Unix milliseconds), flags (boolean or 0/1) and
//! stored text parsed into domain values, a value that does not parse being "corrupt".

use crate::store::{Result, StoreError};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

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
