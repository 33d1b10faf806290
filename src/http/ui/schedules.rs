//! Configure > Schedules (every user; SPEC §2): each on-call schedule with who is on call now
//! and next, the coming two weeks of shifts, and its calendar feed. Times in the reader's zone.

use super::{PageResult, Web, render};
use crate::app;
use crate::http::AppState;
use askama::Template;
use axum::extract::State;
use chrono::{Duration, Utc};
use std::sync::Arc;

/// One span as the page shows it.
pub struct ShiftRow {
    pub who: String,
    pub from: String,
    pub until: String,
    pub by_override: bool,
}

pub struct ScheduleView {
    pub id: String,
    pub name: String,
    pub timezone: String,
    pub now: Option<ShiftRow>,
    pub next: Option<ShiftRow>,
    pub shifts: Vec<ShiftRow>,
    pub feed: String,
}

#[derive(Template)]
#[template(path = "pages/schedules.html")]
struct SchedulesPage<'a> {
    web: &'a Web,
    schedules: Vec<ScheduleView>,
}

pub async fn list(State(state): State<Arc<AppState>>, web: Web) -> PageResult {
    let now = Utc::now();
    let all = app::schedules::list(&state, &web.caller)
        .await
        .map_err(|e| web.fail(e))?;
    let mut schedules = Vec::with_capacity(all.len());
    for s in &all {
        let spans =
            app::schedules::shifts(&state, &web.caller, &s.id, now, now + Duration::days(14))
                .await
                .map_err(|e| web.fail(e))?;
        let ids: Vec<_> = spans.iter().map(|x| x.contact.clone()).collect();
        let names = app::schedules::names(&state, &web.caller, &ids)
            .await
            .map_err(|e| web.fail(e))?;
        let row = |x: &crate::domain::oncall::Span| ShiftRow {
            who: names
                .get(x.contact.as_str())
                .cloned()
                .unwrap_or_else(|| web.t("schedule-nobody")),
            from: web.when(x.from),
            until: web.when(x.until),
            by_override: x.by_override,
        };
        let current = spans.iter().position(|x| x.from <= now && now < x.until);
        schedules.push(ScheduleView {
            id: s.id.to_string(),
            name: s.name.clone(),
            timezone: s.rotation.timezone.as_str().to_owned(),
            now: current.map(|i| row(&spans[i])),
            next: spans.get(current.map_or(0, |i| i + 1)).map(row),
            shifts: spans.iter().map(row).collect(),
            feed: app::schedules::ical_url(&state, s),
        });
    }
    Ok(render(&SchedulesPage {
        web: &web,
        schedules,
    }))
}
