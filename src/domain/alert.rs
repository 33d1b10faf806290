use super::{CompanyId, Errors, FieldError, Invalid, Name, Severity};
use std::collections::BTreeMap;

/// `firing` or `resolved`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertStatus {
    Firing,
    Resolved,
}

impl AlertStatus {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input.trim() {
            "firing" => Ok(Self::Firing),
            "resolved" => Ok(Self::Resolved),
            _ => Err(Invalid::OneOf {
                allowed: "firing, resolved",
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firing => "firing",
            Self::Resolved => "resolved",
        }
    }
}

/// Limits that keep one alert a reasonable size.
const MAX_KEY: usize = 200;
const MAX_TITLE: usize = 500;
const MAX_BODY: usize = 10_000;
const MAX_LABELS: usize = 50;
const MAX_LABEL_KEY: usize = 100;
const MAX_LABEL_VALUE: usize = 1_000;

/// An alert as posted, before parsing.
#[derive(Debug, Clone, Default)]
pub struct AlertInput {
    pub company_id: Option<String>,
    pub key: Option<String>,
    pub severity: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub status: Option<String>,
}

/// A valid alert, ready to route and store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub company: CompanyId,
    /// The deduplication key, e.g. `disk-full:srv-12`.
    pub key: String,
    pub severity: Severity,
    pub title: String,
    pub body: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub status: AlertStatus,
}

fn text(input: &str, max: usize, required: bool) -> Result<Option<String>, Invalid> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return if required {
            Err(Invalid::Required)
        } else {
            Ok(None)
        };
    }
    if trimmed.chars().count() > max {
        return Err(Invalid::TooLong { max });
    }
    Ok(Some(trimmed.to_owned()))
}

impl AlertInput {
    /// Parses every field; errors are named `{prefix}field` (`[3].severity` in a batch).
    pub fn parse(&self, prefix: &str) -> Result<NewAlert, Vec<FieldError>> {
        let mut errors = Errors::default();
        let field = |name: &str| format!("{prefix}{name}");
        let company = match self.company_id.as_deref().map(str::trim) {
            Some(id) if !id.is_empty() => Some(CompanyId::from_string(id)),
            _ => errors.check(&field("company_id"), Err(Invalid::Required)),
        };
        let key = errors
            .check(
                &field("key"),
                Name::parse(self.key.as_deref().unwrap_or_default())
                    .and_then(|_| text(self.key.as_deref().unwrap_or_default(), MAX_KEY, true)),
            )
            .flatten();
        let severity = match &self.severity {
            Some(s) => errors.check(&field("severity"), Severity::parse(s)),
            None => errors.check(&field("severity"), Err(Invalid::Required)),
        };
        let title = errors
            .check(
                &field("title"),
                text(self.title.as_deref().unwrap_or_default(), MAX_TITLE, true),
            )
            .flatten();
        let body = match &self.body {
            None => Some(None),
            Some(b) if b.chars().count() > MAX_BODY => {
                errors.push(&field("body"), Invalid::TooLong { max: MAX_BODY });
                None
            }
            Some(b) => Some(Some(b.clone()).filter(|b| !b.trim().is_empty())),
        };
        if self.labels.len() > MAX_LABELS {
            errors.push(&field("labels"), Invalid::TooLong { max: MAX_LABELS });
        }
        for (k, v) in &self.labels {
            if k.is_empty()
                || k.chars().count() > MAX_LABEL_KEY
                || v.chars().count() > MAX_LABEL_VALUE
            {
                errors.push(
                    &field(&format!("labels.{k}")),
                    Invalid::TooLong {
                        max: MAX_LABEL_VALUE,
                    },
                );
            }
        }
        let status = match &self.status {
            None => Some(AlertStatus::Firing),
            Some(s) => errors.check(&field("status"), AlertStatus::parse(s)),
        };
        errors.finish(|| {
            Some(NewAlert {
                company: company?,
                key: key?,
                severity: severity?,
                title: title?,
                body: body?,
                labels: self.labels.clone(),
                status: status?,
            })
        })
    }
}

/// Parses a batch all or nothing: any bad alert refuses the batch, every error named by index.
pub fn parse_batch(inputs: &[AlertInput]) -> Result<Vec<NewAlert>, Vec<FieldError>> {
    let mut alerts = Vec::with_capacity(inputs.len());
    let mut errors = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        match input.parse(&format!("[{i}].")) {
            Ok(alert) => alerts.push(alert),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(alerts)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(severity: &str) -> AlertInput {
        AlertInput {
            company_id: Some("northwind".into()),
            key: Some("disk-full:srv-12".into()),
            severity: Some(severity.into()),
            title: Some("Disk full on srv-12".into()),
            ..AlertInput::default()
        }
    }

    #[test]
    fn a_batch_is_refused_whole_with_indexed_fields() {
        let good = parse_batch(&[input("warning"), input("critical")]);
        assert_eq!(good.map(|a| a.len()), Ok(2));
        let mut bad = input("urgent");
        bad.status = Some("open".into());
        let errors = parse_batch(&[input("info"), input("warning"), input("critical"), bad])
            .err()
            .unwrap_or_default();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["[3].severity", "[3].status"]);
    }

    #[test]
    fn alerts_default_to_firing_and_need_their_fields() {
        let alert = input("info").parse("");
        assert_eq!(alert.map(|a| a.status), Ok(AlertStatus::Firing));
        let errors = AlertInput::default().parse("").err().unwrap_or_default();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["company_id", "key", "severity", "title"]);
        let mut control = input("info");
        control.key = Some("a\nb".into());
        assert!(control.parse("").is_err());
    }
}

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
