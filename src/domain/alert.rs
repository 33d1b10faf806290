use super::{CompanyId, CompanyScope, Errors, FieldError, Invalid, Name, Severity};
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

/// Which control characters a text field of an alert may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// `title`, `key`, label names and values: none, line breaks included (and the Unicode
    /// line and paragraph separators, which display as line breaks).
    One,
    /// `body`: line breaks (`\n`, `\r\n`, `\r`) and tabs, nothing else.
    Many,
}

/// Refuses the control characters (C0, DEL, C1 such as U+0085) that `lines` does not allow.
/// Checked on the text as posted, before trimming.
pub fn check_controls(input: &str, lines: Lines) -> Result<(), Invalid> {
    let refused = |c: char| match lines {
        Lines::One => c.is_control() || c == '\u{2028}' || c == '\u{2029}',
        Lines::Many => c.is_control() && !matches!(c, '\n' | '\r' | '\t'),
    };
    if input.chars().any(refused) {
        Err(Invalid::ControlCharacter)
    } else {
        Ok(())
    }
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
    pub fn parse(self, prefix: &str) -> Result<NewAlert, Vec<FieldError>> {
        let mut errors = Errors::default();
        let field = |name: &str| format!("{prefix}{name}");
        let company = match self.company_id.as_deref().map(str::trim) {
            // An id with a control character names no company (and PostgreSQL refuses NUL).
            Some(id) if id.chars().any(char::is_control) => {
                errors.check_at(prefix, "company_id", Err(Invalid::UnknownCompany))
            }
            Some(id) if !id.is_empty() => Some(CompanyId::from_string(id)),
            _ => errors.check_at(prefix, "company_id", Err(Invalid::Required)),
        };
        let key_text = self.key.as_deref().unwrap_or_default();
        let key = errors
            .check_at(
                prefix,
                "key",
                Name::parse(key_text)
                    .and_then(|_| check_controls(key_text, Lines::One))
                    .and_then(|()| text(key_text, MAX_KEY, true)),
            )
            .flatten();
        let severity = match &self.severity {
            Some(s) => errors.check_at(prefix, "severity", Severity::parse(s)),
            None => errors.check_at(prefix, "severity", Err(Invalid::Required)),
        };
        let title_text = self.title.as_deref().unwrap_or_default();
        let title = errors
            .check_at(
                prefix,
                "title",
                check_controls(title_text, Lines::One)
                    .and_then(|()| text(title_text, MAX_TITLE, true)),
            )
            .flatten();
        let body = match &self.body {
            None => Some(None),
            Some(b) if b.chars().count() > MAX_BODY => {
                errors.push(&field("body"), Invalid::TooLong { max: MAX_BODY });
                None
            }
            Some(b) => errors
                .check_at(prefix, "body", check_controls(b, Lines::Many))
                .map(|()| Some(b.clone()).filter(|b| !b.trim().is_empty())),
        };
        if self.labels.len() > MAX_LABELS {
            errors.push(&field("labels"), Invalid::TooLong { max: MAX_LABELS });
        }
        for (k, v) in &self.labels {
            // A name with control characters is refused on `labels` (it cannot name a field
            // readably); a value, on `labels.<name>`.
            if check_controls(k, Lines::One).is_err() {
                errors.push(&field("labels"), Invalid::ControlCharacter);
                continue;
            }
            if check_controls(v, Lines::One).is_err() {
                errors.push(&field(&format!("labels.{k}")), Invalid::ControlCharacter);
                continue;
            }
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
            Some(s) => errors.check_at(prefix, "status", AlertStatus::parse(s)),
        };
        errors.finish(|| {
            Some(NewAlert {
                company: company?,
                key: key?,
                severity: severity?,
                title: title?,
                body: body?,
                labels: self.labels,
                status: status?,
            })
        })
    }
}

/// Parses a batch all or nothing: any bad alert refuses the batch, every error named by index.
pub fn parse_batch(inputs: Vec<AlertInput>) -> Result<Vec<NewAlert>, Vec<FieldError>> {
    let mut alerts = Vec::with_capacity(inputs.len());
    let mut errors = Vec::new();
    for (i, input) in inputs.into_iter().enumerate() {
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

/// Refuses the alerts of a batch whose company is outside `scope` (a technician's access),
/// each on `[i].company_id` and said as an unknown company is: the answer tells nothing of a
/// company the poster cannot see.
pub fn check_scope(alerts: &[NewAlert], scope: &CompanyScope) -> Result<(), Vec<FieldError>> {
    let errors: Vec<FieldError> = alerts
        .iter()
        .enumerate()
        .filter(|(_, a)| !scope.includes(&a.company))
        .map(|(i, _)| FieldError::new(format!("[{i}].company_id"), Invalid::UnknownCompany))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CompanyAccess;

    #[test]
    fn control_characters_are_refused_where_they_do_not_belong() {
        use Lines::{Many, One};
        let refused = Err(Invalid::ControlCharacter);
        let table: &[(&str, Lines, Result<(), Invalid>)] = &[
            ("Disk full on srv-12", One, Ok(())),
            ("Disco lleno: «más» 👩‍👩‍👧 ع", One, Ok(())),
            ("", One, Ok(())),
            ("a\u{0}b", One, refused.clone()),
            ("a\u{7}b", One, refused.clone()),
            ("a\u{1b}[31mred", One, refused.clone()),
            ("a\u{7f}b", One, refused.clone()),
            ("a\u{85}b", One, refused.clone()),
            ("a\u{9b}b", One, refused.clone()),
            ("a\nb", One, refused.clone()),
            ("a\r\nb", One, refused.clone()),
            ("a\rb", One, refused.clone()),
            ("a\tb", One, refused.clone()),
            ("trailing\n", One, refused.clone()),
            ("a\u{2028}b", One, refused.clone()),
            ("a\u{2029}b", One, refused.clone()),
            ("line 1\nline 2", Many, Ok(())),
            ("line 1\r\nline 2\rline 3", Many, Ok(())),
            ("col\tcol", Many, Ok(())),
            ("a\u{2028}b", Many, Ok(())),
            ("a\u{0}b", Many, refused.clone()),
            ("a\u{8}b", Many, refused.clone()),
            ("a\u{b}b", Many, refused.clone()),
            ("a\u{c}b", Many, refused.clone()),
            ("a\u{1b}[0m", Many, refused.clone()),
            ("a\u{7f}b", Many, refused.clone()),
            ("a\u{85}b", Many, refused.clone()),
            ("a\u{9f}b", Many, refused),
        ];
        for (input, lines, want) in table {
            assert_eq!(&check_controls(input, *lines), want, "{input:?} {lines:?}");
        }
    }

    #[test]
    fn each_field_names_its_control_character() {
        let mut bad = input("info");
        bad.key = Some("disk\n".into());
        bad.title = Some("Disk\u{85}full".into());
        bad.body = Some("ok\r\nok\tbut\u{7}".into());
        bad.labels = [
            ("host".to_owned(), "srv\n12".to_owned()),
            ("ro\u{0}le".to_owned(), "db".to_owned()),
            ("zone".to_owned(), "eu-west".to_owned()),
        ]
        .into();
        let errors = bad.parse("[2].").err().unwrap_or_default();
        let fields: Vec<_> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.error.clone()))
            .collect();
        let control = Invalid::ControlCharacter;
        assert_eq!(
            fields,
            [
                ("[2].key", control.clone()),
                ("[2].title", control.clone()),
                ("[2].body", control.clone()),
                ("[2].labels.host", control.clone()),
                ("[2].labels", control),
            ]
        );
        let mut good = input("info");
        good.body = Some("line 1\r\nline 2\n\tindented\rend".into());
        assert_eq!(
            good.parse("").map(|a| a.body),
            Ok(Some("line 1\r\nline 2\n\tindented\rend".to_owned()))
        );
    }

    #[test]
    fn a_batch_outside_the_scope_is_refused_like_unknown_companies() {
        let (nw, contoso) = (
            CompanyId::from_string("northwind"),
            CompanyId::from_string("contoso"),
        );
        let mut other = input("info").parse("").unwrap_or_else(|e| panic!("{e:?}"));
        other.company = contoso.clone();
        let ours = input("info").parse("").unwrap_or_else(|e| panic!("{e:?}"));
        let batch = [ours.clone(), other.clone(), ours];
        let tech = CompanyAccess::Only([nw].into());
        let errors = check_scope(&batch, &tech).err().unwrap_or_default();
        assert_eq!(
            errors,
            [FieldError::new("[1].company_id", Invalid::UnknownCompany)]
        );
        assert_eq!(check_scope(&batch, &CompanyAccess::All), Ok(()));
        assert_eq!(
            check_scope(&batch, &CompanyAccess::Only([contoso].into())).map_err(|e| e.len()),
            Err(2)
        );
        assert_eq!(check_scope(&[], &CompanyAccess::Only([].into())), Ok(()));
    }

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
        let good = parse_batch(vec![input("warning"), input("critical")]);
        assert_eq!(good.map(|a| a.len()), Ok(2));
        let mut bad = input("urgent");
        bad.status = Some("open".into());
        let errors = parse_batch(vec![
            input("info"),
            input("warning"),
            input("critical"),
            bad,
        ])
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
