use super::Invalid;
use chrono::{DateTime, Datelike, Duration, NaiveDateTime, TimeZone as _, Utc};
use std::str::FromStr;

/// A language Reach speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    En,
    Es,
}

impl Locale {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input.trim() {
            "en" => Ok(Self::En),
            "es" => Ok(Self::Es),
            _ => Err(Invalid::OneOf { allowed: "en, es" }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Es => "es",
        }
    }
}

/// An IANA time zone name, such as `Europe/Madrid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(chrono_tz::Tz);

impl TimeZone {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        chrono_tz::Tz::from_str(input.trim())
            .map(Self)
            .map_err(|_| Invalid::TimeZone)
    }

    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }

    pub fn as_str(self) -> &'static str {
        self.0.name()
    }

    /// A local date and time as a form gives it (`YYYY-MM-DDTHH:MM`, seconds allowed) read in
    /// this zone: a time skipped by a daylight-saving change is the first instant after it, a
    /// repeated one the first. Years outside 1970–9999 are refused (never a panic on input).
    pub fn local_instant(self, value: &str) -> Result<DateTime<Utc>, Invalid> {
        let value = value.trim();
        if value.is_empty() {
            return Err(Invalid::Required);
        }
        let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
            .map_err(|_| Invalid::DateTime)?;
        if !(1970..=9999).contains(&naive.year()) {
            return Err(Invalid::DateTime);
        }
        let zone = self.0;
        zone.from_local_datetime(&naive)
            .earliest()
            .or_else(|| {
                let later = naive.checked_add_signed(Duration::hours(1))?;
                zone.from_local_datetime(&later).earliest()
            })
            .map(|t| t.with_timezone(&Utc))
            .ok_or(Invalid::DateTime)
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        Self(chrono_tz::UTC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_and_time_zones() {
        assert_eq!(Locale::parse("es"), Ok(Locale::Es));
        assert!(Locale::parse("fr").is_err());
        assert_eq!(
            TimeZone::parse("Europe/Madrid").map(TimeZone::as_str),
            Ok("Europe/Madrid")
        );
        assert_eq!(TimeZone::parse("Mars/Olympus"), Err(Invalid::TimeZone));
    }

    #[test]
    fn local_times_from_forms() {
        let madrid = TimeZone::parse("Europe/Madrid").unwrap_or_default();
        let ny = TimeZone::parse("America/New_York").unwrap_or_default();
        let utc = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| Invalid::DateTime)
        };
        for (zone, input, expected) in [
            (madrid, "2026-11-30T09:00", utc("2026-11-30T08:00:00Z")),
            (madrid, " 2026-07-01T09:00:30 ", utc("2026-07-01T07:00:30Z")),
            // The spring gap (02:00–03:00 does not exist): the first instant after it.
            (madrid, "2026-03-29T02:30", utc("2026-03-29T01:30:00Z")),
            // The autumn repeat: the first of the two.
            (madrid, "2026-10-25T02:30", utc("2026-10-25T00:30:00Z")),
            (madrid, "", Err(Invalid::Required)),
            (madrid, "tomorrow", Err(Invalid::DateTime)),
            (madrid, "2026-02-30T09:00", Err(Invalid::DateTime)),
            (madrid, "1969-12-31T23:00", Err(Invalid::DateTime)),
            // Far out of range: a field error, not an overflow.
            (ny, "+262143-12-31T23:30", Err(Invalid::DateTime)),
            (ny, "-262143-01-01T00:00", Err(Invalid::DateTime)),
            (ny, "9999-12-31T18:30", utc("9999-12-31T23:30:00Z")),
        ] {
            assert_eq!(
                zone.local_instant(input),
                expected,
                "{input} in {}",
                zone.as_str()
            );
        }
    }
}
