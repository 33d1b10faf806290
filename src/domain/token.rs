//! API tokens: what a new one may be, when one has expired, when a use is worth writing down,
//! and the lifetimes the command line (`--expires-in 90d`) and My Account (days) take.

use super::{Errors, FieldError, Invalid, Name};
use chrono::{DateTime, TimeDelta, Utc};

/// `last_used_at` is the last use to within this: a use is written when the recorded one is
/// unset or older.
pub const USE_PRECISION: TimeDelta = TimeDelta::minutes(1);

/// A token to create: its label and, optionally, when it stops working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub name: Name,
    pub expires_at: Option<DateTime<Utc>>,
}

impl NewToken {
    /// The label is a [`Name`]; `expires_at`, when given, must be after `now` (field errors
    /// `name` and `expires_at`, every bad field at once).
    pub fn parse(
        name: &str,
        expires_at: Option<Result<DateTime<Utc>, Invalid>>,
        now: DateTime<Utc>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let name = errors.check("name", Name::parse(name));
        let expires_at = match expires_at {
            None => Some(None),
            Some(at) => errors
                .check("expires_at", at.and_then(|at| future(at, now)))
                .map(Some),
        };
        errors.finish(|| {
            Some(Self {
                name: name?,
                expires_at: expires_at?,
            })
        })
    }
}

fn future(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<DateTime<Utc>, Invalid> {
    if at > now {
        Ok(at)
    } else {
        Err(Invalid::InPast)
    }
}

/// A token made with an expiring token lives no longer than it: otherwise a leaked token that
/// was meant to die soon could make itself an heir that never does.
pub fn within_maker(
    new: &NewToken,
    maker_expires_at: Option<DateTime<Utc>>,
) -> Result<(), FieldError> {
    match (maker_expires_at, new.expires_at) {
        (Some(limit), Some(at)) if at <= limit => Ok(()),
        (Some(_), _) => Err(FieldError::new("expires_at", Invalid::OutlivesToken)),
        (None, _) => Ok(()),
    }
}

/// Whether a token with this expiry no longer works at `now` (it expires at the instant).
pub fn expired(expires_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    expires_at.is_some_and(|at| at <= now)
}

/// Whether a use at `now` must be written: the recorded one is unset or over a minute old.
pub fn use_to_record(last_used_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_used_at.is_none_or(|at| now - at > USE_PRECISION)
}

/// How long a new token lives: a whole number of days or hours, from one hour to ten years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime(TimeDelta);

impl Lifetime {
    pub const MAX_DAYS: i64 = 3650;

    /// `90d` or `12h` (a whole number, then `d` or `h`; nothing else, no spaces inside).
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        let (number, hours_per_unit) = if let Some(n) = text.strip_suffix('d') {
            (n, 24)
        } else if let Some(n) = text.strip_suffix('h') {
            (n, 1)
        } else {
            return Err(Invalid::Lifetime);
        };
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::Lifetime);
        }
        let hours = number
            .parse::<i64>()
            .ok()
            .and_then(|n| n.checked_mul(hours_per_unit))
            .filter(|h| (1..=Self::MAX_DAYS * 24).contains(h))
            .ok_or(Invalid::Lifetime)?;
        Ok(Self(TimeDelta::hours(hours)))
    }

    /// A number of days, as the web form takes it (1 to [`Lifetime::MAX_DAYS`]).
    pub fn days(text: &str) -> Result<Self, Invalid> {
        text.trim()
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=Self::MAX_DAYS).contains(d))
            .map(|d| Self(TimeDelta::days(d)))
            .ok_or(Invalid::Range {
                min: 1,
                max: Self::MAX_DAYS,
            })
    }

    /// When a token made at `now` with this lifetime expires.
    pub fn expires_at(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn lifetimes_are_whole_days_or_hours() {
        for (text, hours) in [
            ("90d", Some(90 * 24)),
            ("1h", Some(1)),
            (" 12h ", Some(12)),
            ("3650d", Some(3650 * 24)),
            ("87600h", Some(87_600)),
            ("3651d", None),
            ("87601h", None),
            ("0d", None),
            ("0h", None),
            ("90", None),
            ("d", None),
            ("-1d", None),
            ("+1d", None),
            ("1.5d", None),
            ("1 d", None),
            ("1D", None),
            ("1w", None),
            ("1m", None),
            ("99999999999999999999d", None),
            ("9223372036854775807d", None),
            ("", None),
            ("١d", None),
        ] {
            assert_eq!(
                Lifetime::parse(text),
                hours
                    .map(|h| Lifetime(TimeDelta::hours(h)))
                    .ok_or(Invalid::Lifetime),
                "{text:?}"
            );
        }
    }

    #[test]
    fn web_lifetimes_are_days() {
        let range = Invalid::Range { min: 1, max: 3650 };
        for (text, days) in [
            ("30", Ok(30)),
            (" 1 ", Ok(1)),
            ("3650", Ok(3650)),
            ("0", Err(range.clone())),
            ("3651", Err(range.clone())),
            ("-5", Err(range.clone())),
            ("x", Err(range.clone())),
        ] {
            assert_eq!(
                Lifetime::days(text),
                days.map(|d| Lifetime(TimeDelta::days(d))),
                "{text:?}"
            );
        }
        let now = at("2026-03-01T10:00:00Z");
        assert_eq!(
            Lifetime::parse("2d").map(|l| l.expires_at(now)),
            Ok(at("2026-03-03T10:00:00Z"))
        );
    }

    #[test]
    fn a_new_token_needs_a_name_and_a_future_expiry() {
        let now = at("2026-03-01T10:00:00Z");
        let ok = NewToken::parse(" ci ", Some(Ok(at("2026-03-01T10:00:01Z"))), now);
        assert_eq!(
            ok.map(|t| (t.name.to_string(), t.expires_at)),
            Ok(("ci".to_owned(), Some(at("2026-03-01T10:00:01Z"))))
        );
        assert!(matches!(NewToken::parse("ci", None, now), Ok(t) if t.expires_at.is_none()));
        let fields = |r: Result<NewToken, Vec<FieldError>>| {
            r.err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| (e.field, e.error))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(NewToken::parse("", Some(Ok(now)), now)),
            [
                ("name".to_owned(), Invalid::Required),
                ("expires_at".to_owned(), Invalid::InPast)
            ]
        );
        assert_eq!(
            fields(NewToken::parse(&"x".repeat(201), None, now)),
            [("name".to_owned(), Invalid::TooLong { max: 200 })]
        );
        assert_eq!(
            fields(NewToken::parse("ci", Some(Err(Invalid::DateTime)), now)),
            [("expires_at".to_owned(), Invalid::DateTime)]
        );
    }

    #[test]
    fn a_token_expires_at_its_instant() {
        let now = at("2026-03-01T10:00:00Z");
        for (expires_at, is_expired) in [
            (None, false),
            (Some(at("2026-03-01T10:00:00.001Z")), false),
            (Some(now), true),
            (Some(at("2020-01-01T00:00:00Z")), true),
        ] {
            assert_eq!(expired(expires_at, now), is_expired, "{expires_at:?}");
        }
    }

    #[test]
    fn a_use_is_written_when_the_last_one_is_over_a_minute_old() {
        let now = at("2026-03-01T10:00:00Z");
        for (last, write) in [
            (None, true),
            (Some(now), false),
            (Some(at("2026-03-01T09:59:30Z")), false),
            (Some(at("2026-03-01T09:59:00Z")), false),
            (Some(at("2026-03-01T09:58:59.999Z")), true),
            (Some(at("2026-01-01T00:00:00Z")), true),
            // A clock that went back does not write again and again.
            (Some(at("2026-03-01T10:05:00Z")), false),
        ] {
            assert_eq!(use_to_record(last, now), write, "{last:?}");
        }
    }
}
