//! Purging what has outlived its use (the rule is `domain::retention`): expired sessions,
//! set-password links and verification codes, sign-in tries that can no longer lock anything,
//! and the payloads of notifications finished long ago. Deployment-wide, idempotent: every node
//! may run it.

use crate::domain::retention::Cutoffs;
use crate::store::Result;
use crate::store::sql::Sql;
use sqlx::AnyConnection;

/// How many rows each purge removed (or emptied, for payloads).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub failures: u64,
    pub password_links: u64,
    pub codes: u64,
    pub payloads: u64,
}

/// Purges everything `cut` says is past its use.
pub async fn purge(db: &mut AnyConnection, cut: &Cutoffs) -> Result<Purged> {
    let expired = cut.expired_before.timestamp_millis();
    let failures = cut.failures_before.timestamp_millis();
    Ok(Purged {
        sessions: Sql::new("DELETE FROM sessions WHERE expires_at <= ")
            .bind(expired)
            .execute(&mut *db)
            .await?,
        failures: Sql::new("DELETE FROM login_tries WHERE at <= ")
            .bind(failures)
            .execute(&mut *db)
            .await?,
        password_links: Sql::new(
            "DELETE FROM password_links WHERE used_at IS NOT NULL OR expires_at <= ",
        )
        .bind(expired)
        .execute(&mut *db)
        .await?,
        codes: Sql::new("DELETE FROM method_verifications WHERE expires_at <= ")
            .bind(expired)
            .execute(&mut *db)
            .await?,
        payloads: Sql::new(
            "UPDATE notifications SET payload = NULL WHERE payload IS NOT NULL \
             AND state IN ('sent', 'dead', 'suppressed') AND created_at <= ",
        )
        .bind(cut.payloads_before.timestamp_millis())
        .execute(&mut *db)
        .await?,
    })
}
