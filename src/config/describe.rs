//! The effective configuration as `reach check-config` prints it.

use super::Settings;

impl Settings {
    /// The effective configuration as TOML, secrets redacted (`reach check-config`).
    pub fn describe(&self) -> String {
        let quote = |s: &str| format!("{s:?}");
        let unset = |key: &str, what: &str| format!("# {key} is unset: {what}");
        let mut lines = vec![
            "# Effective configuration: REACH_* variables over the file over defaults.".to_owned(),
            format!("database_url = {}", quote(&self.database_url.to_string())),
            format!(
                "database_max_connections = {}",
                self.database_max_connections
            ),
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
            "telegram_api_url = {}",
            quote(self.telegram_api_url.as_str())
        ));
        lines.push(match self.telegram_bot_token {
            Some(_) => "telegram_bot_token = \"[redacted]\"".to_owned(),
            None => unset("telegram_bot_token", "Telegram messages are off"),
        });
        lines.push(match &self.matrix {
            Some(m) => format!(
                "matrix_homeserver_url = {}\nmatrix_access_token = \"[redacted]\"",
                quote(m.homeserver_url.as_str())
            ),
            None => unset("matrix_homeserver_url", "Matrix messages are off"),
        });
        lines.push(format!(
            "webhook_allow_loopback = {}",
            self.webhook_allow_loopback
        ));
        lines.push(match self.secret_key {
            Some(_) => "secret_key = \"[redacted]\"".to_owned(),
            None => unset(
                "secret_key",
                "generated once and kept in the database (on SQLite sealed under the key file beside it)",
            ),
        });
        lines.push(if self.trusted_proxies.is_empty() {
            unset("trusted_proxies", "the TCP peer is the client")
        } else {
            let list: Vec<String> = self
                .trusted_proxies
                .iter()
                .map(ToString::to_string)
                .collect();
            format!("trusted_proxies = \"{}\"", list.join(","))
        });
        lines.push(match self.metrics_token {
            Some(_) => "metrics_token = \"[redacted]\"".to_owned(),
            None => unset(
                "metrics_token",
                "/metrics answers admins' tokens only, per account",
            ),
        });
        lines.push(format!(
            "outbox_lease_seconds = {}",
            self.outbox_lease.as_secs()
        ));
        lines.push(format!(
            "send_timeout_seconds = {}",
            self.send_timeout.as_secs()
        ));
        let url = self.database_url.expose();
        if super::database::in_clear_first(url).is_some() {
            lines.push(
                "# database TLS: sslmode not set, the server is on this machine: in clear \
                 (TLS adds nothing on loopback), encrypted only if the server refuses that"
                    .to_owned(),
            );
        } else if let Ok(Some((mode, _))) = super::database::tls_of(url) {
            lines.push(format!("# database TLS: sslmode {}", mode.describe()));
        }
        lines.extend(self.warnings().iter().map(|w| format!("# WARNING: {w}")));
        lines.join("\n") + "\n"
    }

    /// Settings that work but weaken the deployment, for `reach check-config`.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self
            .smtp_url
            .as_ref()
            .is_some_and(|u| smtp_auth_in_clear(u.expose()))
        {
            warnings.push(
                "REACH_SMTP_URL has credentials but does not require TLS: they may cross the \
                 network in clear text; use smtps:// or ?tls=required"
                    .to_owned(),
            );
        }
        warnings.extend(super::database::tls_warning(self.database_url.expose()));
        let postgres = self.database_url.expose().starts_with("postgres");
        if postgres && self.secret_key.is_none() {
            warnings.push(
                "REACH_SECRET_KEY is unset: on PostgreSQL the generated key is kept in the \
                 database in plain; set REACH_SECRET_KEY, the same on every node (to keep the \
                 current one, the value of deployment.secret_key)"
                    .to_owned(),
            );
        }
        warnings
    }
}

/// Whether SMTP AUTH would be sent unencrypted: credentials in the URL, and neither `smtps://`
/// (TLS from the start) nor `?tls=required` (STARTTLS or fail). `tls=opportunistic` counts as
/// clear: whoever sits in between can strip the STARTTLS offer.
fn smtp_auth_in_clear(url: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    let credentials = !url.username().is_empty() || url.password().is_some();
    let tls = url
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    let encrypted = url.scheme() == "smtps" || tls.as_deref() == Some("required");
    credentials && !encrypted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigError;

    #[test]
    fn smtp_auth_in_clear_text_is_warned_about() -> Result<(), ConfigError> {
        for (url, clear) in [
            ("smtp://user:pass@mail:587", true),
            ("smtp://user:pass@mail:25?tls=opportunistic", true),
            ("smtp://user@mail:25", true),
            ("smtp://user:pass@mail:587?tls=required", false),
            ("smtps://user:pass@mail:465", false),
            ("smtp://mail:25", false),
            ("smtp://mail:25?tls=opportunistic", false),
        ] {
            assert_eq!(smtp_auth_in_clear(url), clear, "{url}");
        }
        let warned = |smtp: &str| -> Result<bool, ConfigError> {
            let (s, _) = Settings::from_sources(
                None,
                [("REACH_SMTP_URL", smtp)].map(|(k, v)| (k.to_owned(), v.to_owned())),
            )?;
            let shown = s.describe();
            assert!(!shown.contains("pass@"), "{shown}");
            Ok(shown.contains("# WARNING: REACH_SMTP_URL has credentials"))
        };
        assert!(warned("smtp://user:pass@mail:587")?);
        assert!(!warned("smtp://user:pass@mail:587?tls=required")?);
        Ok(())
    }

    #[test]
    fn a_generated_secret_key_on_postgresql_is_warned_about() -> Result<(), ConfigError> {
        let warned = |vars: &[(&str, &str)]| -> Result<bool, ConfigError> {
            let (s, _) = Settings::from_sources(
                None,
                vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
            )?;
            Ok(s.describe()
                .contains("# WARNING: REACH_SECRET_KEY is unset"))
        };
        let pg = ("REACH_DATABASE_URL", "postgres://reach@db/reach");
        let key = ("REACH_SECRET_KEY", "k3y-k3y-k3y-k3y-k3y-k3y-k3y-k3y-k3y");
        assert!(warned(&[pg])?);
        assert!(!warned(&[pg, key])?);
        assert!(!warned(&[("REACH_DATABASE_URL", "sqlite://reach.db")])?);
        Ok(())
    }

    #[test]
    fn secrets_are_redacted_everywhere() -> Result<(), ConfigError> {
        let (s, _) = Settings::from_sources(
            None,
            [
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
                ("REACH_TELEGRAM_BOT_TOKEN", "123456:tgsecret"),
                ("REACH_MATRIX_HOMESERVER_URL", "https://matrix.example.org"),
                ("REACH_MATRIX_ACCESS_TOKEN", "syt_mxsecret"),
                ("REACH_TWILIO_FROM", "+15005550006"),
                ("REACH_SECRET_KEY", "k3y-k3y-k3y-k3y-k3y-k3y-k3y-k3y-k3y"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
        )?;
        for shown in [format!("{s:?}"), s.describe()] {
            for secret in [
                "hunter2pass",
                "smtpsecret",
                "twiliosecret",
                "k3y-k3y",
                "tgsecret",
                "mxsecret",
            ] {
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
}
