//! SPEC §2 "On-call schedules": a weekly rotation, who is on call, the shifts of a range, an
//! override cutting a shift, the secret iCalendar feed read by a separate iCalendar parser,
//! bad input, and who may do what.

use crate::app::TestApp;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

fn at(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("not a time: {value}"))
}

/// The events of an iCalendar text: (SUMMARY, DTSTART, DTEND).
fn events(text: &str) -> Vec<(String, String, String)> {
    let reader = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let mut out = Vec::new();
    for calendar in reader {
        let calendar = calendar.unwrap_or_else(|e| panic!("not RFC 5545: {e}\n{text}"));
        for event in calendar.events {
            let get = |name: &str| {
                event
                    .properties
                    .iter()
                    .find(|p| p.name == name)
                    .and_then(|p| p.value.clone())
                    .unwrap_or_else(|| panic!("no {name} in an event"))
            };
            get("UID");
            get("DTSTAMP");
            out.push((get("SUMMARY"), get("DTSTART"), get("DTEND")));
        }
    }
    out
}

pub async fn a_weekly_rotation_with_an_override_and_its_feed(app: &TestApp) {
    let admin = &app.admin.token;
    let bea = app
        .post(
            "/api/v1/contacts",
            admin,
            json!({"name": "Bea Guardia", "companies": "all"}),
        )
        .await
        .str("/id");
    let body = json!({
        "name": "Guardia", "timezone": "Europe/Madrid", "members": [app.tech.id, bea],
        "shift": {"every": "week", "handoff": "09:00", "weekday": "mon"}, "starts_on": "2026-11-02"
    });
    let made = app.post("/api/v1/schedules", admin, body.clone()).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(
        made.body["shift"],
        json!({"every": "week", "count": 1, "handoff": "09:00", "weekday": "mon"})
    );
    assert_eq!(made.body["members"], json!([app.tech.id, bea]));
    let id = made.str("/id");
    let taken = app.post("/api/v1/schedules", admin, body).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "names are unique");

    // Monday 09:00 in Madrid is 08:00 UTC in November; a week each, in order.
    let base = format!("/api/v1/schedules/{id}");
    let now = app
        .get(&format!("{base}/oncall?at=2026-11-03T12:00:00Z"), admin)
        .await;
    assert_eq!(
        now.body,
        json!({"contact_id": app.tech.id, "from": "2026-11-02T08:00:00.000Z", "until": "2026-11-09T08:00:00.000Z", "override": false})
    );
    let shifts = app
        .get(
            &format!("{base}/shifts?from=2026-11-05T00:00:00Z&to=2026-11-20T00:00:00Z"),
            admin,
        )
        .await;
    let items = shifts.body["items"].as_array().cloned().unwrap_or_default();
    let who: Vec<&str> = items
        .iter()
        .filter_map(|s| s["contact_id"].as_str())
        .collect();
    assert_eq!(
        who,
        [app.tech.id.as_str(), bea.as_str(), app.tech.id.as_str()]
    );
    assert_eq!(
        items[0]["from"], "2026-11-02T08:00:00.000Z",
        "the shift under way, whole"
    );

    // An override tomorrow for two hours cuts the shift under way into pieces.
    let start = (Utc::now() + Duration::days(1))
        .date_naive()
        .and_hms_opt(10, 0, 0)
        .unwrap_or_default()
        .and_utc();
    let over = app
        .post(
            &format!("{base}/overrides"),
            admin,
            json!({"contact_id": bea, "starts_at": start.to_rfc3339(), "ends_at": (start + Duration::hours(2)).to_rfc3339()}),
        )
        .await;
    assert_eq!(over.status, StatusCode::CREATED, "{}", over.body);
    let during = app
        .get(
            &format!(
                "{base}/oncall?at={}",
                (start + Duration::hours(1))
                    .to_rfc3339()
                    .replace('+', "%2B")
            ),
            admin,
        )
        .await;
    assert_eq!(
        (
            during.body["contact_id"].as_str(),
            during.body["override"].as_bool()
        ),
        (Some(bea.as_str()), Some(true))
    );
    let around = app
        .get(
            &format!(
                "{base}/shifts?from={}&to={}",
                (start - Duration::hours(1))
                    .to_rfc3339()
                    .replace('+', "%2B"),
                (start + Duration::hours(3))
                    .to_rfc3339()
                    .replace('+', "%2B")
            ),
            admin,
        )
        .await;
    let pieces = around.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(pieces.len(), 3, "{}", around.body);
    assert_eq!(at(&pieces[0]["until"]), start);
    assert_eq!(
        (at(&pieces[1]["from"]), pieces[1]["override"].as_bool()),
        (start, Some(true))
    );
    assert_eq!(pieces[0]["contact_id"], pieces[2]["contact_id"]);
    let listed = app.get(&format!("{base}/overrides"), &app.tech.token).await;
    assert_eq!(
        listed.body["items"].as_array().map(Vec::len),
        Some(1),
        "technicians see schedules"
    );

    // The secret feed: no login, RFC 5545, a day back to 14 days ahead, names as summaries.
    let url = made.str("/ical_url");
    let path = url
        .split_once("/ical/")
        .map(|(_, t)| format!("/ical/{t}"))
        .unwrap_or_default();
    let feed = app.call("GET", &path, None, None).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(feed.headers["content-type"], "text/calendar; charset=utf-8");
    assert_eq!(feed.headers["referrer-policy"], "no-referrer");
    let text = feed.body.as_str().unwrap_or_default().to_owned();
    let found = events(&text);
    assert!((3..=6).contains(&found.len()), "{found:?}");
    assert!(
        found
            .iter()
            .any(|(s, _, _)| s.contains("Bea Guardia") && s.contains("override")),
        "{found:?}"
    );
    assert!(
        found.iter().all(|(s, _, _)| s.ends_with("Guardia")),
        "{found:?}"
    );
    let forged = format!("{}x", path.trim_end_matches(".ics"));
    assert_eq!(
        app.call("GET", &forged, None, None).await.status,
        StatusCode::NOT_FOUND
    );

    // Bad input names its fields; nothing stored.
    let before = app.snapshot().await;
    let bad = app
        .post(
            "/api/v1/schedules",
            admin,
            json!({"name": "Bad", "timezone": "Mars/Base", "members": [bea, "no-such-contact"], "shift": {"every": "week", "handoff": "9am"}, "starts_on": "2026-11-02"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = bad.body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["timezone", "shift.handoff"]);
    let stranger = app
        .post(
            "/api/v1/schedules",
            admin,
            json!({"name": "Bad", "timezone": "UTC", "members": [bea, app.outsider.id], "shift": {"every": "day", "handoff": "09:00"}, "starts_on": "2026-11-02"}),
        )
        .await;
    assert_eq!(
        stranger.body["errors"][0]["field"], "members[1]",
        "{}",
        stranger.body
    );
    let past = app
        .post(&format!("{base}/overrides"), admin, json!({"contact_id": bea, "starts_at": "2026-01-01T00:00:00Z", "ends_at": "2026-01-02T00:00:00Z"}))
        .await;
    assert_eq!(past.body["errors"][0]["field"], "ends_at");
    let range = app
        .get(
            &format!("{base}/shifts?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z"),
            admin,
        )
        .await;
    assert_eq!(
        (range.status, range.body["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("to"))
    );
    let denied = app
        .patch(&base, &app.tech.token, json!({"name": "Mine"}))
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&base, &app.outsider.token).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.snapshot().await, before, "nothing changed");

    // A change of members shows at once; deleting the schedule ends its feed.
    let swapped = app
        .patch(&base, admin, json!({"members": [bea, app.tech.id]}))
        .await;
    assert_eq!(swapped.status, StatusCode::OK, "{}", swapped.body);
    let now = app
        .get(&format!("{base}/oncall?at=2026-11-03T12:00:00Z"), admin)
        .await;
    assert_eq!(now.body["contact_id"], json!(bea));
    assert_eq!(
        app.delete(&base, admin).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.call("GET", &path, None, None).await.status,
        StatusCode::NOT_FOUND
    );
}
