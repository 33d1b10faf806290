//! A contact method's type and its address, parsed per type.

use super::method::{DelayMinutes, ParseContext, RoutingPrefs, Severity};
use super::{EmailAddress, Invalid, MatrixRoom, PhoneNumber, TelegramChat, WebhookUrl};

/// How a method reaches its contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MethodType {
    Email,
    Sms,
    Phone,
    Webhook,
    Slack,
    Teams,
    Discord,
    Ntfy,
    Telegram,
    Matrix,
}

impl MethodType {
    /// Every type with its name, in the order forms offer them.
    pub const ALL: [(Self, &'static str); 10] = [
        (Self::Email, "email"),
        (Self::Sms, "sms"),
        (Self::Phone, "phone"),
        (Self::Webhook, "webhook"),
        (Self::Slack, "slack"),
        (Self::Teams, "teams"),
        (Self::Discord, "discord"),
        (Self::Ntfy, "ntfy"),
        (Self::Telegram, "telegram"),
        (Self::Matrix, "matrix"),
    ];

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let input = input.trim();
        Self::ALL
            .iter()
            .find(|(_, name)| *name == input)
            .map(|(kind, _)| *kind)
            .ok_or(Invalid::OneOf {
                allowed: "email, sms, phone, webhook, slack, teams, discord, ntfy, telegram, matrix",
            })
    }

    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(kind, _)| *kind == self)
            .map_or("email", |(_, name)| name)
    }

    /// The chat and push types: a message posted to a service's API.
    pub fn is_chat(self) -> bool {
        !matches!(self, Self::Email | Self::Sms | Self::Phone | Self::Webhook)
    }

    /// Whether an unverified method of this type gets no alerts. Phones cost money and reach
    /// strangers: verified first while the account asks for it (`require_verified_phones`).
    /// Telegram chats and Matrix rooms are reached through the deployment's bot, shared by
    /// every account: only a verified one (its code read in the chat and typed back) proves the
    /// account may post there, whatever the setting.
    pub fn alerts_need_verification(self, require_verified_phones: bool) -> bool {
        match self {
            Self::Telegram | Self::Matrix => true,
            Self::Sms | Self::Phone => require_verified_phones,
            _ => false,
        }
    }

    /// SPEC's routing defaults: email → warning with reports; sms, phone → critical;
    /// webhook and the chat types → warning.
    pub fn default_prefs(self) -> RoutingPrefs {
        let (min_severity, reports) = match self {
            Self::Email => (Severity::Warning, true),
            Self::Sms | Self::Phone => (Severity::Critical, false),
            _ => (Severity::Warning, false),
        };
        RoutingPrefs {
            min_severity: Some(min_severity),
            reports,
            delay: DelayMinutes::default(),
            quiet_hours: None,
        }
    }
}

/// A normalised destination; its variant is the method's type. Slack, Teams, Discord and ntfy
/// methods are URLs checked as webhook URLs are (any host and path: a proxy, a self-hosted
/// ntfy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Email(EmailAddress),
    Sms(PhoneNumber),
    Phone(PhoneNumber),
    Webhook(WebhookUrl),
    Slack(WebhookUrl),
    Teams(WebhookUrl),
    Discord(WebhookUrl),
    Ntfy(WebhookUrl),
    Telegram(TelegramChat),
    Matrix(MatrixRoom),
}

impl Address {
    pub fn parse(kind: MethodType, input: &str, ctx: &ParseContext) -> Result<Self, Invalid> {
        let url = || WebhookUrl::parse(input, ctx.allow_loopback);
        Ok(match kind {
            MethodType::Email => Self::Email(EmailAddress::parse(input)?),
            MethodType::Sms => Self::Sms(PhoneNumber::parse(input, ctx.default_region)?),
            MethodType::Phone => Self::Phone(PhoneNumber::parse(input, ctx.default_region)?),
            MethodType::Webhook => Self::Webhook(url()?),
            MethodType::Slack => Self::Slack(url()?),
            MethodType::Teams => Self::Teams(url()?),
            MethodType::Discord => Self::Discord(url()?),
            MethodType::Ntfy => Self::Ntfy(url()?),
            MethodType::Telegram => Self::Telegram(TelegramChat::parse(input)?),
            MethodType::Matrix => Self::Matrix(MatrixRoom::parse(input)?),
        })
    }

    pub fn method_type(&self) -> MethodType {
        match self {
            Self::Email(_) => MethodType::Email,
            Self::Sms(_) => MethodType::Sms,
            Self::Phone(_) => MethodType::Phone,
            Self::Webhook(_) => MethodType::Webhook,
            Self::Slack(_) => MethodType::Slack,
            Self::Teams(_) => MethodType::Teams,
            Self::Discord(_) => MethodType::Discord,
            Self::Ntfy(_) => MethodType::Ntfy,
            Self::Telegram(_) => MethodType::Telegram,
            Self::Matrix(_) => MethodType::Matrix,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Email(e) => e.as_str(),
            Self::Sms(p) | Self::Phone(p) => p.as_str(),
            Self::Webhook(w)
            | Self::Slack(w)
            | Self::Teams(w)
            | Self::Discord(w)
            | Self::Ntfy(w) => w.as_str(),
            Self::Telegram(c) => c.as_str(),
            Self::Matrix(r) => r.as_str(),
        }
    }
}
