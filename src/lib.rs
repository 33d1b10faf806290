//! Reach: who must be told and how to reach them, and then telling them.

/// The use cases, one function per action: capability, one transaction, audit inside it.
pub mod app;
/// Password hashing and API tokens.
pub mod auth;
/// The command-line commands, called by `main.rs`.
pub mod cli;
/// `reach backup`: a consistent copy of an SQLite database and its key file.
pub mod cli_backup;
/// `reach import contacts` and `reach export contacts`: the contacts CSV and vCard files.
pub mod cli_contacts;
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
/// The heartbeat watch: opens the alert of a `heartbeat` integration whose ping is missed.
pub mod integrations_watch;
/// The deployment's secret key, the keys derived from it per purpose, and sealing at rest.
pub mod keys;
/// Signed links (acknowledge, verify, unsubscribe) and the paths of every link put in messages.
pub mod links;
/// Scheduled reports: the scheduler and the content of a run.
pub mod reports;
/// The public JSON form of each resource (API answers, audit before/after).
pub mod repr;
/// The clock and the workers' wake-up, shared by delivery and reports.
pub mod runtime;
/// Storage: repositories per resource over a connection or transaction, SQLite and PostgreSQL.
pub mod store;
/// Upkeep: the periodic purge of expired sessions, links, codes and old payloads.
pub mod upkeep;
