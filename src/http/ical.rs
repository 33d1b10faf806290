//! `GET /ical/{token}.ics`: a schedule's secret iCalendar feed (RFC 5545) for calendar apps,
//! with no login: one `VEVENT` per span from a day ago to 14 days ahead, its `SUMMARY` naming
//! who is on call. Not in the OpenAPI document (the token is the credential).

use super::AppState;
use crate::app;
use crate::error::AppError;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use icalendar::{Calendar, Component, EventLike};
use std::sync::Arc;

pub async fn feed(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let (schedule, spans, names) = app::schedules::feed(&state, &token).await?;
    let mut calendar = Calendar::new();
    calendar.name(&schedule.name);
    for span in &spans {
        let who = names
            .get(span.contact.as_str())
            .map_or(span.contact.as_str(), String::as_str);
        let summary = if span.by_override {
            format!("{who} (override) – {}", schedule.name)
        } else {
            format!("{who} – {}", schedule.name)
        };
        let event = icalendar::Event::new()
            .uid(&format!(
                "{}-{}@reach",
                schedule.id,
                span.from.timestamp_millis()
            ))
            .timestamp(span.from)
            .summary(&summary)
            .starts(span.from)
            .ends(span.until)
            .done();
        calendar.push(event);
    }
    Ok((
        [
            (CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (CACHE_CONTROL, "no-store"),
        ],
        calendar.done().to_string(),
    ))
}
