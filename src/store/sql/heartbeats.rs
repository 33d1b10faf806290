//! The turn of one `heartbeat` integration: the watch (on every node) and its pings take it
//! before deciding whether its alert opens or resolves, so concurrent deciders see each
//! other's writes and the alert opens once.

use super::take_turn as turn;
use crate::domain::IntegrationId;
use crate::store::Result;
use sqlx::AnyConnection;

/// Takes the heartbeat `id`'s turn until the transaction ends (SQLite write transactions
/// already run one at a time; PostgreSQL takes an advisory lock).
pub async fn take_turn(db: &mut AnyConnection, id: &IntegrationId) -> Result<()> {
    turn(db, &format!("reach.heartbeat\u{1f}{id}")).await
}
