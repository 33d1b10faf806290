//! A contact search's candidates, from the trigram indexes (migration 0015).

use super::super::{Backend, Sql, contains_pattern};
use crate::domain::AccountId;
use crate::store::Result;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeSet;

/// At most this many search candidates are looked up by id. A search finding more reads the
/// list in name order instead: its matches are then frequent enough to fill a page soon.
const MOST_CANDIDATES: usize = 2000;

/// The ids of the account's contacts whose name or addresses may contain `text` (trimmed, not
/// empty), from the trigram indexes of migration 0015: every contact that does, and perhaps
/// some that do not (the list's own `LIKE` decides). `None` where they cannot narrow the
/// search: text shorter than a trigram, with a control character (no name or address has one),
/// or more than [`MOST_CANDIDATES`] candidate rows.
pub(super) async fn candidates(
    db: &mut AnyConnection,
    account: &AccountId,
    text: &str,
) -> Result<Option<BTreeSet<String>>> {
    let key = text.to_lowercase();
    if key.chars().count() < 3 || key.chars().any(char::is_control) {
        return Ok(None);
    }
    let mut sql = match Backend::of(db) {
        // An FTS5 phrase: the text quoted, quotes in it doubled.
        Backend::Sqlite => {
            let mut sql = Sql::new(
                "SELECT t.contact_id FROM contact_text_fts f \
                 JOIN contact_text t ON t.id = f.rowid WHERE contact_text_fts MATCH ",
            );
            sql.bind(format!("\"{}\"", key.replace('"', "\"\"")))
                .push(" AND t.account_id = ")
                .bind(account.to_string());
            sql
        }
        // pg_trgm's GIN indexes serve these (without pg_trgm, they read the tables).
        Backend::Postgres => {
            let pattern = contains_pattern(text);
            let mut sql = Sql::new("SELECT id AS contact_id FROM contacts WHERE account_id = ");
            sql.bind(account.to_string())
                .push(" AND name_key LIKE ")
                .bind(pattern.clone())
                .push(
                    " ESCAPE '\\' UNION ALL SELECT contact_id FROM contact_methods \
                     WHERE account_id = ",
                )
                .bind(account.to_string())
                .push(" AND address_key LIKE ")
                .bind(pattern)
                .push(" ESCAPE '\\'");
            sql
        }
    };
    let rows = sql
        .push(" LIMIT ")
        .bind(MOST_CANDIDATES as i64 + 1)
        .fetch_all(&mut *db)
        .await?;
    if rows.len() > MOST_CANDIDATES {
        return Ok(None);
    }
    let ids = rows
        .iter()
        .map(|r| r.try_get::<String, _>("contact_id"))
        .collect::<Result<_, _>>()?;
    Ok(Some(ids))
}
