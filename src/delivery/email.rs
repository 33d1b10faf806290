//! The email channel: SMTP (`REACH_SMTP_URL`: STARTTLS, TLS or plain, with or without auth)
//! or, with no SMTP configured, one `.eml` file per message in `REACH_MAIL_DIR`.

use super::{Channel, Message, Outcome, SendFuture};
use lettre::message::header::ContentType;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::Error as SmtpError;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

/// Where emails go.
#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
}

/// Sends alert notifications as emails with a text and an HTML part.
#[derive(Clone)]
pub struct EmailChannel {
    transport: Transport,
    from: Mailbox,
    /// The domain of Message-IDs (the public URL's host).
    domain: String,
}

impl std::fmt::Debug for EmailChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let to = match &self.transport {
            Transport::Smtp(_) => "smtp".to_owned(),
            Transport::Files { dir, .. } => dir.display().to_string(),
        };
        f.debug_struct("EmailChannel")
            .field("to", &to)
            .field("from", &self.from.to_string())
            .finish()
    }
}

/// A configuration that cannot work, said in one line.
#[derive(Debug, thiserror::Error)]
pub enum EmailConfigError {
    #[error("REACH_SMTP_URL: {0}")]
    SmtpUrl(String),
    #[error("REACH_SMTP_FROM: {0}")]
    From(String),
    #[error("REACH_MAIL_DIR {0}: {1}")]
    MailDir(String, std::io::Error),
}

impl EmailChannel {
    /// SMTP at `smtp_url` (`smtp://user:pass@host:587?tls=required`, `smtps://host:465`,
    /// `smtp://host:25` for plain), or else `.eml` files in `mail_dir` (created if missing).
    pub fn new(
        smtp_url: Option<&str>,
        mail_dir: &std::path::Path,
        from: &str,
        public_host: &str,
        timeout: Duration,
    ) -> Result<Self, EmailConfigError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e: lettre::address::AddressError| EmailConfigError::From(e.to_string()))?;
        let transport = match smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| EmailConfigError::SmtpUrl(e.to_string()))?
                    .timeout(Some(timeout))
                    .build(),
            ),
            None => {
                std::fs::create_dir_all(mail_dir)
                    .map_err(|e| EmailConfigError::MailDir(mail_dir.display().to_string(), e))?;
                Transport::Files {
                    transport: AsyncFileTransport::<Tokio1Executor>::new(mail_dir),
                    dir: mail_dir.to_path_buf(),
                }
            }
        };
        Ok(Self {
            transport,
            from,
            domain: public_host.to_owned(),
        })
    }

    fn build(&self, message: &Message) -> Result<lettre::Message, String> {
        let to = Mailbox::new(
            Some(message.recipient.name.clone()),
            message
                .notification
                .address
                .parse()
                .map_err(|e| format!("the address cannot receive email: {e}"))?,
        );
        let (text, html) = message
            .email_parts()
            .map_err(|e| format!("the message could not be written: {e}"))?;
        let mut builder = lettre::Message::builder();
        // A report's unsubscribe link, as RFC 8058 one-click headers: mail clients POST
        // `List-Unsubscribe=One-Click` to it, which turns reports off for this method.
        if let super::message::About::Report(mail) = &message.about {
            if let Some(url) = &mail.unsubscribe {
                builder = builder
                    .raw_header(HeaderValue::new(
                        HeaderName::new_from_ascii_str("List-Unsubscribe"),
                        format!("<{url}>"),
                    ))
                    .raw_header(HeaderValue::new(
                        HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                        "List-Unsubscribe=One-Click".to_owned(),
                    ));
            }
        }
        // Every message about one alert refers to the same id, so mail clients thread them.
        if let Some(part) = message.alert() {
            let thread = format!("<alert-{}@{}>", part.alert.id, self.domain);
            builder = builder.in_reply_to(thread.clone()).references(thread);
        }
        builder
            .from(self.from.clone())
            .to(to)
            .subject(message.subject())
            .message_id(Some(format!(
                "<{}@{}>",
                message.notification.id, self.domain
            )))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".to_owned(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Content-Language"),
                message.recipient.locale.as_str().to_owned(),
            ))
            .multipart(match &message.about {
                // A report: the email, and its numbers as a CSV attachment.
                super::message::About::Report(mail) => MultiPart::mixed()
                    .multipart(report_body(mail, text, html)?)
                    .singlepart(Attachment::new(mail.csv_name.clone()).body(
                        mail.csv.clone(),
                        ContentType::parse("text/csv; charset=utf-8").map_err(|e| e.to_string())?,
                    )),
                _ => MultiPart::alternative_plain_html(text, html),
            })
            .map_err(|e| format!("the message could not be built: {e}"))
    }

    async fn deliver(&self, message: &Message) -> Outcome {
        let mail = match self.build(message) {
            Ok(mail) => mail,
            Err(e) => return Outcome::Failed(e),
        };
        match &self.transport {
            Transport::Smtp(smtp) => match smtp.send(mail).await {
                Ok(response) => Outcome::Sent(format!(
                    "SMTP {} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                )),
                Err(e) => smtp_failure(&e),
            },
            Transport::Files { transport, dir } => match transport.send(mail).await {
                Ok(id) => Outcome::Sent(format!("written to {}/{id}.eml", dir.display())),
                Err(e) => Outcome::Retry(format!("could not write the .eml file: {e}")),
            },
        }
    }
}

/// A report's text and HTML parts; the HTML with its chart inline (`cid:chart`) when it has one.
fn report_body(
    mail: &crate::delivery::message::ReportMail,
    text: String,
    html: String,
) -> Result<MultiPart, String> {
    use base64::Engine as _;
    use lettre::message::SinglePart;
    let Some(png) = &mail.chart_png else {
        return Ok(MultiPart::alternative_plain_html(text, html));
    };
    let png = base64::engine::general_purpose::STANDARD
        .decode(png)
        .map_err(|e| format!("the chart is not valid: {e}"))?;
    let png_type = ContentType::parse("image/png").map_err(|e| e.to_string())?;
    Ok(MultiPart::alternative()
        .singlepart(SinglePart::plain(text))
        .multipart(
            MultiPart::related()
                .singlepart(SinglePart::html(html))
                .singlepart(
                    Attachment::new_inline(crate::delivery::message::CHART_CID.to_owned())
                        .body(png, png_type),
                ),
        ))
}

/// SMTP 5xx is permanent; 4xx, connection and TLS trouble are tried again.
fn smtp_failure(e: &SmtpError) -> Outcome {
    let text = match e.status() {
        Some(code) => format!("SMTP {code}: {e}"),
        None => format!("SMTP: {e}"),
    };
    if e.is_permanent() {
        Outcome::Failed(text)
    } else {
        Outcome::Retry(text)
    }
}

impl Channel for EmailChannel {
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a> {
        Box::pin(self.deliver(message))
    }
}
