//! Escalation policies: their steps kept as JSON, and which company follows which. Every
//! schedule and contact a step names must be the account's (a field error on
//! `steps[i].targets[j].id` otherwise).

use super::{Sql, parsed, time, unique_as};
use crate::domain::oncall::policy::{NewPolicy, Policy, PolicyInput, StepInput, Target};
use crate::domain::{AccountId, CompanyId, FieldError, Invalid, PolicyId};
use crate::store::{Result, StoreError};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A policy as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPolicy {
    pub id: PolicyId,
    pub name: String,
    pub policy: Policy,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "SELECT id, name, steps, repeats, created_at FROM escalation_policies";

fn from_row(row: &AnyRow) -> Result<StoredPolicy> {
    let name: String = row.try_get("name")?;
    let steps: Vec<StepInput> = parsed(row, "steps", |s| serde_json::from_str(s))?;
    let repeat: i64 = row.try_get("repeats")?;
    let input = PolicyInput {
        name: Some(name.clone()),
        steps: Some(steps),
        repeat: Some(repeat),
    };
    let parsed = input.parse().map_err(|_| super::corrupt("steps"))?;
    Ok(StoredPolicy {
        id: PolicyId::from_string(row.try_get::<String, _>("id")?),
        name,
        policy: parsed.policy,
        created_at: time(row, "created_at")?,
    })
}

/// Every schedule and contact the steps name must be the account's.
async fn check_targets(db: &mut AnyConnection, account: &AccountId, policy: &Policy) -> Result<()> {
    let mut errors = Vec::new();
    for (i, step) in policy.steps.iter().enumerate() {
        for (j, target) in step.targets.iter().enumerate() {
            let (table, id) = match target {
                Target::Schedule(id) => ("schedules", id.to_string()),
                Target::Contact(id) => ("contacts", id.to_string()),
                Target::CompanyContacts => continue,
            };
            let found = Sql::new(&format!("SELECT id FROM {table} WHERE account_id = "))
                .bind(account.to_string())
                .push(" AND id = ")
                .bind(id)
                .fetch_optional(&mut *db)
                .await?;
            if found.is_none() {
                let error = if table == "schedules" {
                    Invalid::UnknownSchedule
                } else {
                    Invalid::UnknownContact
                };
                errors.push(FieldError::new(
                    format!("steps[{i}].targets[{j}].id"),
                    error,
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(errors))
    }
}

fn steps_json(policy: &Policy) -> Result<(String, i64)> {
    let (steps, repeat) = policy.input();
    let text = serde_json::to_string(&steps).map_err(|_| super::corrupt("steps"))?;
    Ok((text, repeat))
}

pub async fn create(
    db: &mut AnyConnection,
    account: &AccountId,
    new: &NewPolicy,
    now: DateTime<Utc>,
) -> Result<StoredPolicy> {
    check_targets(&mut *db, account, &new.policy).await?;
    let id = PolicyId::generate();
    let (steps, repeat) = steps_json(&new.policy)?;
    Sql::new(
        "INSERT INTO escalation_policies (id, account_id, name, name_key, steps, repeats, \
         created_at) VALUES (",
    )
    .bind(id.to_string())
    .push(", ")
    .bind(account.to_string())
    .push(", ")
    .bind(new.name.to_string())
    .push(", ")
    .bind(new.name.sort_key())
    .push(", ")
    .bind(steps)
    .push(", ")
    .bind(repeat)
    .push(", ")
    .bind(now.timestamp_millis())
    .push(")")
    .execute(&mut *db)
    .await
    .map_err(unique_as("name"))?;
    get(db, account, &id).await
}

pub async fn list(db: &mut AnyConnection, account: &AccountId) -> Result<Vec<StoredPolicy>> {
    let rows = Sql::new(COLUMNS)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" ORDER BY name_key, id")
        .fetch_all(&mut *db)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &PolicyId,
) -> Result<StoredPolicy> {
    let row = Sql::new(COLUMNS)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub async fn update(
    db: &mut AnyConnection,
    account: &AccountId,
    id: &PolicyId,
    new: &NewPolicy,
) -> Result<StoredPolicy> {
    check_targets(&mut *db, account, &new.policy).await?;
    let (steps, repeat) = steps_json(&new.policy)?;
    let changed = Sql::new("UPDATE escalation_policies SET name = ")
        .bind(new.name.to_string())
        .push(", name_key = ")
        .bind(new.name.sort_key())
        .push(", steps = ")
        .bind(steps)
        .push(", repeats = ")
        .bind(repeat)
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await
        .map_err(unique_as("name"))?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    get(db, account, id).await
}

/// Deletes a policy; its companies go back to the plain rule (the key is set to null).
pub async fn delete(db: &mut AnyConnection, account: &AccountId, id: &PolicyId) -> Result<()> {
    Sql::new("UPDATE companies SET escalation_policy_id = NULL WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND escalation_policy_id = ")
        .bind(id.to_string())
        .execute(&mut *db)
        .await?;
    super::delete_owned(db, "escalation_policies", account, id.as_str()).await
}

/// The policies of these companies, for those that have one.
pub async fn of_companies(
    db: &mut AnyConnection,
    account: &AccountId,
    companies: &[&CompanyId],
) -> Result<Vec<(CompanyId, PolicyId)>> {
    if companies.is_empty() {
        return Ok(Vec::new());
    }
    let rows = Sql::new("SELECT id, escalation_policy_id FROM companies WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND escalation_policy_id IS NOT NULL AND id IN ")
        .bind_list(companies.iter().map(|c| c.as_str()))
        .fetch_all(&mut *db)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                CompanyId::from_string(r.try_get::<String, _>("id")?),
                PolicyId::from_string(r.try_get::<String, _>("escalation_policy_id")?),
            ))
        })
        .collect()
}

/// The company's policy, if it has one.
pub async fn of_company(
    db: &mut AnyConnection,
    account: &AccountId,
    company: &CompanyId,
) -> Result<Option<PolicyId>> {
    let row = Sql::new("SELECT escalation_policy_id FROM companies WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(company.to_string())
        .fetch_optional(&mut *db)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(row
        .try_get::<Option<String>, _>("escalation_policy_id")?
        .map(PolicyId::from_string))
}

/// Gives the company a policy (`None`: the plain rule); the policy must be the account's (a
/// field error on `escalation_policy_id` otherwise).
pub async fn set_for_company(
    db: &mut AnyConnection,
    account: &AccountId,
    company: &CompanyId,
    policy: Option<&PolicyId>,
) -> Result<()> {
    if let Some(id) = policy {
        if let Err(StoreError::NotFound) = get(&mut *db, account, id).await {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "escalation_policy_id",
                Invalid::UnknownPolicy,
            )]));
        }
    }
    let changed = Sql::new("UPDATE companies SET escalation_policy_id = ")
        .bind(policy.map(PolicyId::to_string))
        .push(" WHERE account_id = ")
        .bind(account.to_string())
        .push(" AND id = ")
        .bind(company.to_string())
        .execute(&mut *db)
        .await?;
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
