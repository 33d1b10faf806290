use super::Invalid;
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
}
