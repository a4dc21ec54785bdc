//! E-mail over SMTP (lettre): STARTTLS or TLS on rustls with the system's trust store and the
//! operator's CA file, authenticated when a user is configured.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Security, SmtpConfig};
use crate::send::Failure;

/// The SMTP relay.
#[derive(Clone)]
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp").field("from", &self.from).finish()
    }
}

impl Smtp {
    /// The transport of `[notify.smtp]`; the password from `VIGIE_SMTP_PASSWORD` or its file.
    pub fn new(config: &SmtpConfig) -> anyhow::Result<Self> {
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("[notify.smtp] from {:?}: {e}", config.from))?;
        let mut tls = TlsParameters::builder(config.host.clone());
        if let Some(path) = &config.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                anyhow::anyhow!("[notify.smtp] ca_file: cannot read {}: {e}", path.display())
            })?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|e| anyhow::anyhow!("[notify.smtp] ca_file {}: {e}", path.display()))?;
            tls = tls.add_root_certificate(cert);
        }
        let tls = tls
            .build_rustls()
            .map_err(|e| anyhow::anyhow!("[notify.smtp] TLS: {e}"))?;
        let (mode, port) = match config.security {
            Security::Starttls => (Tls::Required(tls), 587),
            Security::Tls => (Tls::Wrapper(tls), 465),
            Security::None => (Tls::None, 25),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port.unwrap_or(port))
            .tls(mode)
            .timeout(Some(Duration::from_secs(config.timeout_seconds.max(1))));
        if let Some(user) = &config.username {
            let password = vigie_http::credential(
                "VIGIE_SMTP_PASSWORD",
                config.password_file.as_deref(),
                "[notify.smtp] password_file",
            )?
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "[notify.smtp] username is set: give password_file or VIGIE_SMTP_PASSWORD"
                )
            })?;
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    /// Sends one text message; the error says whether trying again may help.
    pub async fn send(
        &self,
        to: &str,
        subject: &str,
        body: &str,
        message_id: &str,
        language: &str,
    ) -> Result<(), Failure> {
        let to: Mailbox = to
            .parse()
            .map_err(|e| Failure::permanent(format!("recipient {to:?}: {e}")))?;
        let domain = self.from.email.domain().to_owned();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{message_id}@{domain}>")))
            .header(ContentType::TEXT_PLAIN)
            .header(AutoSubmitted)
            .header(ContentLanguage(language.to_owned()))
            .body(body.to_owned())
            .map_err(|e| Failure::permanent(format!("building the message: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) if error.is_permanent() => Err(Failure::permanent(format!("SMTP: {error}"))),
            Err(error) => Err(Failure::transient(format!("SMTP: {error}"))),
        }
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no vacation replies to the notifier.
#[derive(Clone)]
struct AutoSubmitted;

impl lettre::message::header::Header for AutoSubmitted {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Auto-Submitted")
    }
    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }
    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

/// `Content-Language` of the message.
#[derive(Clone)]
struct ContentLanguage(String);

impl lettre::message::header::Header for ContentLanguage {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Content-Language")
    }
    fn parse(text: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(text.to_owned()))
    }
    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.clone())
    }
}
