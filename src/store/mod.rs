//! Storage: the only place SQL lives. One [`Store`] trait; [`SqlStore`] implements it for
//! SQLite and PostgreSQL (chosen by the database URL) with shared, portable SQL and the few
//! backend-specific statements marked as such. Every method that reads or writes tenant data
//! takes the account first, and list methods the caller's company scope, so a cross-account or
//! out-of-scope read cannot be written.

mod cursor;
mod model;
mod sql;

pub use cursor::{Cursor, PageRequest};
pub use model::*;
pub use sql::{Backend, SqlStore, connect};

/// The PostgreSQL `NOTIFY` channel on which nodes announce queued notifications.
pub const WORK_CHANNEL: &str = "reach_outbox";

use crate::domain::{
    AccountId, AccountSettings, CompanyId, CompanyScope, ContactId, EmailAddress, FieldError,
    Invalid, MethodId, Name, NewAccount, NewAlert, NewContact, NewMethod, NewUser, Profile,
    TokenId, UserChange,
};
use chrono::{DateTime, Utc};
use std::future::Future;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such object in this account and scope.
    #[error("not found")]
    NotFound,
    /// A unique value is already taken (e.g. a user's email).
    #[error("conflict on {}", .0.field)]
    Conflict(FieldError),
    /// The input names something that does not exist in this account (e.g. a company id).
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The object may not be changed this way (e.g. deleting a user's primary email).
    #[error("{0}")]
    Protected(&'static str),
    /// The database failed; its message is part of this error's (there is no `source`, so a
    /// cause chain prints it once).
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    /// Stored content could not be written or read (a report's template or CSV).
    #[error("{0}")]
    Content(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::Database(e)
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Self::Migrate(e)
    }
}

impl StoreError {
    pub(crate) fn conflict(field: &str) -> Self {
        Self::Conflict(FieldError::new(field, Invalid::Taken))
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything Reach keeps. See the module documentation for the tenant rules.
pub trait Store: Send + Sync + 'static {
    /// Applies pending migrations.
    fn migrate(&self) -> impl Future<Output = Result<()>> + Send;
    /// Checks the database answers.
    fn ping(&self) -> impl Future<Output = Result<()>> + Send;
    /// The deployment's secret key: the one stored, or `generated` stored now.
    fn secret_key(&self, generated: &str) -> impl Future<Output = Result<String>> + Send;
    /// Whether anybody can log in yet.
    fn has_users(&self) -> impl Future<Output = Result<bool>> + Send;

    // Accounts.
    fn create_account(&self, new: &NewAccount) -> impl Future<Output = Result<Account>> + Send;
    fn account_by_name(&self, name: &Name) -> impl Future<Output = Result<Option<Account>>> + Send;
    fn account(&self, account: &AccountId) -> impl Future<Output = Result<Account>> + Send;
    fn update_account(
        &self,
        account: &AccountId,
        settings: &AccountSettings,
    ) -> impl Future<Output = Result<Account>> + Send;

    // Companies.
    fn create_company(
        &self,
        account: &AccountId,
        name: &Name,
    ) -> impl Future<Output = Result<Company>> + Send;
    fn company(
        &self,
        account: &AccountId,
        scope: &CompanyScope,
        id: &CompanyId,
    ) -> impl Future<Output = Result<Company>> + Send;
    fn list_companies(
        &self,
        account: &AccountId,
        scope: &CompanyScope,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<Company>>> + Send;
    fn rename_company(
        &self,
        account: &AccountId,
        id: &CompanyId,
        name: &Name,
    ) -> impl Future<Output = Result<Company>> + Send;
    /// Deletes the company and removes it from every access set.
    fn delete_company(
        &self,
        account: &AccountId,
        id: &CompanyId,
    ) -> impl Future<Output = Result<()>> + Send;

    // Contacts (users included).
    fn create_contact(
        &self,
        account: &AccountId,
        new: &NewContact,
    ) -> impl Future<Output = Result<Contact>> + Send;
    fn contact(
        &self,
        account: &AccountId,
        scope: &CompanyScope,
        id: &ContactId,
    ) -> impl Future<Output = Result<Contact>> + Send;
    fn list_contacts(
        &self,
        account: &AccountId,
        scope: &CompanyScope,
        query: &ContactQuery,
    ) -> impl Future<Output = Result<Page<Contact>>> + Send;
    /// Replaces name, companies, locale and time zone.
    fn update_contact(
        &self,
        account: &AccountId,
        id: &ContactId,
        new: &NewContact,
    ) -> impl Future<Output = Result<Contact>> + Send;
    /// Deletes the contact with its methods (and, for a user, their login and tokens).
    fn delete_contact(
        &self,
        account: &AccountId,
        id: &ContactId,
    ) -> impl Future<Output = Result<()>> + Send;

    // Contact methods.
    fn add_method(
        &self,
        account: &AccountId,
        contact: &ContactId,
        new: &NewMethod,
    ) -> impl Future<Output = Result<Method>> + Send;
    fn method(
        &self,
        account: &AccountId,
        contact: &ContactId,
        id: &MethodId,
    ) -> impl Future<Output = Result<Method>> + Send;
    /// Replaces a method; a changed address clears its verified flag. A user's primary email
    /// keeps its address (it changes with the user's email).
    fn update_method(
        &self,
        account: &AccountId,
        contact: &ContactId,
        id: &MethodId,
        new: &NewMethod,
    ) -> impl Future<Output = Result<Method>> + Send;
    /// Deletes a method; a user's primary email cannot be deleted.
    fn delete_method(
        &self,
        account: &AccountId,
        contact: &ContactId,
        id: &MethodId,
    ) -> impl Future<Output = Result<()>> + Send;

    // Users.
    /// Creates the user's contact, login and primary email method together.
    fn create_user(
        &self,
        account: &AccountId,
        new: &NewUser,
    ) -> impl Future<Output = Result<Contact>> + Send;
    /// Changes role, companies and disabled. Refuses (`Protected`) to leave the account without
    /// an enabled admin.
    fn update_user(
        &self,
        account: &AccountId,
        id: &ContactId,
        change: &UserChange,
    ) -> impl Future<Output = Result<Contact>> + Send;
    /// Deletes a user; refuses (`Protected`) to delete the last enabled admin.
    fn delete_user(
        &self,
        account: &AccountId,
        id: &ContactId,
    ) -> impl Future<Output = Result<()>> + Send;
    /// A user's own name, email (also their primary email method) and preferences.
    fn update_profile(
        &self,
        account: &AccountId,
        id: &ContactId,
        profile: &Profile,
    ) -> impl Future<Output = Result<Contact>> + Send;
    fn set_password(
        &self,
        account: &AccountId,
        id: &ContactId,
        password_hash: &str,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The login of an email, in whatever account it is (emails are unique in the deployment).
    fn login_by_email(
        &self,
        email: &EmailAddress,
    ) -> impl Future<Output = Result<Option<Login>>> + Send;

    // API tokens.
    /// Stores the hash of a new token for a user of the account.
    fn create_token(
        &self,
        account: &AccountId,
        user: &ContactId,
        name: &Name,
        token_hash: &str,
    ) -> impl Future<Output = Result<TokenId>> + Send;
    /// The user a token hash belongs to, in whatever account it is.
    fn login_by_token(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<Login>>> + Send;

    // Web sessions and sign-in throttling.
    fn create_session(
        &self,
        account: &AccountId,
        user: &ContactId,
        id_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The user of an unexpired session.
    fn login_by_session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<Login>>> + Send;
    fn delete_session(&self, id_hash: &str) -> impl Future<Output = Result<()>> + Send;
    /// Recent failed sign-ins of an email (by its key) and any lock.
    fn login_failures(
        &self,
        email_key: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<LoginFailures>> + Send;
    /// Counts a failed sign-in; enough of them lock the email for a while.
    fn record_login_failure(
        &self,
        email_key: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<LoginFailures>> + Send;
    fn clear_login_failures(&self, email_key: &str) -> impl Future<Output = Result<()>> + Send;

    /// Stores a one-time set-password link (by its hash) for a user of the account.
    fn create_password_link(
        &self,
        account: &AccountId,
        user: &ContactId,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The user of an unused, unexpired set-password link.
    fn password_link(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<Login>>> + Send;
    /// Uses a link once to set the password; `false` for a used, expired or unknown link.
    fn use_password_link(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> impl Future<Output = Result<bool>> + Send;

    // Alerts and the outbox.
    /// Stores a batch of alerts and, in the same transaction, every notification they imply
    /// (routing per `domain::routing`): a new firing key opens an alert, a repeat re-notifies
    /// after the account's repeat interval, `resolved` closes it and notifies those who were
    /// notified. A company id of another account is a field error and nothing is stored.
    fn ingest_alerts(
        &self,
        account: &AccountId,
        alerts: &[NewAlert],
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<Alert>>> + Send;
    /// The outbox rows of an alert, oldest first.
    fn notifications_of_alert(
        &self,
        account: &AccountId,
        alert_id: &str,
    ) -> impl Future<Output = Result<Vec<Notification>>> + Send;
    /// Alerts of companies in scope, newest first.
    fn list_alerts(
        &self,
        account: &AccountId,
        scope: &CompanyScope,
        query: &AlertQuery,
    ) -> impl Future<Output = Result<Page<Alert>>> + Send;
    fn alert(
        &self,
        account: &AccountId,
        scope: &CompanyScope,
        id: &str,
    ) -> impl Future<Output = Result<Alert>> + Send;
    /// Records who acknowledged a firing alert (the first acknowledgement stands); pending
    /// escalations are then not sent.
    fn acknowledge_alert(
        &self,
        account: &AccountId,
        scope: &CompanyScope,
        id: &str,
        by: &ContactId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Alert>> + Send;
    /// The delivery log: notifications of alerts of companies in scope, newest first.
    fn list_notifications(
        &self,
        account: &AccountId,
        scope: &CompanyScope,
        query: &NotificationQuery,
    ) -> impl Future<Output = Result<Page<Notification>>> + Send;
    /// Adds a maintenance window to a company of the account.
    fn add_maintenance(
        &self,
        account: &AccountId,
        company: &CompanyId,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        reason: Option<&str>,
    ) -> impl Future<Output = Result<String>> + Send;

    /// A company's maintenance windows, by start.
    fn list_maintenance(
        &self,
        account: &AccountId,
        company: &CompanyId,
    ) -> impl Future<Output = Result<Vec<MaintenanceWindow>>> + Send;
    fn delete_maintenance(
        &self,
        account: &AccountId,
        company: &CompanyId,
        id: &str,
    ) -> impl Future<Output = Result<()>> + Send;

    // The outbox queue (deployment-wide: workers serve every account).
    /// Claims up to `limit` due notifications for `lease` (see `sql::outbox::claim`).
    fn claim_notifications(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Notification>>> + Send;
    /// A claimed notification was sent; `false` if it was no longer claimed.
    fn notification_sent(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// A claimed notification failed: retried at `retry_at`, or `dead` without one.
    fn notification_failed(
        &self,
        id: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// A claimed notification is not to be sent after all.
    fn notification_suppressed(
        &self,
        id: &str,
        reason: &str,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// What sending a claimed notification needs, read now (see `sql::outbox::context`).
    fn delivery_context(
        &self,
        notification: &Notification,
    ) -> impl Future<Output = Result<DeliveryContext>> + Send;
    /// Adds an attempt to a notification's log.
    fn record_attempt(&self, attempt: &NewAttempt) -> impl Future<Output = Result<()>> + Send;
    /// A notification's attempts, first first.
    fn attempts(
        &self,
        account: &AccountId,
        notification_id: &str,
    ) -> impl Future<Output = Result<Vec<Attempt>>> + Send;

    /// Queues a test message to one method of a contact; its notification id.
    fn queue_test(
        &self,
        account: &AccountId,
        contact: &ContactId,
        method: &MethodId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<String>> + Send;
    /// One notification of the account.
    fn notification(
        &self,
        account: &AccountId,
        id: &str,
    ) -> impl Future<Output = Result<Notification>> + Send;
    /// Forgets what a finished notification carried (a verification code).
    fn clear_payload(&self, id: &str) -> impl Future<Output = Result<()>> + Send;
    /// Starts a method's verification (code hash, expiry) and queues the code; the
    /// notification id.
    #[allow(clippy::too_many_arguments)]
    fn start_verification(
        &self,
        account: &AccountId,
        contact: &ContactId,
        method: &MethodId,
        code: &str,
        code_hash: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<String>> + Send;
    /// Checks a typed code (by its hash); a match verifies the method.
    fn confirm_verification(
        &self,
        account: &AccountId,
        contact: &ContactId,
        method: &MethodId,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<VerifyOutcome>> + Send;
    /// Verifies a method from a signed email link, if it still has that address.
    fn verify_by_link(
        &self,
        account: &AccountId,
        contact: &ContactId,
        method: &MethodId,
        address: &str,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Alert messages sent to a destination of the account since `since` (codes and tests do
    /// not count), and the oldest one's time.
    fn sent_to(
        &self,
        account: &AccountId,
        kind: &str,
        address: &str,
        since: DateTime<Utc>,
    ) -> impl Future<Output = Result<(i64, Option<DateTime<Utc>>)>> + Send;
    /// Queues a method's flood digest for `at`, unless one is queued.
    fn queue_digest(
        &self,
        held: &Notification,
        at: DateTime<Utc>,
        since: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// What flood control held back for a method since its last digest, up to `until`:
    /// (company, alerts, critical).
    fn held_back(
        &self,
        method: &MethodId,
        until: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<(String, i64, i64)>>> + Send;

    // Scheduled reports.
    fn create_report(
        &self,
        account: &AccountId,
        new: &crate::domain::report::NewReport,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Report>> + Send;
    fn report(&self, account: &AccountId, id: &str) -> impl Future<Output = Result<Report>> + Send;
    /// The account's reports, by name.
    fn list_reports(&self, account: &AccountId)
    -> impl Future<Output = Result<Vec<Report>>> + Send;
    fn update_report(
        &self,
        account: &AccountId,
        id: &str,
        new: &crate::domain::report::NewReport,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Report>> + Send;
    fn delete_report(
        &self,
        account: &AccountId,
        id: &str,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Reports of every account whose next run is due (for the scheduler).
    fn due_reports(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(AccountId, Report)>>> + Send;
    /// Starts a run once per (report, scheduled time) and moves the next run; `None` if it
    /// exists already.
    #[allow(clippy::too_many_arguments)]
    fn start_run(
        &self,
        account: &AccountId,
        report_id: &str,
        scheduled_for: DateTime<Utc>,
        period_start: DateTime<Utc>,
        next_run_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<Option<ReportRun>>> + Send;
    fn finish_run(
        &self,
        id: &str,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// A report's runs, newest first.
    fn report_runs(
        &self,
        account: &AccountId,
        report_id: &str,
    ) -> impl Future<Output = Result<Vec<ReportRun>>> + Send;
    /// A run's notifications: (contact, method, notification, state).
    fn run_deliveries(
        &self,
        run_id: &str,
    ) -> impl Future<Output = Result<Vec<(String, String, String, String)>>> + Send;

    /// Queues a report email to a recipient's method; the notification id.
    #[allow(clippy::too_many_arguments)]
    fn queue_report(
        &self,
        account: &AccountId,
        contact: &ContactId,
        method: &MethodId,
        run_id: &str,
        payload: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<String>> + Send;
    /// Alerts of these companies opened in [start, end).
    fn alerts_in(
        &self,
        account: &AccountId,
        companies: &[CompanyId],
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<Alert>>> + Send;
    /// Notifications about alerts of these companies created in [start, end): (company id,
    /// type, state, address, attempts, created, sent).
    #[allow(clippy::type_complexity)]
    fn notifications_in(
        &self,
        account: &AccountId,
        companies: &[CompanyId],
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> impl Future<
        Output = Result<
            Vec<(
                String,
                String,
                String,
                String,
                i64,
                DateTime<Utc>,
                Option<DateTime<Utc>>,
            )>,
        >,
    > + Send;
    /// Turns a method's reports off (the unsubscribe link).
    fn unsubscribe(
        &self,
        account: &AccountId,
        contact: &ContactId,
        method: &MethodId,
    ) -> impl Future<Output = Result<bool>> + Send;

    /// Deployment-wide operational numbers (`/metrics`).
    fn metrics(&self, now: DateTime<Utc>) -> impl Future<Output = Result<Metrics>> + Send;

    // Audit log.
    fn record_audit(
        &self,
        account: &AccountId,
        entry: &NewAuditEntry,
    ) -> impl Future<Output = Result<()>> + Send;
    fn list_audit(
        &self,
        account: &AccountId,
        query: &AuditQuery,
    ) -> impl Future<Output = Result<Page<AuditEntry>>> + Send;
}
