//! One typed [`Settings`] struct from documented defaults, an optional TOML file and the
//! `REACH_*` environment variables of SPEC §3 (the environment wins). Secrets never appear in
//! `Debug` output, logs or `reach check-config`.
//!
//! Reading and checking the sources is in `load`; the redacting [`Secret`] and [`SecretUrl`]
//! in `secret`; the `reach check-config` output in `describe`.

pub mod database;
mod describe;
mod load;
mod secret;

pub use secret::{Secret, SecretUrl};

use crate::domain::EmailAddress;
use std::net::SocketAddr;
use std::path::PathBuf;
use url::Url;

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: SecretUrl,
    /// `REACH_DATABASE_MAX_CONNECTIONS`: the PostgreSQL pool's size on this node.
    pub database_max_connections: u32,
    pub listen: SocketAddr,
    /// Base of links put in messages.
    pub public_url: Url,
    /// Where emails go as `.eml` files while no SMTP server is set.
    pub mail_dir: PathBuf,
    pub smtp_url: Option<SecretUrl>,
    pub smtp_from: EmailAddress,
    pub twilio_base_url: Url,
    /// SMS and voice are off while this is `None`.
    pub twilio: Option<Twilio>,
    /// The Telegram Bot API's base (`REACH_TELEGRAM_API_URL`).
    pub telegram_api_url: Url,
    /// The deployment's Telegram bot; Telegram methods fail with a reason while unset.
    pub telegram_bot_token: Option<Secret>,
    /// The deployment's Matrix bot account; Matrix methods fail with a reason while unset.
    pub matrix: Option<Matrix>,
    pub webhook_allow_loopback: bool,
    /// `None`: generated once and kept in the database.
    pub secret_key: Option<Secret>,
    /// `REACH_METRICS_TOKEN`: the bearer token for the deployment-wide `/metrics`.
    pub metrics_token: Option<Secret>,
    /// `REACH_TRUSTED_PROXIES`: reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// A claimed notification whose node did not finish it is taken over after this.
    pub outbox_lease: std::time::Duration,
    /// A send is abandoned (and retried) after this; shorter than the lease.
    pub send_timeout: std::time::Duration,
}

/// SMS and voice provider credentials.
#[derive(Debug, Clone)]
pub struct Twilio {
    pub account_sid: String,
    pub auth_token: Secret,
    pub from: String,
}

/// The Matrix account that posts to rooms.
#[derive(Debug, Clone)]
pub struct Matrix {
    pub homeserver_url: Url,
    pub access_token: Secret,
}

/// A setting that could not be used, named by its environment variable.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

fn error(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.to_owned(),
        message: message.into(),
    }
}
