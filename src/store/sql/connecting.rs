//! The first connection at start-up, which chooses the URL the pools use: it fails fast with
//! the real reason (refused, unknown database, bad password) where a pool would only report a
//! time-out, and a PostgreSQL server on this machine reached with no `sslmode` named is tried
//! in clear first (`config::database::in_clear_first`), as the URL says when it refuses that.

use super::{Result, StoreError};
use sqlx::{AnyConnection, Connection as _};
use std::time::Duration;

/// How long connecting to the database may take at start-up before it is an error.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// `url`, or the URL to use in its place, once a connection to it was opened and closed.
pub(super) async fn chosen(url: String) -> Result<String> {
    if let Some(clear) = crate::config::database::in_clear_first(&url) {
        match reachable(&clear).await {
            Ok(()) => return Ok(clear),
            // No `pg_hba.conf` line lets it in without TLS (`hostssl` only): as the URL says.
            Err(StoreError::Database(sqlx::Error::Database(e)))
                if e.code().as_deref() == Some("28000") =>
            {
                tracing::debug!(error = %e, "the database refuses clear connections");
            }
            Err(e) => return Err(e),
        }
    }
    reachable(&url).await?;
    Ok(url)
}

async fn reachable(url: &str) -> Result<()> {
    match tokio::time::timeout(CONNECT_TIMEOUT, AnyConnection::connect(url)).await {
        Ok(connection) => Ok(connection?.close().await?),
        Err(_) => Err(StoreError::Database(sqlx::Error::Configuration(
            format!(
                "no answer from the database within {} s",
                CONNECT_TIMEOUT.as_secs()
            )
            .into(),
        ))),
    }
}
