//! Storage: the only place SQL lives. One [`Store`] trait; [`SqlStore`] implements it for
//! SQLite and PostgreSQL (chosen by the database URL) with shared, portable SQL and the few
//! backend-specific statements marked as such. Every method that reads or writes tenant data
//! takes the account first, and list methods the caller's company scope, so a cross-account or
//! out-of-scope read cannot be written.

mod cursor;
mod model;
mod sql;

pub use cursor::{Cursor, PageRequest};
pub use model::*;
pub use sql::integrations::Integration;
pub use sql::{
    Backend, ReadConn, SqlStore, Tx, accounts, alerts, audit, companies, connect, connect_with,
    contacts, contacts_io, heartbeats, ingest, integrations, methods, outbox, policies, purge,
    reports, schedules, sessions, tokens, users,
};

/// The PostgreSQL `NOTIFY` channel on which nodes announce queued notifications.
pub const WORK_CHANNEL: &str = "reach_outbox";

use crate::domain::{FieldError, Invalid};

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such object in this account and scope.
    #[error("not found")]
    NotFound,
    /// A unique value is already taken (e.g. a user's email).
    #[error("conflict on {}", .0.field)]
    Conflict(FieldError),
    /// The input names something that does not exist in this account (e.g. a company id).
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The object may not be changed this way (e.g. deleting a user's primary email).
    #[error("{0}")]
    Protected(&'static str),
    /// The database failed; its message is part of this error's (there is no `source`, so a
    /// cause chain prints it once).
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    /// Stored content could not be written or read (a report's template or CSV).
    #[error("{0}")]
    Content(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(e)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::Migrate(e)
    }
}

impl StoreError {
    pub(crate) fn conflict(field: &str) -> Self {
        Self::Conflict(FieldError::new(field, Invalid::Taken))
    }

    /// Whether the database could not be reached at all (down, restarting, no connection to
    /// be had in time), as opposed to a failed statement: worth a 503, not a 500.
    pub fn is_unavailable(&self) -> bool {
        let Self::Database(e) = self else {
            return false;
        };
        match e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => true,
            // PostgreSQL's connection exceptions (class 08), a statement cancelled by the
            // statement time-out (57014), "shutting down", "cannot connect now" (57P01..57P03).
            sqlx::Error::Database(db) => db.code().is_some_and(|c| {
                c.starts_with("08") || matches!(&*c, "57014" | "57P01" | "57P02" | "57P03")
            }),
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
