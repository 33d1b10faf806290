//! Maintenance windows: the input rule (the window's effect on routing is `routing`'s).

use super::Invalid;

/// A valid maintenance window: an end after its start, an optional one-line reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWindow {
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
    pub reason: Option<String>,
}

impl NewWindow {
    /// `starts_at` and `ends_at` as parsed by the caller (RFC 3339 in the API, a local time in
    /// the web app); field errors for all that is wrong.
    pub fn parse(
        starts_at: Result<chrono::DateTime<chrono::Utc>, Invalid>,
        ends_at: Result<chrono::DateTime<chrono::Utc>, Invalid>,
        reason: Option<&str>,
    ) -> Result<Self, Vec<super::FieldError>> {
        let mut errors = super::Errors::default();
        let starts = errors.check("starts_at", starts_at);
        let ends = errors.check("ends_at", ends_at);
        if let (Some(s), Some(e)) = (starts, ends) {
            if e <= s {
                errors.push("ends_at", Invalid::EndsBeforeStart);
            }
        }
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if reason.is_some_and(|r| r.chars().count() > 500) {
            errors.push("reason", Invalid::TooLong { max: 500 });
        }
        if reason.is_some_and(|r| r.chars().any(char::is_control)) {
            errors.push("reason", Invalid::ControlCharacter);
        }
        errors.finish(|| {
            Some(Self {
                starts_at: starts?,
                ends_at: ends?,
                reason: reason.map(str::to_owned),
            })
        })
    }
}
