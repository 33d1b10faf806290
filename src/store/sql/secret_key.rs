//! The deployment's secret key as the database keeps it (`keys::deployment` seals it).

use super::{Result, Sql, SqlStore};
use crate::store::StoreError;
use sqlx::Row;

impl SqlStore {
    /// The deployment's secret key as kept (sealed or plain, see `keys::deployment`), if any.
    pub async fn stored_secret_key(&self) -> Result<Option<String>> {
        let row = Sql::new("SELECT value FROM deployment WHERE key = 'secret_key'")
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("value")).transpose()?)
    }

    /// Keeps the secret key as `new` (its sealed form) where it is still kept as `old`.
    pub async fn replace_secret_key(&self, old: &str, new: &str) -> Result<bool> {
        let changed = Sql::new("UPDATE deployment SET value = ")
            .bind(new.to_owned())
            .push(" WHERE key = 'secret_key' AND value = ")
            .bind(old.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(changed == 1)
    }

    /// The deployment's secret key as kept: the one stored, or `generated` stored now.
    pub async fn secret_key(&self, generated: &str) -> Result<String> {
        Sql::new("INSERT INTO deployment (key, value) VALUES ('secret_key', ")
            .bind(generated.to_owned())
            .push(") ON CONFLICT (key) DO NOTHING")
            .execute(&self.pool)
            .await?;
        self.stored_secret_key().await?.ok_or(StoreError::NotFound)
    }
}
