//! Pages and searches of lists: keyset pages by `(key, id)` or newest first by id, cut to
//! their limit with the next cursor, and the escaped `LIKE` pattern of a search.

use super::Sql;
use crate::store::{Cursor, Page, PageRequest};

/// The `LIKE` pattern finding `text` anywhere, with wildcards in it escaped by `\`.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Cuts a page of `limit + 1` rows to `limit` and makes the next cursor from the last kept.
pub(crate) fn page<T>(
    mut items: Vec<T>,
    request: &PageRequest,
    position: impl Fn(&T) -> (String, String),
) -> Page<T> {
    let limit = request.limit() as usize;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|last| {
            let (key, id) = position(last);
            Cursor::encode(&key, &id)
        })
    } else {
        None
    };
    Page { items, next_cursor }
}

/// Adds `AND (key, id) > cursor` and the ordering and limit of a page.
pub(crate) fn push_page(sql: &mut Sql, key: &str, id: &str, request: &PageRequest) {
    if let Some(c) = request.cursor() {
        sql.push(&format!(" AND ({key} > "))
            .bind(c.key.clone())
            .push(&format!(" OR ({key} = "))
            .bind(c.key.clone())
            .push(&format!(" AND {id} > "))
            .bind(c.id.clone())
            .push("))");
    }
    sql.push(&format!(" ORDER BY {key}, {id} LIMIT "))
        .bind(i64::from(request.limit()) + 1);
}

/// Newest first by id (UUIDv7), `limit + 1` rows to know whether more follow.
pub(crate) fn push_newest_first(sql: &mut Sql, column: &str, page: &PageRequest) {
    if let Some(cursor) = page.cursor() {
        sql.push(&format!(" AND {column} < "))
            .bind(cursor.id.clone());
    }
    sql.push(&format!(" ORDER BY {column} DESC LIMIT "))
        .bind(i64::from(page.limit()) + 1);
}

pub(crate) fn newest_first_page<T>(
    mut items: Vec<T>,
    page: &PageRequest,
    id: impl Fn(&T) -> &str,
) -> Page<T> {
    let limit = page.limit() as usize;
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|last| Cursor::encode("", id(last)))
    } else {
        None
    };
    Page { items, next_cursor }
}
