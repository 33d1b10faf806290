//! On-call schedules (SPEC §2): admins create, change and delete them and their overrides;
//! every user of the account may read them and ask who is on call. The secret iCalendar feed
//! needs no login: its signed token names the schedule and the feed key.

use super::{App, audit, commit};
use crate::auth::{Admin, Caller};
use crate::domain::oncall::{self, NewSchedule, Override, Span};
use crate::domain::{ContactId, FieldError, Invalid, OverrideId, ScheduleId};
use crate::error::AppError;
use crate::repr::{OverrideJson, ScheduleJson};
use crate::store::schedules::{Schedule, StoredOverride};
use crate::store::{self, StoreError};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// The longest range `/shifts` answers.
pub const MAX_RANGE: Duration = Duration::days(93);

/// The schedule's secret feed URL.
pub fn ical_url(app: &App, schedule: &Schedule) -> String {
    app.links.feed_url(schedule.id.as_str(), &schedule.feed_key)
}

pub async fn list(app: &App, caller: &Caller) -> Result<Vec<Schedule>, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::schedules::list(&mut db, &caller.account).await?)
}

pub async fn get(app: &App, caller: &Caller, id: &ScheduleId) -> Result<Schedule, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::schedules::get(&mut db, &caller.account, id).await?)
}

#[tracing::instrument(skip_all, fields(account = %admin.0.account))]
pub async fn create(app: &App, admin: &Admin, new: &NewSchedule) -> Result<Schedule, AppError> {
    let caller = &admin.0;
    let feed_key = crate::auth::generate_token().0;
    let mut tx = app.store.write().await?;
    let made =
        store::schedules::create(&mut tx, &caller.account, new, &feed_key, Utc::now()).await?;
    let after = ScheduleJson::audited(&made);
    audit::change(&mut tx, caller, "schedule", None, Some(&after)).await?;
    commit(tx).await?;
    Ok(made)
}

#[tracing::instrument(skip_all, fields(account = %admin.0.account, schedule = %id))]
pub async fn update(
    app: &App,
    admin: &Admin,
    id: &ScheduleId,
    new: &NewSchedule,
) -> Result<Schedule, AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let before = store::schedules::get(&mut tx, &caller.account, id).await?;
    let after = store::schedules::update(&mut tx, &caller.account, id, new).await?;
    let (b, a) = (
        ScheduleJson::audited(&before),
        ScheduleJson::audited(&after),
    );
    audit::change(&mut tx, caller, "schedule", Some(&b), Some(&a)).await?;
    commit(tx).await?;
    Ok(after)
}

#[tracing::instrument(skip_all, fields(account = %admin.0.account, schedule = %id))]
pub async fn delete(app: &App, admin: &Admin, id: &ScheduleId) -> Result<(), AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let before = store::schedules::get(&mut tx, &caller.account, id).await?;
    store::schedules::delete(&mut tx, &caller.account, id).await?;
    let b = ScheduleJson::audited(&before);
    audit::change(&mut tx, caller, "schedule", Some(&b), None).await?;
    commit(tx).await?;
    Ok(())
}

/// A new secret feed URL for the schedule; the old one answers 404 from now on. Audited
/// without the key (the audit entry says the feed changed, not what it is).
#[tracing::instrument(skip_all, fields(account = %admin.0.account, schedule = %id))]
pub async fn new_feed(app: &App, admin: &Admin, id: &ScheduleId) -> Result<Schedule, AppError> {
    let caller = &admin.0;
    let key = crate::auth::generate_token().0;
    let mut tx = app.store.write().await?;
    let made = store::schedules::set_feed_key(&mut tx, &caller.account, id, &key).await?;
    audit::event(
        &mut tx,
        caller,
        "rotate",
        "schedule_feed",
        id.as_str(),
        None,
        None,
    )
    .await?;
    commit(tx).await?;
    Ok(made)
}

/// The schedule and its overrides that matter from `since` on.
async fn with_overrides(
    app: &App,
    account: &crate::domain::AccountId,
    id: &ScheduleId,
    since: DateTime<Utc>,
) -> Result<(Schedule, Vec<Override>), AppError> {
    let mut db = app.store.read().await?;
    let schedule = store::schedules::get(&mut db, account, id).await?;
    let overrides = store::schedules::overrides(&mut db, account, id, since)
        .await?
        .into_iter()
        .map(|o| o.over)
        .collect();
    Ok((schedule, overrides))
}

/// Who is on call at `at`, and for which span.
pub async fn oncall(
    app: &App,
    caller: &Caller,
    id: &ScheduleId,
    at: DateTime<Utc>,
) -> Result<Option<Span>, AppError> {
    let (schedule, overrides) = with_overrides(app, &caller.account, id, at).await?;
    Ok(oncall::oncall_at(&schedule.rotation, &overrides, at))
}

/// The spans overlapping `[from, to)`; a range over [`MAX_RANGE`] or backwards is a field
/// error on `to`.
pub async fn shifts(
    app: &App,
    caller: &Caller,
    id: &ScheduleId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Span>, AppError> {
    if to <= from {
        return Err(invalid("to", Invalid::EndsBeforeStart));
    }
    if to - from > MAX_RANGE {
        return Err(invalid("to", Invalid::Range { min: 1, max: 93 }));
    }
    let (schedule, overrides) = with_overrides(app, &caller.account, id, from).await?;
    Ok(oncall::spans(&schedule.rotation, &overrides, from, to))
}

fn invalid(field: &str, error: Invalid) -> AppError {
    AppError::from(StoreError::Invalid(vec![FieldError::new(field, error)]))
}

/// The schedule's overrides that have not ended, oldest first.
pub async fn overrides(
    app: &App,
    caller: &Caller,
    id: &ScheduleId,
) -> Result<Vec<StoredOverride>, AppError> {
    let mut db = app.store.read().await?;
    store::schedules::get(&mut db, &caller.account, id).await?;
    Ok(store::schedules::overrides(&mut db, &caller.account, id, Utc::now()).await?)
}

#[tracing::instrument(skip_all, fields(account = %admin.0.account, schedule = %id))]
pub async fn add_override(
    app: &App,
    admin: &Admin,
    id: &ScheduleId,
    over: &Override,
) -> Result<StoredOverride, AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let made =
        store::schedules::add_override(&mut tx, &caller.account, id, over, Utc::now()).await?;
    let after = OverrideJson::from(&made);
    audit::change(&mut tx, caller, "override", None, Some(&after)).await?;
    commit(tx).await?;
    Ok(made)
}

#[tracing::instrument(skip_all, fields(account = %admin.0.account, schedule = %id))]
pub async fn delete_override(
    app: &App,
    admin: &Admin,
    id: &ScheduleId,
    over: &OverrideId,
) -> Result<(), AppError> {
    let caller = &admin.0;
    let mut tx = app.store.write().await?;
    let gone = store::schedules::delete_override(&mut tx, &caller.account, id, over).await?;
    let before = OverrideJson::from(&gone);
    audit::change(&mut tx, caller, "override", Some(&before), None).await?;
    commit(tx).await?;
    Ok(())
}

/// The names of these contacts of the caller's account, by id.
pub async fn names(
    app: &App,
    caller: &Caller,
    contacts: &[ContactId],
) -> Result<HashMap<String, String>, AppError> {
    let mut db = app.store.read().await?;
    Ok(store::schedules::names(&mut db, &caller.account, contacts).await?)
}

/// What the secret feed shows: the schedule, its spans from a day ago to 14 days ahead and
/// the names of those on call; 404 for a token that is not ours or a feed key that changed.
pub async fn feed(
    app: &App,
    token: &str,
) -> Result<(Schedule, Vec<Span>, HashMap<String, String>), AppError> {
    let (id, key) = app
        .links
        .check_feed(token)
        .map_err(|_| AppError::NotFound)?;
    let id = ScheduleId::from_string(id);
    let (account, schedule) = {
        let mut db = app.store.read().await?;
        store::schedules::by_id(&mut db, &id).await?
    };
    if schedule.feed_key != key {
        return Err(AppError::NotFound);
    }
    let now = Utc::now();
    let (from, to) = (now - Duration::days(1), now + Duration::days(14));
    let (schedule, overrides) = with_overrides(app, &account, &id, from).await?;
    let spans = oncall::spans(&schedule.rotation, &overrides, from, to);
    let ids: Vec<ContactId> = spans.iter().map(|s| s.contact.clone()).collect();
    let names = {
        let mut db = app.store.read().await?;
        store::schedules::names(&mut db, &account, &ids).await?
    };
    Ok((schedule, spans, names))
}

/// Who a company's escalation policy pages first at `at` as on call: the person on call in the
/// first schedule its steps name (in step order); `None` without a policy, a schedule target
/// or anyone on call. For the top bar.
pub async fn first_oncall(
    app: &App,
    caller: &Caller,
    policy: &crate::domain::PolicyId,
    at: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    let policy = {
        let mut db = app.store.read().await?;
        store::policies::get(&mut db, &caller.account, policy).await?
    };
    let schedules = policy
        .policy
        .steps
        .iter()
        .flat_map(|s| &s.targets)
        .filter_map(|t| match t {
            oncall::policy::Target::Schedule(id) => Some(id),
            _ => None,
        });
    // The first schedule that still exists (a deleted one pages nobody).
    let mut found = None;
    for id in schedules {
        match with_overrides(app, &caller.account, id, at).await {
            Ok(it) => {
                found = Some(it);
                break;
            }
            Err(AppError::NotFound) => continue,
            Err(e) => return Err(e),
        }
    }
    let Some((schedule, overrides)) = found else {
        return Ok(None);
    };
    let Some(span) = oncall::oncall_at(&schedule.rotation, &overrides, at) else {
        return Ok(None);
    };
    let mut db = app.store.read().await?;
    let names = store::schedules::names(
        &mut db,
        &caller.account,
        std::slice::from_ref(&span.contact),
    )
    .await?;
    Ok(names.get(span.contact.as_str()).cloned())
}
