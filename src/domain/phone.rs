use super::Invalid;
use phonenumber::{Mode, country};

/// A phone number that can receive a text message or a call, stored in E.164 (`+34612345678`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

/// A region (ISO 3166 alpha-2, such as `US` or `ES`) in which numbers without `+` are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region(country::Id);

impl Region {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let code = input.trim().to_ascii_uppercase();
        // Reject non-geographic codes such as "001", which are not regions.
        if code.len() != 2 {
            return Err(Invalid::Region);
        }
        code.parse::<country::Id>()
            .map(Self)
            .map_err(|_| Invalid::Region)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }
}

impl PhoneNumber {
    /// Parses with libphonenumber's rules; a number without `+` is read in `region`.
    pub fn parse(input: &str, region: Region) -> Result<Self, Invalid> {
        let reason = |r: &str| Invalid::Phone { reason: r.into() };
        if input.chars().any(char::is_control) {
            return Err(reason("it contains control characters"));
        }
        if input.trim().is_empty() {
            return Err(Invalid::Required);
        }
        let number = phonenumber::parse(Some(region.0), input).map_err(|e| {
            use phonenumber::ParseError as E;
            reason(match e {
                E::NoNumber => "it is not a number",
                E::InvalidCountryCode => "the country code is unknown",
                E::TooShortAfterIdd | E::TooShortNsn => "it is too short",
                E::TooLong => "it is too long",
                E::MalformedInteger(_) => "it is not a number",
            })
        })?;
        if !phonenumber::is_valid(&number) {
            return Err(if input.trim_start().starts_with('+') {
                reason("no such number exists in its country")
            } else {
                Invalid::Phone {
                    reason: format!(
                        "no such number exists in {} (start with + and the country code \
                         for a number elsewhere)",
                        region.as_str()
                    ),
                }
            });
        }
        Ok(Self(number.format().mode(Mode::E164).to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(code: &str) -> Region {
        Region::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"))
    }

    fn e164(input: &str, code: &str) -> Result<String, Invalid> {
        PhoneNumber::parse(input, region(code)).map(|p| p.0)
    }

    #[test]
    fn international_numbers_become_e164() {
        assert_eq!(e164("+34 612 34 56 78", "US"), Ok("+34612345678".into()));
        assert_eq!(e164("+1 (415) 555-2671", "ES"), Ok("+14155552671".into()));
    }

    #[test]
    fn numbers_without_plus_are_read_in_the_region() {
        assert_eq!(e164("(415) 555-2671", "US"), Ok("+14155552671".into()));
        assert_eq!(e164("612 34 56 78", "ES"), Ok("+34612345678".into()));
        assert_eq!(e164("612 34 56 78", "es"), Ok("+34612345678".into()));
    }

    #[test]
    fn invalid_numbers_are_refused_with_a_reason() {
        for bad in ["12", "+34 12", "abc", "+999 1234 5678", "(415) 555-2671\n"] {
            match e164(bad, "US") {
                Err(Invalid::Phone { reason }) => assert!(!reason.is_empty()),
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
        assert_eq!(e164("  ", "US"), Err(Invalid::Required));
    }

    #[test]
    fn regions_are_two_letter_codes() {
        assert!(Region::parse("ZZ").is_err());
        assert!(Region::parse("001").is_err());
        assert_eq!(region("gb").as_str(), "GB");
    }
}
