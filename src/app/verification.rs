//! Send test, and verification (SPEC §1): a six-digit code sent through the method itself
//! (it expires after 10 minutes and locks after 5 wrong tries), or the signed link of a
//! verification email; and the signed unsubscribe link of report emails. Whoever may manage a
//! method's contact may test and verify it; links work without signing in. Tests and codes are
//! rate limited (`domain::limits`): refused, the request queues nothing and answers 429.

use super::methods::managed_method_on;
use super::{App, audit, commit};
use crate::auth::Caller;
use crate::domain::lifecycle::{self, CodeEffect};
use crate::domain::limits::{self, Decision};
use crate::domain::notification::Event;
use crate::domain::{AccountId, CompanyAccess, ContactId, FieldError, Invalid, Locale, MethodId};
use crate::error::AppError;
use crate::links::LinkError;
use crate::repr::MethodJson;
use crate::store::{self, Method, Notification, StoreError, VerifyOutcome};
use chrono::{DateTime, Utc};
use rand::Rng as _;
use sqlx::AnyConnection;

/// How long a verification code works.
pub const CODE_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// Whether one more test or verification message may go through `method` at `now`, on the
/// transaction that will queue it: the destination's turn is taken first (so concurrent
/// requests count each other's), its recent messages read, and `domain::limits` decides.
async fn within_limits(
    tx: &mut AnyConnection,
    account: &AccountId,
    method: &Method,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let (kind, address) = (method.kind.as_str(), method.address.as_str());
    store::outbox::lock_destination(tx, account, kind, address).await?;
    let since = now - limits::DESTINATION_WINDOW;
    let recent =
        store::outbox::recent_messages(tx, account, &method.id, kind, address, since).await?;
    match limits::check(&recent, now) {
        Decision::Allowed => Ok(()),
        Decision::RetryAfter(retry_after_secs) => {
            tracing::info!(
                retry_after_secs,
                "test or verification message refused: rate limit"
            );
            Err(AppError::TooManyRequests { retry_after_secs })
        }
    }
}

/// Queues a test message through the method now (also to unverified methods), unless the
/// rate limit refuses it.
#[tracing::instrument(skip_all, fields(account = %caller.account, contact = %contact, method = %method))]
pub async fn send_test(
    app: &App,
    caller: &Caller,
    contact: &ContactId,
    method: &MethodId,
) -> Result<Notification, AppError> {
    let mut tx = app.store.write().await?;
    store::outbox::lock_method(&mut tx, &caller.account, method).await?;
    let (_, found) = managed_method_on(&mut tx, caller, contact, method).await?;
    let now = Utc::now();
    within_limits(&mut tx, &caller.account, &found, now).await?;
    let id = store::outbox::queue_message(
        &mut tx,
        &caller.account,
        contact,
        method,
        Event::Test,
        None,
        None,
        now,
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    let queued = store::outbox::notification(&mut tx, &caller.account, &id).await?;
    commit(tx).await?;
    app.work_queued().await;
    Ok(queued)
}

/// A new six-digit code.
fn new_code() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000))
}

/// Sends a new code through the method (asking again replaces the previous one), unless the
/// rate limit refuses it (the pending code then stays as it was).
#[tracing::instrument(skip_all, fields(account = %caller.account, contact = %contact, method = %method))]
pub async fn start(
    app: &App,
    caller: &Caller,
    contact: &ContactId,
    method: &MethodId,
) -> Result<Notification, AppError> {
    let mut tx = app.store.write().await?;
    store::outbox::lock_method(&mut tx, &caller.account, method).await?;
    let (_, found) = managed_method_on(&mut tx, caller, contact, method).await?;
    let now = Utc::now();
    within_limits(&mut tx, &caller.account, &found, now).await?;
    let code = new_code();
    let hash = app.links.code_hash(method.as_str(), &code);
    let id = store::outbox::start_verification(
        &mut tx,
        &caller.account,
        contact,
        method,
        &code,
        &hash,
        now + CODE_LIFETIME,
        now,
    )
    .await?;
    let queued = store::outbox::notification(&mut tx, &caller.account, &id).await?;
    commit(tx).await?;
    app.work_queued().await;
    Ok(queued)
}

/// A typed code (by its hash) against the method's pending one, on `tx`: the store reads it,
/// `domain::lifecycle::check_code` decides (wrong, expired, locked after 5 wrong tries, none
/// asked for, or right), and what it decides is written (a failure counted, or the code used
/// up and the method verified).
pub async fn take_code(
    tx: &mut AnyConnection,
    account: &AccountId,
    contact: &ContactId,
    method: &MethodId,
    code_hash: &str,
    now: DateTime<Utc>,
) -> store::Result<VerifyOutcome> {
    let pending = store::outbox::pending_code(tx, account, contact, method).await?;
    let (outcome, effect) = lifecycle::check_code(pending.as_ref(), code_hash, now);
    match effect {
        CodeEffect::Nothing => {}
        CodeEffect::CountFailure => store::outbox::count_code_failure(tx, method).await?,
        CodeEffect::MarkVerified => store::outbox::mark_verified(tx, method).await?,
    }
    Ok(outcome)
}

/// Why a typed code did not verify, if it did not.
fn refusal(outcome: VerifyOutcome) -> Option<Invalid> {
    match outcome {
        VerifyOutcome::Verified => None,
        VerifyOutcome::Wrong => Some(Invalid::CodeWrong),
        VerifyOutcome::Expired => Some(Invalid::CodeExpired),
        VerifyOutcome::Locked => Some(Invalid::CodeLocked),
        VerifyOutcome::NoCode => Some(Invalid::CodeUnknown),
    }
}

/// The 422 for a code that did not verify.
fn code_error(why: Invalid) -> AppError {
    AppError::Validation(vec![FieldError::new("code", why)])
}

/// The six digits typed, without spaces; `None` when it cannot be a code.
fn typed_code(code: &str) -> Option<String> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    (code.len() == 6 && code.chars().all(|c| c.is_ascii_digit())).then_some(code)
}

/// Checks a typed code: the verified method, or a 422 field error on `code` (wrong, expired,
/// locked or none asked for). A wrong code counts as a failed try, kept even though it fails;
/// what cannot be a code at all counts nothing.
#[tracing::instrument(skip_all, fields(account = %caller.account, contact = %contact, method = %method))]
pub async fn confirm(
    app: &App,
    caller: &Caller,
    contact: &ContactId,
    method: &MethodId,
    code: &str,
) -> Result<Method, AppError> {
    let mut tx = app.store.write().await?;
    managed_method_on(&mut tx, caller, contact, method).await?;
    let Some(code) = typed_code(code) else {
        return Err(code_error(Invalid::CodeWrong));
    };
    let hash = app.links.code_hash(method.as_str(), &code);
    let outcome = take_code(&mut tx, &caller.account, contact, method, &hash, Utc::now()).await?;
    if let Some(why) = refusal(outcome) {
        // A wrong try counts towards the lock.
        commit(tx).await?;
        return Err(code_error(why));
    }
    let verified = store::methods::get(&mut tx, &caller.account, contact, method).await?;
    let after = MethodJson::from(&verified);
    let mut before = MethodJson::from(&verified);
    before.verified = false;
    audit::change(&mut tx, caller, "method", Some(&before), Some(&after)).await?;
    commit(tx).await?;
    Ok(verified)
}

/// Which signed method link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Verifies an email address (the link of a verification email).
    Verify,
    /// Turns reports off for the method (the link of a report email).
    Unsubscribe,
}

impl LinkPurpose {
    /// The purpose its tokens are signed for.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verify => "verify",
            Self::Unsubscribe => "unsubscribe",
        }
    }
}

/// What a checked method link grants: acting on one method of one contact, without signing
/// in. Only [`check_link`] makes one.
#[derive(Debug, Clone)]
pub struct MethodLink {
    purpose: LinkPurpose,
    account: AccountId,
    contact: ContactId,
    method: MethodId,
    /// For verification, the address the email went to.
    sent_to: Option<String>,
}

/// The grant of a link's token, if it is ours, for `purpose` and unexpired at `now`.
pub fn check_link(
    app: &App,
    purpose: LinkPurpose,
    token: &str,
    now: DateTime<Utc>,
) -> Result<MethodLink, LinkError> {
    let fields = app.links.check(purpose.as_str(), token, now)?;
    let (ids, sent_to) = match (purpose, fields.as_slice()) {
        (LinkPurpose::Verify, [a, c, m, address]) => ([a, c, m], Some(address.clone())),
        (LinkPurpose::Unsubscribe, [a, c, m]) => ([a, c, m], None),
        _ => return Err(LinkError::Invalid),
    };
    Ok(MethodLink {
        purpose,
        account: AccountId::from_string(ids[0].as_str()),
        contact: ContactId::from_string(ids[1].as_str()),
        method: MethodId::from_string(ids[2].as_str()),
        sent_to,
    })
}

/// What a method link's page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkState {
    /// Its contact is gone (or never was).
    Unknown,
    /// Its method is gone; `locale` is the contact's language.
    Gone { locale: Option<Locale> },
    /// (Verification) the method's address changed since the email went.
    Changed { locale: Option<Locale> },
    /// The link works: the method's address, and whether this request did what it says.
    Valid {
        locale: Option<Locale>,
        address: String,
        done: bool,
    },
}

/// Where a link points, as things are now.
async fn target(db: &mut AnyConnection, link: &MethodLink) -> Result<LinkState, AppError> {
    let all = CompanyAccess::All;
    let person = match store::contacts::get(db, &link.account, &all, &link.contact).await {
        Ok(person) => person,
        Err(StoreError::NotFound) => return Ok(LinkState::Unknown),
        Err(e) => return Err(e.into()),
    };
    let locale = person.locale;
    let Some(method) = person.methods.into_iter().find(|m| m.id == link.method) else {
        return Ok(LinkState::Gone { locale });
    };
    if link.sent_to.as_ref().is_some_and(|a| *a != method.address) {
        return Ok(LinkState::Changed { locale });
    }
    Ok(LinkState::Valid {
        locale,
        address: method.address,
        done: false,
    })
}

/// What opening a link shows; it changes nothing (mail scanners open links).
pub async fn open_link(app: &App, link: &MethodLink) -> Result<LinkState, AppError> {
    target(&mut *app.store.read().await?, link).await
}

/// Does what a working link says: verifies the method (as long as it still has the address
/// the email went to), or turns its reports off.
#[tracing::instrument(skip_all, fields(account = %link.account, link = link.purpose.as_str(), method = %link.method))]
pub async fn follow_link(app: &App, link: &MethodLink) -> Result<LinkState, AppError> {
    let mut tx = app.store.write().await?;
    let (locale, address) = match target(&mut tx, link).await? {
        LinkState::Valid {
            locale, address, ..
        } => (locale, address),
        refused => return Ok(refused),
    };
    let (account, contact, method) = (&link.account, &link.contact, &link.method);
    let done = match link.purpose {
        LinkPurpose::Verify => {
            store::outbox::verify_by_link(&mut tx, account, contact, method, &address).await?
        }
        LinkPurpose::Unsubscribe => {
            store::reports::unsubscribe(&mut tx, account, contact, method).await?
        }
    };
    commit(tx).await?;
    Ok(LinkState::Valid {
        locale,
        address,
        done,
    })
}
