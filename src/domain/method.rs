pub use super::address::{Address, MethodType};
use super::{Errors, FieldError, Invalid, Name, Region};
use chrono::NaiveTime;

/// Alert urgency, ordered `Info < Warning < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input.trim() {
            "info" => Ok(Self::Info),
            "warning" => Ok(Self::Warning),
            "critical" => Ok(Self::Critical),
            _ => Err(Invalid::OneOf {
                allowed: "info, warning, critical",
            }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }
}

/// Escalation delay: 0 (at once) to 1440 minutes (a day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DelayMinutes(u16);

impl DelayMinutes {
    pub const MAX: i64 = 1440;

    pub fn parse(minutes: i64) -> Result<Self, Invalid> {
        u16::try_from(minutes)
            .ok()
            .filter(|m| i64::from(*m) <= Self::MAX)
            .map(Self)
            .ok_or(Invalid::Range {
                min: 0,
                max: Self::MAX,
            })
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

/// Local hours (in the contact's time zone) during which only critical alerts go out. `from`
/// after `to` spans midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub from: NaiveTime,
    pub to: NaiveTime,
}

impl QuietHours {
    pub fn parse(from: &str, to: &str) -> Result<Self, (&'static str, Invalid)> {
        let time =
            |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| Invalid::Time);
        let from = time(from).map_err(|e| ("from", e))?;
        let to = time(to).map_err(|e| ("to", e))?;
        if from == to {
            return Err(("to", Invalid::QuietHours));
        }
        Ok(Self { from, to })
    }

    /// `HH:MM`, the form they are stored and shown in.
    pub fn format(time: NaiveTime) -> String {
        time.format("%H:%M").to_string()
    }
}

/// How alerts and reports are routed to one method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoutingPrefs {
    /// The lowest severity sent; `None` sends no alerts.
    pub min_severity: Option<Severity>,
    /// Whether scheduled reports go here (email only).
    pub reports: bool,
    pub delay: DelayMinutes,
    pub quiet_hours: Option<QuietHours>,
}

/// What parsing an address needs to know about the account and deployment.
#[derive(Debug, Clone, Copy)]
pub struct ParseContext {
    pub default_region: Region,
    pub allow_loopback: bool,
}

/// A contact method as typed, before parsing. `None` means "not given" (the default applies);
/// `min_severity: Some(None)` is an explicit "no alerts".
#[derive(Debug, Clone, Default)]
pub struct MethodInput {
    pub kind: Option<String>,
    pub address: Option<String>,
    pub label: Option<String>,
    pub min_severity: Option<Option<String>>,
    pub reports: Option<bool>,
    pub delay_minutes: Option<i64>,
    pub quiet_hours: Option<(String, String)>,
}

/// A valid contact method, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMethod {
    pub address: Address,
    pub label: Option<Name>,
    pub prefs: RoutingPrefs,
}

impl MethodInput {
    /// Parses every field, reporting each bad one under its JSON field name.
    pub fn parse(&self, ctx: &ParseContext) -> Result<NewMethod, Vec<FieldError>> {
        let mut errors = Errors::default();
        let kind = match &self.kind {
            Some(k) => errors.check("type", MethodType::parse(k)),
            None => errors.check("type", Err(Invalid::Required)),
        };
        let address = match (kind, &self.address) {
            (Some(kind), Some(a)) => errors.check("address", Address::parse(kind, a, ctx)),
            (_, None) => errors.check("address", Err(Invalid::Required)),
            (None, Some(_)) => None,
        };
        let label = match self.label.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(l) => errors.check("label", Name::parse(l)).map(Some),
        };
        let mut prefs = kind.map(MethodType::default_prefs);
        if let Some(given) = &self.min_severity {
            let parsed = match given {
                None => Some(None),
                Some(s) => errors.check("min_severity", Severity::parse(s)).map(Some),
            };
            if let (Some(p), Some(s)) = (prefs.as_mut(), parsed) {
                p.min_severity = s;
            }
        }
        if let Some(reports) = self.reports {
            if reports && kind.is_some_and(|k| k != MethodType::Email) {
                errors.push("reports", Invalid::ReportsEmailOnly);
            } else if let Some(p) = prefs.as_mut() {
                p.reports = reports;
            }
        }
        if let Some(minutes) = self.delay_minutes {
            let delay = errors.check("delay_minutes", DelayMinutes::parse(minutes));
            if let (Some(p), Some(d)) = (prefs.as_mut(), delay) {
                p.delay = d;
            }
        }
        if let Some((from, to)) = &self.quiet_hours {
            match QuietHours::parse(from, to) {
                Ok(q) => {
                    if let Some(p) = prefs.as_mut() {
                        p.quiet_hours = Some(q);
                    }
                }
                Err((part, e)) => errors.push(&format!("quiet_hours.{part}"), e),
            }
        }
        errors.finish(|| {
            Some(NewMethod {
                address: address?,
                label: label?,
                prefs: prefs?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> ParseContext {
        ParseContext {
            default_region: Region::parse("ES").unwrap_or_else(|e| panic!("{e}")),
            allow_loopback: false,
        }
    }

    fn input(kind: &str, address: &str) -> MethodInput {
        MethodInput {
            kind: Some(kind.into()),
            address: Some(address.into()),
            ..MethodInput::default()
        }
    }

    #[test]
    fn defaults_follow_the_type() {
        let email = input("email", "ana@example.com").parse(&ctx());
        let prefs = email.map(|m| m.prefs);
        assert_eq!(
            prefs.map(|p| (p.min_severity, p.reports)),
            Ok((Some(Severity::Warning), true))
        );
        for kind in ["sms", "phone"] {
            let m = input(kind, "612345678").parse(&ctx());
            assert_eq!(
                m.map(|m| (
                    m.address.as_str().to_owned(),
                    m.prefs.min_severity,
                    m.prefs.reports
                )),
                Ok(("+34612345678".into(), Some(Severity::Critical), false))
            );
        }
        for (kind, address) in [
            ("webhook", "https://hooks.example.com/x"),
            ("slack", "https://hooks.slack.com/services/T0/B0/x"),
            (
                "teams",
                "https://prod-01.westeurope.logic.azure.com/workflows/a/triggers/manual",
            ),
            ("discord", "https://discord.com/api/webhooks/1/abc"),
            ("ntfy", "https://ntfy.sh/ops-pager"),
            ("telegram", "-1001234567890"),
            ("matrix", "!abc:example.org"),
        ] {
            let m = input(kind, address).parse(&ctx());
            assert_eq!(
                m.map(|m| (
                    m.address.method_type().as_str(),
                    m.prefs.min_severity,
                    m.prefs.reports
                )),
                Ok((kind, Some(Severity::Warning), false)),
                "{kind}"
            );
        }
        for kind in ["slack", "teams", "discord", "ntfy"] {
            let private = input(kind, "https://10.0.0.5/hook").parse(&ctx());
            assert!(private.is_err(), "{kind}: a private address is refused");
            let plain = input(kind, "http://hooks.example.com/x").parse(&ctx());
            assert!(plain.is_err(), "{kind}: http is refused");
        }
    }

    #[test]
    fn explicit_preferences_are_kept() {
        let mut i = input("email", "ana@example.com");
        i.min_severity = Some(None);
        i.reports = Some(false);
        i.delay_minutes = Some(1440);
        i.quiet_hours = Some(("22:00".into(), "07:00".into()));
        let prefs = i.parse(&ctx()).map(|m| m.prefs);
        assert_eq!(
            prefs,
            Ok(RoutingPrefs {
                min_severity: None,
                reports: false,
                delay: DelayMinutes(1440),
                quiet_hours: QuietHours::parse("22:00", "07:00").ok(),
            })
        );
    }

    #[test]
    fn every_bad_field_is_reported() {
        let i = MethodInput {
            kind: Some("sms".into()),
            address: Some("12".into()),
            label: Some("bad\nlabel".into()),
            min_severity: Some(Some("urgent".into())),
            reports: Some(true),
            delay_minutes: Some(1441),
            quiet_hours: Some(("25:00".into(), "07:00".into())),
        };
        let fields: Vec<String> = i
            .parse(&ctx())
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "address",
                "label",
                "min_severity",
                "reports",
                "delay_minutes",
                "quiet_hours.from"
            ]
        );
        let missing = MethodInput::default()
            .parse(&ctx())
            .err()
            .unwrap_or_default();
        assert_eq!(missing.len(), 2);
        assert!(DelayMinutes::parse(-1).is_err());
        assert!(input("fax", "1").parse(&ctx()).is_err());
    }
}
