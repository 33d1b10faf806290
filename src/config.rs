//! One typed [`Settings`] struct from documented defaults, an optional TOML file and the
//! `REACH_*` environment variables of SPEC §3 (the environment wins). Secrets never appear in
//! `Debug` output, logs or `reach check-config`.

use crate::domain::EmailAddress;
use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use url::Url;

/// Every key: its TOML name, the environment variable and its default.
const KEYS: &[(&str, &str, Option<&str>)] = &[
    (
        "database_url",
        "REACH_DATABASE_URL",
        Some("sqlite://reach.db"),
    ),
    ("listen", "REACH_LISTEN", Some("127.0.0.1:8080")),
    ("public_url", "REACH_PUBLIC_URL", None),
    ("mail_dir", "REACH_MAIL_DIR", Some("./reach-mail")),
    ("smtp_url", "REACH_SMTP_URL", None),
    ("smtp_from", "REACH_SMTP_FROM", Some("reach@localhost")),
    (
        "twilio_base_url",
        "REACH_TWILIO_BASE_URL",
        Some("https://api.twilio.com"),
    ),
    ("twilio_account_sid", "REACH_TWILIO_ACCOUNT_SID", None),
    ("twilio_auth_token", "REACH_TWILIO_AUTH_TOKEN", None),
    ("twilio_from", "REACH_TWILIO_FROM", None),
    (
        "webhook_allow_loopback",
        "REACH_WEBHOOK_ALLOW_LOOPBACK",
        Some("false"),
    ),
    ("secret_key", "REACH_SECRET_KEY", None),
    (
        "outbox_lease_seconds",
        "REACH_OUTBOX_LEASE_SECONDS",
        Some("60"),
    ),
    (
        "send_timeout_seconds",
        "REACH_SEND_TIMEOUT_SECONDS",
        Some("10"),
    ),
];

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: SecretUrl,
    pub listen: SocketAddr,
    /// Base of links put in messages.
    pub public_url: Url,
    /// Where emails go as `.eml` files while no SMTP server is set.
    pub mail_dir: PathBuf,
    pub smtp_url: Option<SecretUrl>,
    pub smtp_from: EmailAddress,
    pub twilio_base_url: Url,
    /// SMS and voice are off while this is `None`.
    pub twilio: Option<Twilio>,
    pub webhook_allow_loopback: bool,
    /// `None`: generated once and kept in the database.
    pub secret_key: Option<Secret>,
    /// A claimed notification whose node did not finish it is taken over after this.
    pub outbox_lease: std::time::Duration,
    /// A send is abandoned (and retried) after this; shorter than the lease.
    pub send_timeout: std::time::Duration,
}

/// SMS and voice provider credentials.
#[derive(Debug, Clone)]
pub struct Twilio {
    pub account_sid: String,
    pub auth_token: Secret,
    pub from: String,
}

/// A value shown as `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A URL whose password is shown as `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(String);

impl SecretUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                // Only fails for URLs that cannot have a password, which this one has.
                let _ = url.set_password(Some("***"));
                f.write_str(url.as_str())
            }
            Ok(_) => f.write_str(&self.0),
            Err(_) => f.write_str("[redacted]"),
        }
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

/// A setting that could not be used, named by its environment variable.
#[derive(Debug, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

fn error(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.to_owned(),
        message: message.into(),
    }
}

impl Settings {
    /// Reads the file (if any) and this process's environment. Unknown `REACH_*` variables
    /// are returned as warnings.
    pub fn load(file: Option<&Path>) -> Result<(Self, Vec<String>), ConfigError> {
        let text =
            match file {
                Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
                    error(&path.display().to_string(), format!("cannot read it: {e}"))
                })?),
                None => None,
            };
        Self::from_sources(text.as_deref(), std::env::vars())
    }

    /// Builds settings from TOML text and environment pairs.
    pub fn from_sources(
        toml_text: Option<&str>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(Self, Vec<String>), ConfigError> {
        let mut raw: BTreeMap<&str, String> = BTreeMap::new();
        if let Some(text) = toml_text {
            let table: toml::Table =
                toml::from_str(text).map_err(|e| error("config file", e.message().to_owned()))?;
            for (name, value) in table {
                let (key, _, _) = KEYS
                    .iter()
                    .find(|(k, _, _)| *k == name)
                    .ok_or_else(|| error("config file", format!("unknown key `{name}`")))?;
                let value = match value {
                    toml::Value::String(s) => s,
                    toml::Value::Boolean(b) => b.to_string(),
                    toml::Value::Integer(i) => i.to_string(),
                    _ => return Err(error(key, "must be a string, a number or a boolean")),
                };
                raw.insert(key, value);
            }
        }
        let mut warnings = Vec::new();
        for (name, value) in env {
            match KEYS.iter().find(|(_, var, _)| *var == name) {
                Some((key, _, _)) => {
                    raw.insert(key, value);
                }
                None if name.starts_with("REACH_") => {
                    warnings.push(format!("unknown setting {name} is ignored"));
                }
                None => {}
            }
        }
        Self::parse(&raw).map(|s| (s, warnings))
    }

    fn parse(raw: &BTreeMap<&str, String>) -> Result<Self, ConfigError> {
        let get = |key: &str| -> (&'static str, Option<String>) {
            let (var, default) = KEYS
                .iter()
                .find(|(k, _, _)| *k == key)
                .map_or(("REACH_?", None), |(_, var, default)| (*var, *default));
            let value = raw
                .get(key)
                .cloned()
                .or(default.map(str::to_owned))
                .filter(|v| !v.trim().is_empty());
            (var, value)
        };
        let required = |key: &str| -> Result<(&'static str, String), ConfigError> {
            let (var, value) = get(key);
            value
                .map(|v| (var, v))
                .ok_or_else(|| error(var, "must not be empty"))
        };
        let url = |var: &str, value: &str| -> Result<Url, ConfigError> {
            let url = Url::parse(value).map_err(|e| error(var, format!("not a URL: {e}")))?;
            if matches!(url.scheme(), "http" | "https") {
                Ok(url)
            } else {
                Err(error(var, "must start with http:// or https://"))
            }
        };

        let (var, database_url) = required("database_url")?;
        if !["sqlite:", "postgres:", "postgresql:"]
            .iter()
            .any(|p| database_url.starts_with(p))
        {
            return Err(error(var, "must start with sqlite:// or postgres://"));
        }
        let (var, listen) = required("listen")?;
        let listen: SocketAddr = listen
            .parse()
            .map_err(|_| error(var, "must be an address like 127.0.0.1:8080"))?;
        let public_url = match get("public_url") {
            (var, Some(v)) => url(var, &v)?,
            (var, None) => url(var, &format!("http://{listen}"))?,
        };
        let (var, smtp_url) = get("smtp_url");
        if let Some(v) = &smtp_url {
            let parsed = Url::parse(v).map_err(|e| error(var, format!("not a URL: {e}")))?;
            if !matches!(parsed.scheme(), "smtp" | "smtps") {
                return Err(error(var, "must start with smtp:// or smtps://"));
            }
        }
        let (var, smtp_from) = required("smtp_from")?;
        let smtp_from = EmailAddress::parse(&smtp_from).map_err(|e| error(var, e.to_string()))?;
        let (var, base) = required("twilio_base_url")?;
        let twilio_base_url = url(var, &base)?;
        let twilio = match (
            get("twilio_account_sid").1,
            get("twilio_auth_token").1,
            get("twilio_from").1,
        ) {
            (Some(account_sid), Some(token), Some(from)) => Some(Twilio {
                account_sid,
                auth_token: Secret(token),
                from,
            }),
            (None, None, None) => None,
            _ => {
                return Err(error(
                    "REACH_TWILIO_ACCOUNT_SID",
                    "REACH_TWILIO_ACCOUNT_SID, REACH_TWILIO_AUTH_TOKEN and REACH_TWILIO_FROM \
                     must be set together",
                ));
            }
        };
        let (var, allow) = required("webhook_allow_loopback")?;
        let webhook_allow_loopback =
            parse_bool(&allow).ok_or_else(|| error(var, "must be true or false"))?;
        let (var, secret_key) = get("secret_key");
        if secret_key.as_ref().is_some_and(|k| k.len() < 32) {
            return Err(error(var, "must be at least 32 characters"));
        }
        let seconds = |key: &str| -> Result<u64, ConfigError> {
            let (var, value) = required(key)?;
            match value.trim().parse::<u64>() {
                Ok(n) if (1..=86_400).contains(&n) => Ok(n),
                _ => Err(error(
                    var,
                    "must be a whole number of seconds from 1 to 86400",
                )),
            }
        };
        let lease = seconds("outbox_lease_seconds")?;
        let timeout = seconds("send_timeout_seconds")?;
        if timeout >= lease {
            return Err(error(
                "REACH_SEND_TIMEOUT_SECONDS",
                "must be shorter than REACH_OUTBOX_LEASE_SECONDS",
            ));
        }
        Ok(Self {
            database_url: SecretUrl(database_url),
            listen,
            public_url,
            mail_dir: PathBuf::from(required("mail_dir")?.1),
            smtp_url: smtp_url.map(SecretUrl),
            smtp_from,
            twilio_base_url,
            twilio,
            webhook_allow_loopback,
            secret_key: secret_key.map(Secret),
            outbox_lease: std::time::Duration::from_secs(lease),
            send_timeout: std::time::Duration::from_secs(timeout),
        })
    }

    /// The effective configuration as TOML, secrets redacted (`reach check-config`).
    pub fn describe(&self) -> String {
        let quote = |s: &str| format!("{s:?}");
        let unset = |key: &str, what: &str| format!("# {key} is unset: {what}");
        let mut lines = vec![
            "# Effective configuration: REACH_* variables over the file over defaults.".to_owned(),
            format!("database_url = {}", quote(&self.database_url.to_string())),
            format!("listen = {}", quote(&self.listen.to_string())),
            format!("public_url = {}", quote(self.public_url.as_str())),
            format!("mail_dir = {}", quote(&self.mail_dir.display().to_string())),
            match &self.smtp_url {
                Some(u) => format!("smtp_url = {}", quote(&u.to_string())),
                None => unset("smtp_url", "emails are written as .eml files to mail_dir"),
            },
            format!("smtp_from = {}", quote(self.smtp_from.as_str())),
            format!("twilio_base_url = {}", quote(self.twilio_base_url.as_str())),
        ];
        match &self.twilio {
            Some(t) => lines.extend([
                format!("twilio_account_sid = {}", quote(&t.account_sid)),
                "twilio_auth_token = \"[redacted]\"".to_owned(),
                format!("twilio_from = {}", quote(&t.from)),
            ]),
            None => lines.push(unset("twilio_account_sid", "SMS and phone calls are off")),
        }
        lines.push(format!(
            "webhook_allow_loopback = {}",
            self.webhook_allow_loopback
        ));
        lines.push(match self.secret_key {
            Some(_) => "secret_key = \"[redacted]\"".to_owned(),
            None => unset("secret_key", "generated once and kept in the database"),
        });
        lines.push(format!(
            "outbox_lease_seconds = {}",
            self.outbox_lease.as_secs()
        ));
        lines.push(format!(
            "send_timeout_seconds = {}",
            self.send_timeout.as_secs()
        ));
        lines.join("\n") + "\n"
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn load(
        toml: Option<&str>,
        pairs: &[(&str, &str)],
    ) -> Result<(Settings, Vec<String>), ConfigError> {
        Settings::from_sources(toml, env(pairs))
    }

    #[test]
    fn defaults_apply_with_nothing_set() -> Result<(), ConfigError> {
        let (s, warnings) = load(None, &[("HOME", "/root")])?;
        assert_eq!(s.database_url.expose(), "sqlite://reach.db");
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.public_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(s.mail_dir, PathBuf::from("./reach-mail"));
        assert!(s.smtp_url.is_none() && s.twilio.is_none() && s.secret_key.is_none());
        assert!(!s.webhook_allow_loopback);
        assert!(warnings.is_empty());
        Ok(())
    }

    #[test]
    fn the_environment_wins_over_the_file() -> Result<(), ConfigError> {
        let file =
            "listen = \"127.0.0.1:9000\"\nmail_dir = \"/tmp/m\"\nwebhook_allow_loopback = true\n";
        let (s, _) = load(Some(file), &[("REACH_LISTEN", "127.0.0.1:9100")])?;
        assert_eq!(s.listen.to_string(), "127.0.0.1:9100");
        assert_eq!(s.public_url.as_str(), "http://127.0.0.1:9100/");
        assert_eq!(s.mail_dir, PathBuf::from("/tmp/m"));
        assert!(s.webhook_allow_loopback);
        Ok(())
    }

    #[test]
    fn secrets_are_redacted_everywhere() -> Result<(), ConfigError> {
        let (s, _) = load(
            None,
            &[
                (
                    "REACH_DATABASE_URL",
                    "postgres://reach:hunter2pass@db:5432/reach",
                ),
                (
                    "REACH_SMTP_URL",
                    "smtp://mailer:smtpsecret@mail:587?tls=required",
                ),
                ("REACH_TWILIO_ACCOUNT_SID", "AC123"),
                ("REACH_TWILIO_AUTH_TOKEN", "twiliosecret"),
                ("REACH_TWILIO_FROM", "+15005550006"),
                ("REACH_SECRET_KEY", "k3y-k3y-k3y-k3y-k3y-k3y-k3y-k3y-k3y"),
            ],
        )?;
        for shown in [format!("{s:?}"), s.describe()] {
            for secret in ["hunter2pass", "smtpsecret", "twiliosecret", "k3y-k3y"] {
                assert!(!shown.contains(secret), "{secret} leaked in {shown}");
            }
            assert!(
                shown.contains("postgres://reach:***@db:5432/reach"),
                "{shown}"
            );
        }
        assert_eq!(
            s.database_url.expose(),
            "postgres://reach:hunter2pass@db:5432/reach"
        );
        Ok(())
    }

    #[test]
    fn unknown_variables_warn_and_bad_values_fail() {
        let warnings = load(None, &[("REACH_LISTN", "x")]).map(|(_, w)| w);
        assert_eq!(
            warnings.ok(),
            Some(vec!["unknown setting REACH_LISTN is ignored".to_owned()])
        );
        let bad = |pairs: &[(&str, &str)]| load(None, pairs).err().map(|e| e.key);
        assert_eq!(
            bad(&[("REACH_LISTEN", "nowhere")]).as_deref(),
            Some("REACH_LISTEN")
        );
        assert_eq!(
            bad(&[("REACH_DATABASE_URL", "mysql://x")]).as_deref(),
            Some("REACH_DATABASE_URL")
        );
        assert_eq!(
            bad(&[("REACH_WEBHOOK_ALLOW_LOOPBACK", "maybe")]).as_deref(),
            Some("REACH_WEBHOOK_ALLOW_LOOPBACK")
        );
        assert_eq!(
            bad(&[("REACH_TWILIO_ACCOUNT_SID", "AC1")]).as_deref(),
            Some("REACH_TWILIO_ACCOUNT_SID")
        );
        assert!(load(Some("nonsense = 1"), &[]).is_err());
        assert!(load(Some("listen = ["), &[]).is_err());
    }
}
