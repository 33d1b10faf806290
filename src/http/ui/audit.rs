//! The Audit log: every change, who made it and when, newest first. Admins only.

use super::{AdminWeb, PageResult, Web, render};
use crate::app;
use crate::error::AppError;
use crate::http::AppState;
use crate::store::{AuditQuery, Cursor, PageRequest};
use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;
use std::sync::Arc;

pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub object_id: String,
    /// The fields that changed, `field: before → after`, or the object created or deleted.
    pub change: String,
}

#[derive(Template)]
#[template(path = "pages/audit.html")]
struct AuditPage<'a> {
    web: &'a Web,
    rows: Vec<AuditRow>,
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditParams {
    #[serde(default)]
    cursor: Option<String>,
}

/// What changed between two JSON objects, one line.
fn change(before: Option<&serde_json::Value>, after: Option<&serde_json::Value>) -> String {
    let short = |v: &serde_json::Value| {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        text.chars().take(80).collect::<String>()
    };
    match (before, after) {
        (Some(b), Some(a)) => {
            let (Some(b), Some(a)) = (b.as_object(), a.as_object()) else {
                return String::new();
            };
            a.iter()
                .filter(|(k, v)| b.get(*k) != Some(*v))
                .map(|(k, v)| {
                    let old = b.get(k).map(short).unwrap_or_default();
                    format!("{k}: {old} → {}", short(v))
                })
                .collect::<Vec<_>>()
                .join("; ")
        }
        (None, Some(v)) | (Some(v), None) => v
            .get("name")
            .or_else(|| v.get("address"))
            .or_else(|| v.get("title"))
            .map(short)
            .unwrap_or_default(),
        (None, None) => String::new(),
    }
}

pub async fn list(
    State(state): State<Arc<AppState>>,
    AdminWeb(web, admin): AdminWeb,
    Query(params): Query<AuditParams>,
) -> PageResult {
    let cursor = params
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(Cursor::parse)
        .transpose()
        .map_err(|_| web.fail(AppError::NotFound))?;
    let query = AuditQuery {
        page: PageRequest::new(Some(100), cursor).unwrap_or_default(),
        ..AuditQuery::default()
    };
    let page = app::audit::list(&state, &admin, &query)
        .await
        .map_err(|e| web.fail(e))?;
    let rows = page
        .items
        .iter()
        .map(|e| AuditRow {
            at: web.when(e.at),
            actor: e.actor_name.clone(),
            action: web.t(&format!("audit-{}", e.action)),
            object: e.object_type.clone(),
            object_id: e.object_id.clone(),
            change: change(e.before.as_ref(), e.after.as_ref()),
        })
        .collect();
    Ok(render(&AuditPage {
        web: &web,
        rows,
        next: page.next_cursor.map(|c| format!("/audit?cursor={c}")),
    }))
}
