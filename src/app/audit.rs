//! The audit log: every change records who, what, when, before and after, written on the
//! change's own transaction (SPEC §4), and the admins' view of it.

use super::App;
use crate::auth::{Admin, Caller};
use crate::error::AppError;
use crate::repr::Audited;
use crate::store::{self, AuditEntry, AuditQuery, NewAuditEntry, Page, Tx};
use serde_json::Value;

/// Records a change of an object on `tx`: `before` only is a delete, `after` only a create,
/// both an update. Fails with the transaction: a change is never kept without its entry.
pub(crate) async fn change<T: Audited>(
    tx: &mut Tx,
    actor: &Caller,
    object_type: &'static str,
    before: Option<&T>,
    after: Option<&T>,
) -> Result<(), AppError> {
    match entry(actor, object_type, before, after)? {
        Some(entry) => Ok(store::audit::record(tx, &actor.account, &entry).await?),
        None => Ok(()),
    }
}

/// The entry [`change`] records, for use cases that record many at once
/// ([`store::audit::record_many`] on the change's transaction).
pub(crate) fn entry<T: Audited>(
    actor: &Caller,
    object_type: &'static str,
    before: Option<&T>,
    after: Option<&T>,
) -> Result<Option<NewAuditEntry>, AppError> {
    let (action, id) = match (before, after) {
        (None, Some(after)) => ("create", after.audit_id()),
        (Some(before), None) => ("delete", before.audit_id()),
        (Some(_), Some(after)) => ("update", after.audit_id()),
        (None, None) => return Ok(None),
    };
    let json = |v: Option<&T>| v.map(serde_json::to_value).transpose();
    let (before, after) = (json(before), json(after));
    Ok(Some(NewAuditEntry {
        actor_id: actor.user.clone(),
        actor_name: actor.name.clone(),
        action,
        object_type,
        object_id: id.to_owned(),
        before: before.map_err(|e| AppError::Internal(e.into()))?,
        after: after.map_err(|e| AppError::Internal(e.into()))?,
    }))
}

/// Records an event without an object body (e.g. a password change) on `tx`.
pub(crate) async fn event(
    tx: &mut Tx,
    actor: &Caller,
    action: &'static str,
    object_type: &'static str,
    object_id: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<(), AppError> {
    let entry = NewAuditEntry {
        actor_id: actor.user.clone(),
        actor_name: actor.name.clone(),
        action,
        object_type,
        object_id: object_id.to_owned(),
        before,
        after,
    };
    store::audit::record(tx, &actor.account, &entry).await?;
    Ok(())
}

/// The account's audit log, newest first (admins).
#[tracing::instrument(skip_all, fields(account = %admin.0.account))]
pub async fn list(
    app: &App,
    admin: &Admin,
    query: &AuditQuery,
) -> Result<Page<AuditEntry>, AppError> {
    Ok(store::audit::list(&mut *app.store.read().await?, &admin.0.account, query).await?)
}
