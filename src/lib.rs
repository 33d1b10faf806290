//! Reach: who must be told and how to reach them, and then telling them.

/// Password hashing and API tokens.
pub mod auth;
/// The command-line commands, called by `main.rs`.
pub mod cli;
/// Settings from defaults, a TOML file and `REACH_*` variables.
pub mod config;
/// Sending notifications: the outbox workers and their channels (email, webhook).
pub mod delivery;
/// Pure types and rules: names, addresses, routing preferences, access.
pub mod domain;
/// The HTTP error type and its problem+json responses.
pub mod error;
/// The HTTP server: the JSON API, the web app, health and readiness.
pub mod http;
/// Translations (Fluent), shared by pages and messages.
pub mod i18n;
/// Scheduled reports: the scheduler and the content of a run.
pub mod reports;
/// Storage: the `Store` trait and its SQLite/PostgreSQL implementation.
pub mod store;
