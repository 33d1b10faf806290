//! Integrations (admins, SPEC §2 "Alerts in: integrations"): list, read, create, change, delete
//! and rotate. The token is made here, shown once inside the URL of the create and rotate
//! answers and stored only as a hash; audit entries never carry it.

use super::{App, audit, commit};
use crate::auth::{self, Admin};
use crate::config::Secret;
use crate::domain::IntegrationId;
use crate::domain::integration::{IntegrationKind, NewIntegration};
use crate::error::AppError;
use crate::repr::IntegrationJson;
use crate::store::{self, Integration};

/// An integration with its secret URL `{public_url}/hooks/{token}`, shown this once.
#[derive(Debug)]
pub struct WithUrl {
    pub integration: Integration,
    pub url: Secret,
}

/// The URL a monitoring system posts to.
fn hook_url(app: &App, token: &str) -> Secret {
    Secret::from(format!("{}/hooks/{token}", app.public_url))
}

/// The account's integrations, by name.
pub async fn list(app: &App, admin: &Admin) -> Result<Vec<Integration>, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::integrations::list(&mut db, &admin.0.account).await?)
}

pub async fn get(app: &App, admin: &Admin, id: &IntegrationId) -> Result<Integration, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::integrations::get(&mut db, &admin.0.account, id).await?)
}

/// Creates an integration; a taken name is a conflict on `name`, an unknown company a field
/// error on `company_id`.
#[tracing::instrument(skip_all, fields(account = %admin.0.account))]
pub async fn create(app: &App, admin: &Admin, new: &NewIntegration) -> Result<WithUrl, AppError> {
    let caller = &admin.0;
    let (token, hash) = auth::generate_token();
    let mut tx = app.store.write().await?;
    let integration =
        store::integrations::create(&mut tx, &caller.account, new, &hash, chrono::Utc::now())
            .await?;
    let after = IntegrationJson::from(&integration);
    audit::change(&mut tx, caller, "integration", None, Some(&after)).await?;
    commit(tx).await?;
    Ok(WithUrl {
        integration,
        url: hook_url(app, &token),
    })
}

/// Replaces an integration's settings (its URL stays).
#[tracing::instrument(skip_all, fields(account = %admin.0.account, integration = %id))]
pub async fn update(
    app: &App,
    admin: &Admin,
    id: &IntegrationId,
    new: &NewIntegration,
) -> Result<Integration, AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let before = store::integrations::get(&mut tx, &caller.account, id).await?;
    let after = store::integrations::update(&mut tx, &caller.account, id, new).await?;
    // A heartbeat that moves to another company or kind leaves no alert firing behind.
    let moved = before.kind == IntegrationKind::Heartbeat
        && (after.kind != before.kind || after.company_id != before.company_id);
    let resolved = moved
        && super::hooks::resolve_heartbeat(&mut tx, &caller.account, &before, chrono::Utc::now())
            .await?;
    let (b, a) = (
        IntegrationJson::from(&before),
        IntegrationJson::from(&after),
    );
    audit::change(&mut tx, caller, "integration", Some(&b), Some(&a)).await?;
    commit(tx).await?;
    if resolved {
        app.work_queued().await;
    }
    Ok(after)
}

/// Deletes an integration: its URL answers 404 from then on.
#[tracing::instrument(skip_all, fields(account = %admin.0.account, integration = %id))]
pub async fn delete(app: &App, admin: &Admin, id: &IntegrationId) -> Result<(), AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let before = store::integrations::get(&mut tx, &caller.account, id).await?;
    // A deleted heartbeat leaves no alert firing behind.
    let resolved = before.kind == IntegrationKind::Heartbeat
        && super::hooks::resolve_heartbeat(&mut tx, &caller.account, &before, chrono::Utc::now())
            .await?;
    store::integrations::delete(&mut tx, &caller.account, id).await?;
    let b = IntegrationJson::from(&before);
    audit::change(&mut tx, caller, "integration", Some(&b), None).await?;
    commit(tx).await?;
    if resolved {
        app.work_queued().await;
    }
    Ok(())
}

/// Gives an integration a new URL; the old one answers 404 from then on. Audited as `rotate`
/// (the entry carries the integration, not the token).
#[tracing::instrument(skip_all, fields(account = %admin.0.account, integration = %id))]
pub async fn rotate(app: &App, admin: &Admin, id: &IntegrationId) -> Result<WithUrl, AppError> {
    let caller = &admin.0;
    let (token, hash) = auth::generate_token();
    let mut tx = app.store.write().await?;
    let integration = store::integrations::rotate(&mut tx, &caller.account, id, &hash).await?;
    let after = serde_json::to_value(IntegrationJson::from(&integration))
        .map_err(|e| AppError::Internal(e.into()))?;
    audit::event(
        &mut tx,
        caller,
        "rotate",
        "integration",
        id.as_str(),
        None,
        Some(after),
    )
    .await?;
    commit(tx).await?;
    Ok(WithUrl {
        integration,
        url: hook_url(app, &token),
    })
}
