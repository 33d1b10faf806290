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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigError;

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
                ("REACH_TWILIO_FROM", "+15005550006"),
                ("REACH_SECRET_KEY", "k3y-k3y-k3y-k3y-k3y-k3y-k3y-k3y-k3y"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
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
}
