//! The use cases: one module per resource, one function per action. Each takes a capability
//! (`&Admin` for admin-only actions, `&Caller` otherwise, a signed-link grant for links used
//! without signing in), opens one write transaction, asks `domain/` to decide, writes through
//! the store's repositories on that transaction and records the audit entry in the same
//! transaction, so a change and its audit entry commit or roll back together. `http/api` and
//! `http/ui` only parse input, call these and render the result.

pub mod account;
pub mod alerts;
pub mod audit;
pub mod companies;
pub mod contacts;
pub mod contacts_io;
pub mod hooks;
pub mod ingest;
mod intake;
pub mod integrations;
pub mod methods;
pub mod metrics;
pub mod policies;
pub mod reports;
pub mod schedules;
pub mod session;
pub mod setup;
pub mod signin;
pub mod tokens;
pub mod users;
pub mod verification;

use crate::config::Secret;
use crate::links::LinkSigner;
use crate::runtime::Wakeup;
use crate::store::SqlStore;

/// What every use case may need: the store, the link signer, the workers' wake-up and the
/// deployment's settings. The web server shares one (`http::AppState` is this).
#[derive(Debug)]
pub struct App {
    pub store: SqlStore,
    /// Signs links, sessions and webhooks.
    pub secret_key: Secret,
    /// `REACH_WEBHOOK_ALLOW_LOOPBACK`
    pub allow_loopback_webhooks: bool,
    /// Session cookies get `Secure` when the public URL is https.
    pub secure_cookies: bool,
    /// `REACH_PUBLIC_URL` without its trailing slash: the base of links shown and sent.
    pub public_url: String,
    /// Signs and checks the links put in messages.
    pub links: LinkSigner,
    /// The keys derived from `secret_key`, one per purpose (links, CSRF, sealing secrets).
    pub keys: crate::keys::Keys,
    /// Tells this process's workers that work was queued.
    pub wakeup: Wakeup,
    /// Whether an SMS/voice provider is configured (else admins see a warning).
    pub sms_configured: bool,
    /// `REACH_METRICS_TOKEN`: the operator's bearer token for the deployment-wide `/metrics`.
    pub metrics_token: Option<Secret>,
    /// `REACH_TRUSTED_PROXIES`: whose `X-Forwarded-For` names the client (sign-in counts).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl App {
    pub fn new(
        store: SqlStore,
        secret_key: Secret,
        allow_loopback_webhooks: bool,
        public_url: &str,
        wakeup: Wakeup,
    ) -> Self {
        let public_url = public_url.trim_end_matches('/').to_owned();
        let keys = crate::keys::Keys::derive(secret_key.expose());
        Self {
            links: LinkSigner::with_keys(&keys, secret_key.expose(), &public_url),
            keys,
            secure_cookies: public_url.starts_with("https:"),
            store,
            secret_key,
            allow_loopback_webhooks,
            public_url,
            wakeup,
            sms_configured: false,
            metrics_token: None,
            trusted_proxies: Vec::new(),
        }
    }

    /// With an SMS/voice provider configured, or not.
    #[must_use]
    pub fn with_sms(mut self, configured: bool) -> Self {
        self.sms_configured = configured;
        self
    }

    /// With the operator's `/metrics` token, or none (then only admins' tokens, per account).
    #[must_use]
    pub fn with_metrics_token(mut self, token: Option<Secret>) -> Self {
        self.metrics_token = token;
        self
    }

    /// Behind these reverse proxies (their `X-Forwarded-For` names the client).
    #[must_use]
    pub fn with_trusted_proxies(mut self, proxies: Vec<ipnet::IpNet>) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    /// Whether the database answers (`/readyz`).
    pub async fn ready(&self) -> Result<(), crate::store::StoreError> {
        self.store.ping().await
    }

    /// Work was queued: wake the workers here and, on PostgreSQL, on every node.
    pub async fn work_queued(&self) {
        self.alerts_queued(0).await;
    }

    /// Alerts queued `due_now` notifications (counted against the intake backlog): wake the
    /// workers here and, on PostgreSQL, on every node.
    pub async fn alerts_queued(&self, due_now: usize) {
        self.wakeup.queued(due_now);
        if let Err(e) = self.store.announce_work().await {
            tracing::warn!(error = %e, "could not announce queued work to other nodes");
        }
    }
}

/// Commits a use case's transaction: its change and its audit entry land together or not at all.
pub(crate) async fn commit(tx: crate::store::Tx) -> Result<(), crate::error::AppError> {
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(())
}
