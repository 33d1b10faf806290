use super::{
    CompanyAccess, EmailAddress, Invalid, Locale, MethodType, Name, Region, Role, TimeZone,
};

/// How long a still-firing alert waits before it notifies again: 1 minute to 7 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepeatInterval(u32);

impl RepeatInterval {
    pub const MAX: i64 = 7 * 24 * 60;

    pub fn parse(minutes: i64) -> Result<Self, Invalid> {
        u32::try_from(minutes)
            .ok()
            .filter(|m| (1..=Self::MAX).contains(&i64::from(*m)))
            .map(Self)
            .ok_or(Invalid::Range {
                min: 1,
                max: Self::MAX,
            })
    }

    pub fn minutes(self) -> u32 {
        self.0
    }
}

/// Flood control: at most this many messages to one destination per 10 minutes; `None` is no
/// limit. 1 to 1,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloodLimits {
    pub email: Option<u32>,
    pub sms: Option<u32>,
    pub phone: Option<u32>,
    pub webhook: Option<u32>,
}

impl Default for FloodLimits {
    /// SPEC: people are protected (sms and phone 10, email 30); machines (webhooks) are not.
    fn default() -> Self {
        Self {
            email: Some(30),
            sms: Some(10),
            phone: Some(10),
            webhook: None,
        }
    }
}

impl FloodLimits {
    pub const MAX: i64 = 1000;

    /// The limit on alert messages of `kind` per window. Chat services have none of the
    /// account's: they answer 429 with a `Retry-After`, which is honoured.
    pub fn for_kind(&self, kind: MethodType) -> Option<i64> {
        match kind {
            MethodType::Email => self.email,
            MethodType::Sms => self.sms,
            MethodType::Phone => self.phone,
            MethodType::Webhook => self.webhook,
            _ => None,
        }
        .map(i64::from)
    }

    /// One limit: a number of messages, or none.
    pub fn parse_one(value: Option<i64>) -> Result<Option<u32>, Invalid> {
        value
            .map(|n| {
                u32::try_from(n)
                    .ok()
                    .filter(|n| (1..=Self::MAX).contains(&i64::from(*n)))
                    .ok_or(Invalid::Range {
                        min: 1,
                        max: Self::MAX,
                    })
            })
            .transpose()
    }
}

/// An account's settings, all of them valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSettings {
    pub name: Name,
    pub default_region: Region,
    pub locale: Locale,
    pub timezone: TimeZone,
    pub require_verified_phones: bool,
    pub repeat_interval: RepeatInterval,
    pub flood_limits: FloodLimits,
}

/// What an admin may change of a user (never their name or email).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserChange {
    pub role: Role,
    pub companies: CompanyAccess,
    pub disabled: bool,
}

/// What only users change of themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: Name,
    pub email: EmailAddress,
    pub locale: Option<Locale>,
    pub timezone: Option<TimeZone>,
}
