//! Table tests of rotations and overrides, across both daylight-saving changes and month ends.

use super::*;
use chrono::Weekday;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn who(id: &str) -> ContactId {
    ContactId::from_string(id)
}

fn rotation(zone: &str, every: ShiftEvery, count: u32, handoff: &str, starts_on: &str) -> Rotation {
    Rotation {
        timezone: TimeZone::parse(zone).unwrap_or_else(|e| panic!("{e}")),
        members: vec![who("ana"), who("bea"), who("carl")],
        every,
        count,
        handoff: NaiveTime::parse_from_str(handoff, "%H:%M").unwrap_or_else(|e| panic!("{e}")),
        starts_on: NaiveDate::parse_from_str(starts_on, "%Y-%m-%d")
            .unwrap_or_else(|e| panic!("{e}")),
    }
}

/// `(who, from, until, by_override)` of each span, in RFC 3339 UTC.
fn listed(spans: &[Span]) -> Vec<(String, String, String, bool)> {
    spans
        .iter()
        .map(|s| {
            (
                s.contact.to_string(),
                s.from.format("%Y-%m-%dT%H:%MZ").to_string(),
                s.until.format("%Y-%m-%dT%H:%MZ").to_string(),
                s.by_override,
            )
        })
        .collect()
}

/// Who, from, until.
type Shown = Option<(String, String, String)>;

fn at(r: &Rotation, overrides: &[Override], instant: &str) -> Shown {
    oncall_at(r, overrides, utc(instant)).map(|s| {
        (
            s.contact.to_string(),
            s.from.format("%Y-%m-%dT%H:%MZ").to_string(),
            s.until.format("%Y-%m-%dT%H:%MZ").to_string(),
        )
    })
}

fn span(who: &str, from: &str, until: &str) -> Shown {
    Some((who.into(), from.into(), until.into()))
}

#[test]
fn who_is_on_call_at_an_instant() {
    let daily = rotation("Europe/Madrid", ShiftEvery::Day, 1, "09:00", "2026-11-02");
    let weekly = rotation(
        "UTC",
        ShiftEvery::Week(Weekday::Mon),
        1,
        "09:00",
        "2026-11-04",
    );
    let fortnight = rotation(
        "UTC",
        ShiftEvery::Week(Weekday::Mon),
        2,
        "09:00",
        "2026-11-04",
    );
    let spring = rotation("Europe/Madrid", ShiftEvery::Day, 1, "02:30", "2026-03-27");
    let autumn = rotation("Europe/Madrid", ShiftEvery::Day, 1, "02:30", "2026-10-23");
    let month_end = rotation("UTC", ShiftEvery::Day, 2, "09:00", "2026-01-30");
    let cases: Vec<(&str, &Rotation, &str, Shown)> = vec![
        (
            "before the first shift: nobody",
            &daily,
            "2026-11-02T07:59:00Z",
            None,
        ),
        (
            "09:00 in Madrid is 08:00 UTC in November",
            &daily,
            "2026-11-02T08:00:00Z",
            span("ana", "2026-11-02T08:00Z", "2026-11-03T08:00Z"),
        ),
        (
            "the second day",
            &daily,
            "2026-11-04T07:59:00Z",
            span("bea", "2026-11-03T08:00Z", "2026-11-04T08:00Z"),
        ),
        (
            "the third",
            &daily,
            "2026-11-04T08:00:00Z",
            span("carl", "2026-11-04T08:00Z", "2026-11-05T08:00Z"),
        ),
        (
            "round again",
            &daily,
            "2026-11-05T12:00:00Z",
            span("ana", "2026-11-05T08:00Z", "2026-11-06T08:00Z"),
        ),
        (
            "a year on (365 days = 2 mod 3)",
            &daily,
            "2027-11-02T09:00:00Z",
            span("carl", "2027-11-02T08:00Z", "2027-11-03T08:00Z"),
        ),
        (
            "weekly: the first shift runs to the first Monday",
            &weekly,
            "2026-11-08T23:00:00Z",
            span("ana", "2026-11-04T09:00Z", "2026-11-09T09:00Z"),
        ),
        (
            "weekly: then Monday to Monday",
            &weekly,
            "2026-11-09T09:00:00Z",
            span("bea", "2026-11-09T09:00Z", "2026-11-16T09:00Z"),
        ),
        (
            "two weeks: the first runs to the second Monday",
            &fortnight,
            "2026-11-12T00:00:00Z",
            span("ana", "2026-11-04T09:00Z", "2026-11-16T09:00Z"),
        ),
        (
            "two weeks: then fortnights",
            &fortnight,
            "2026-11-29T00:00:00Z",
            span("bea", "2026-11-16T09:00Z", "2026-11-30T09:00Z"),
        ),
        (
            "spring forward: 02:30 does not exist, the handoff is at the gap's end (03:00 CEST)",
            &spring,
            "2026-03-29T01:00:00Z",
            span("carl", "2026-03-29T01:00Z", "2026-03-30T00:30Z"),
        ),
        (
            "the day before it is 23 and a half hours long",
            &spring,
            "2026-03-29T00:59:00Z",
            span("bea", "2026-03-28T01:30Z", "2026-03-29T01:00Z"),
        ),
        (
            "fall back: 02:30 happens twice, the handoff is at the first",
            &autumn,
            "2026-10-25T00:30:00Z",
            span("carl", "2026-10-25T00:30Z", "2026-10-26T01:30Z"),
        ),
        (
            "that shift is 25 hours long",
            &autumn,
            "2026-10-26T01:29:00Z",
            span("carl", "2026-10-25T00:30Z", "2026-10-26T01:30Z"),
        ),
        (
            "two-day shifts across the month's end",
            &month_end,
            "2026-02-01T08:59:00Z",
            span("ana", "2026-01-30T09:00Z", "2026-02-01T09:00Z"),
        ),
        (
            "and on",
            &month_end,
            "2026-02-02T10:00:00Z",
            span("bea", "2026-02-01T09:00Z", "2026-02-03T09:00Z"),
        ),
    ];
    for (case, r, instant, expected) in cases {
        assert_eq!(at(r, &[], instant), expected, "{case}");
    }
}

#[test]
fn overrides_cut_the_shifts_they_cover() {
    let daily = rotation("UTC", ShiftEvery::Day, 1, "08:00", "2026-11-02");
    let o = |contact: &str, from: &str, until: &str| Override {
        contact: who(contact),
        starts_at: utc(from),
        ends_at: utc(until),
    };
    let lunch = [o("dan", "2026-11-02T12:00:00Z", "2026-11-02T14:00:00Z")];
    assert_eq!(
        listed(&spans(
            &daily,
            &lunch,
            utc("2026-11-02T10:00:00Z"),
            utc("2026-11-03T00:00:00Z")
        )),
        [
            (
                "ana".into(),
                "2026-11-02T08:00Z".into(),
                "2026-11-02T12:00Z".into(),
                false
            ),
            (
                "dan".into(),
                "2026-11-02T12:00Z".into(),
                "2026-11-02T14:00Z".into(),
                true
            ),
            (
                "ana".into(),
                "2026-11-02T14:00Z".into(),
                "2026-11-03T08:00Z".into(),
                false
            ),
        ],
        "a span that began before the range is listed whole"
    );
    assert_eq!(
        at(&daily, &lunch, "2026-11-02T13:00:00Z"),
        span("dan", "2026-11-02T12:00Z", "2026-11-02T14:00Z")
    );
    // An override across a handoff, and a later one over part of it: the later wins there.
    let both = [
        o("dan", "2026-11-02T20:00:00Z", "2026-11-03T20:00:00Z"),
        o("eva", "2026-11-03T06:00:00Z", "2026-11-03T10:00:00Z"),
    ];
    assert_eq!(
        listed(&spans(
            &daily,
            &both,
            utc("2026-11-02T08:00:00Z"),
            utc("2026-11-04T08:00:00Z")
        )),
        [
            (
                "ana".into(),
                "2026-11-02T08:00Z".into(),
                "2026-11-02T20:00Z".into(),
                false
            ),
            (
                "dan".into(),
                "2026-11-02T20:00Z".into(),
                "2026-11-03T06:00Z".into(),
                true
            ),
            (
                "eva".into(),
                "2026-11-03T06:00Z".into(),
                "2026-11-03T10:00Z".into(),
                true
            ),
            (
                "dan".into(),
                "2026-11-03T10:00Z".into(),
                "2026-11-03T20:00Z".into(),
                true
            ),
            (
                "bea".into(),
                "2026-11-03T20:00Z".into(),
                "2026-11-04T08:00Z".into(),
                false
            ),
        ]
    );
    // Before the rotation starts, only an override puts someone on call.
    let early = [o("dan", "2026-11-01T00:00:00Z", "2026-11-01T06:00:00Z")];
    assert_eq!(
        at(&daily, &early, "2026-11-01T05:00:00Z"),
        span("dan", "2026-11-01T00:00Z", "2026-11-01T06:00Z")
    );
    assert_eq!(at(&daily, &early, "2026-11-01T07:00:00Z"), None);
}

#[test]
fn nobody_is_on_call_without_members_and_ranges_are_bounded() {
    let mut empty = rotation("UTC", ShiftEvery::Day, 1, "08:00", "2026-11-02");
    empty.members.clear();
    assert_eq!(at(&empty, &[], "2026-11-03T00:00:00Z"), None);
    let daily = rotation("UTC", ShiftEvery::Day, 1, "08:00", "2026-11-02");
    let two_weeks = spans(
        &daily,
        &[],
        utc("2026-11-10T00:00:00Z"),
        utc("2026-11-24T00:00:00Z"),
    );
    assert_eq!(
        two_weeks.len(),
        15,
        "the shift under way at the start, then 14"
    );
    assert!(
        two_weeks.windows(2).all(|w| w[0].until == w[1].from),
        "no gaps, no overlaps"
    );
}
