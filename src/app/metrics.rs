//! `/metrics`: who may read which numbers. The operator's `REACH_METRICS_TOKEN` reads the
//! whole deployment's; an admin's API token reads the same series counted over the admin's
//! own account only; a technician's token is refused. No tenant sees another's volumes.

use super::App;
use crate::error::AppError;
use crate::store::{self, Metrics};
use sha2::{Digest, Sha256};

/// The numbers a bearer token may read: the deployment's with the operator's metrics token, the
/// admin's account's with an admin's API token; 403 for a technician, 401 for anything else.
pub async fn read(app: &App, bearer: &str) -> Result<Metrics, AppError> {
    let account = if is_metrics_token(app, bearer) {
        None
    } else {
        let admin = super::session::caller_by_token(app, bearer)
            .await?
            .admin()?;
        Some(admin.0.account)
    };
    let mut db = app.store.read().await?;
    Ok(store::outbox::metrics(&mut db, account.as_ref(), chrono::Utc::now()).await?)
}

/// Whether `bearer` is the operator's token. Digests are compared, so the time taken tells
/// nothing about how much of the token was right.
fn is_metrics_token(app: &App, bearer: &str) -> bool {
    app.metrics_token
        .as_ref()
        .is_some_and(|t| Sha256::digest(t.expose().as_bytes()) == Sha256::digest(bearer.as_bytes()))
}
