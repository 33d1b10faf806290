//! Loading: the defaults, the TOML file and the environment merged into one raw map, then
//! checked key by key into [`Settings`].

use super::{ConfigError, Matrix, Secret, SecretUrl, Settings, Twilio, error};
use crate::domain::EmailAddress;
use std::collections::BTreeMap;
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
    (
        "database_max_connections",
        "REACH_DATABASE_MAX_CONNECTIONS",
        Some("10"),
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
    ("telegram_bot_token", "REACH_TELEGRAM_BOT_TOKEN", None),
    (
        "telegram_api_url",
        "REACH_TELEGRAM_API_URL",
        Some("https://api.telegram.org"),
    ),
    ("matrix_homeserver_url", "REACH_MATRIX_HOMESERVER_URL", None),
    ("matrix_access_token", "REACH_MATRIX_ACCESS_TOKEN", None),
    (
        "webhook_allow_loopback",
        "REACH_WEBHOOK_ALLOW_LOOPBACK",
        Some("false"),
    ),
    ("secret_key", "REACH_SECRET_KEY", None),
    ("metrics_token", "REACH_METRICS_TOKEN", None),
    ("trusted_proxies", "REACH_TRUSTED_PROXIES", None),
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
        super::database::tls_of(&database_url).map_err(|e| error(var, e))?;
        let (var, max) = required("database_max_connections")?;
        let database_max_connections = match max.trim().parse::<u32>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => return Err(error(var, "must be a whole number from 1 to 1000")),
        };
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
        let (var, base) = required("telegram_api_url")?;
        let telegram_api_url = url(var, &base)?;
        let telegram_bot_token = get("telegram_bot_token")
            .1
            .map(|t| Secret(t.trim().to_owned()));
        let matrix = match (get("matrix_homeserver_url"), get("matrix_access_token").1) {
            ((var, Some(base)), Some(token)) => Some(Matrix {
                homeserver_url: url(var, &base)?,
                access_token: Secret(token.trim().to_owned()),
            }),
            ((_, None), None) => None,
            _ => {
                return Err(error(
                    "REACH_MATRIX_HOMESERVER_URL",
                    "REACH_MATRIX_HOMESERVER_URL and REACH_MATRIX_ACCESS_TOKEN must be set together",
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
        let (var, proxies) = get("trusted_proxies");
        let trusted_proxies =
            crate::domain::forwarded::parse_trusted(proxies.as_deref().unwrap_or(""))
                .map_err(|e| error(var, e))?;
        let (var, metrics_token) = get("metrics_token");
        if metrics_token.as_ref().is_some_and(|t| t.trim().len() < 16) {
            return Err(error(var, "must be at least 16 characters"));
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
            database_max_connections,
            listen,
            public_url,
            mail_dir: PathBuf::from(required("mail_dir")?.1),
            smtp_url: smtp_url.map(SecretUrl),
            smtp_from,
            twilio_base_url,
            twilio,
            telegram_api_url,
            telegram_bot_token,
            matrix,
            webhook_allow_loopback,
            secret_key: secret_key.map(Secret),
            metrics_token: metrics_token.map(|t| Secret(t.trim().to_owned())),
            trusted_proxies,
            outbox_lease: std::time::Duration::from_secs(lease),
            send_timeout: std::time::Duration::from_secs(timeout),
        })
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
            bad(&[("REACH_DATABASE_URL", "postgres://db/r?sslmode=allow")]).as_deref(),
            Some("REACH_DATABASE_URL")
        );
        for size in ["0", "1001", "ten"] {
            assert_eq!(
                bad(&[("REACH_DATABASE_MAX_CONNECTIONS", size)]).as_deref(),
                Some("REACH_DATABASE_MAX_CONNECTIONS"),
                "{size}"
            );
        }
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
