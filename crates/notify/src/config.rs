//! `[notify]`: the SMTP relay, the webhooks, the recipients and the on-call teams.
//! Nothing configured means no notifier and no outbound call.

use std::path::PathBuf;

use jiff::civil::{DateTime, Time};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use vigie_event::Severity;
use vigie_soc::notify::NotifyEvent;

use crate::texts::LANGUAGES;

/// `[notify]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// The address of the web UI, for the links in messages (`https://soc.example.be`).
    pub base_url: Option<String>,
    /// Alerts at or above this severity are notified. Default `high`.
    pub alert_min_severity: Severity,
    /// Alert messages per tenant and sweep before the rest are summed up in one. Default 10.
    pub alert_burst: usize,
    /// Seconds between two sweeps for new things to notify. Default 30.
    pub sweep_seconds: u64,
    /// Delivery attempts before a notification is dead. Default 8.
    pub max_attempts: u32,
    /// The first retry's delay in seconds, doubled at each attempt up to an hour. Default 30.
    pub backoff_seconds: u64,
    /// `[notify.smtp]`: the relay e-mail goes through.
    pub smtp: Option<SmtpConfig>,
    /// `[[notify.webhooks]]`.
    pub webhooks: Vec<WebhookConfig>,
    /// `[[notify.recipients]]`.
    pub recipients: Vec<RecipientConfig>,
    /// `[[notify.teams]]`: on-call rotas with escalation.
    pub teams: Vec<TeamConfig>,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        Self {
            base_url: None,
            alert_min_severity: Severity::High,
            alert_burst: 10,
            sweep_seconds: 30,
            max_attempts: 8,
            backoff_seconds: 30,
            smtp: None,
            webhooks: Vec::new(),
            recipients: Vec::new(),
            teams: Vec::new(),
        }
    }
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    /// Plain SMTP, upgraded with STARTTLS (refused if the server does not offer it).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: a relay on the same host or a test server only.
    None,
}

/// `[notify.smtp]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// The relay's host name (checked against its certificate).
    pub host: String,
    /// Port. Default 587 (STARTTLS), 465 (TLS), 25 (none).
    #[serde(default)]
    pub port: Option<u16>,
    /// `starttls` (default), `tls` or `none`.
    #[serde(default)]
    pub security: Security,
    /// User name for SMTP authentication.
    #[serde(default)]
    pub username: Option<String>,
    /// File whose first line is the password; `VIGIE_SMTP_PASSWORD` wins over it.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// The sender, `SOC <soc@provider.example>`.
    pub from: String,
    /// A PEM file of CA certificates trusted besides the system's.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Seconds one delivery may take. Default 30.
    #[serde(default = "default_smtp_timeout")]
    pub timeout_seconds: u64,
}

fn default_smtp_timeout() -> u64 {
    30
}

/// `[[notify.webhooks]]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// A name, unique among webhooks.
    pub name: String,
    /// `https://…` (or `http://` to a receiver on the same host).
    pub url: String,
    /// File whose first line is the HMAC secret; `VIGIE_WEBHOOK_SECRET_<NAME>` (upper case,
    /// `-` as `_`) wins over it.
    #[serde(default)]
    pub secret_file: Option<PathBuf>,
    /// The events it receives (empty: every event).
    #[serde(default)]
    pub events: Vec<String>,
    /// The tenants it receives events of, by slug (empty or `*`: every tenant).
    #[serde(default)]
    pub tenants: Vec<String>,
    /// A PEM file of CA certificates trusted besides the system's.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Seconds one call may take. Default 10.
    #[serde(default = "default_webhook_timeout")]
    pub timeout_seconds: u64,
}

fn default_webhook_timeout() -> u64 {
    10
}

/// `[[notify.recipients]]`: a person (or a shared mailbox) reached by e-mail.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RecipientConfig {
    /// A name, unique among recipients; teams name their members by it.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// `fr`, `nl`, `de` or `en`. Default: the language of the recipient's first tenant in
    /// `[reports] languages`, else `[reports] language`.
    #[serde(default)]
    pub language: Option<String>,
    /// A client's contact (receives its tenants' alerts, questions, NIS2 reminders and
    /// reports) rather than the SOC's (alerts, SLA warnings, NIS2 reminders, answers,
    /// reports). Default false.
    #[serde(default)]
    pub client: bool,
    /// The tenants whose events it receives, by slug (`*`: every tenant). A client's
    /// contact names its own.
    #[serde(default)]
    pub tenants: Vec<String>,
    /// The events it receives directly (empty: every event its side receives). Pages of a
    /// team it is on call for come whatever this says.
    #[serde(default)]
    pub events: Vec<String>,
    /// `HH:MM-HH:MM` in `time_zone`: what is due then waits for the end (pages excepted).
    #[serde(default)]
    pub quiet_hours: Option<String>,
    /// IANA time zone of the quiet hours. Default Europe/Brussels.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
}

fn default_time_zone() -> String {
    "Europe/Brussels".to_owned()
}

/// `[[notify.teams]]`: an on-call rota. Its events page the member on call; when nobody
/// acknowledges (an alert still new, an incident's clock still running) within
/// `escalate_after_minutes`, the next escalation step is paged, and so on.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TeamConfig {
    /// A name, unique among teams.
    pub name: String,
    /// The tenants it watches, by slug (empty or `*`: every tenant).
    #[serde(default)]
    pub tenants: Vec<String>,
    /// The events that page it (empty: alerts, SLA warnings and breaches, NIS2 reminders,
    /// answers).
    #[serde(default)]
    pub events: Vec<String>,
    /// Recipients on call in turn, one shift each.
    pub rota: Vec<String>,
    /// A shift's length in hours. Default 168 (a week).
    #[serde(default = "default_shift")]
    pub shift_hours: u32,
    /// The start of the first shift, a civil date-time in `time_zone` (`2026-12-07T08:00`).
    pub rota_start: String,
    /// IANA time zone of the rota. Default Europe/Brussels.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// Minutes before an unacknowledged page goes to the next step. Default 15.
    #[serde(default = "default_escalate")]
    pub escalate_after_minutes: u32,
    /// The escalation steps after the member on call, each a recipient.
    #[serde(default)]
    pub escalation: Vec<String>,
}

fn default_shift() -> u32 {
    168
}

fn default_escalate() -> u32 {
    15
}

/// Quiet hours: a daily span in a time zone, which may cross midnight.
#[derive(Clone, Debug, PartialEq)]
pub struct QuietHours {
    /// Start (inclusive).
    pub start: Time,
    /// End (exclusive).
    pub end: Time,
    /// Where.
    pub zone: TimeZone,
}

impl QuietHours {
    /// Parses `HH:MM-HH:MM` in `zone`.
    pub fn parse(text: &str, zone: &str) -> Result<Self, String> {
        let zone = TimeZone::get(zone).map_err(|_| format!("unknown time zone {zone:?}"))?;
        let (start, end) = text
            .split_once('-')
            .ok_or_else(|| format!("{text:?}: expected HH:MM-HH:MM"))?;
        let time = |t: &str| -> Result<Time, String> {
            Time::strptime("%H:%M", t.trim())
                .map_err(|_| format!("{text:?}: {t:?} is not a time HH:MM"))
        };
        let (start, end) = (time(start)?, time(end)?);
        if start == end {
            return Err(format!("{text:?}: start and end are the same"));
        }
        Ok(Self { start, end, zone })
    }

    /// When what is due at `at` may go: `at` itself outside quiet hours, else their end.
    pub fn release(&self, at: jiff::Timestamp) -> jiff::Timestamp {
        let local = at.to_zoned(self.zone.clone());
        let now = local.time();
        let quiet = if self.start < self.end {
            now >= self.start && now < self.end
        } else {
            now >= self.start || now < self.end
        };
        if !quiet {
            return at;
        }
        let mut day = local.date();
        if self.start > self.end && now >= self.start {
            day = day.tomorrow().unwrap_or(day);
        }
        day.to_datetime(self.end)
            .to_zoned(self.zone.clone())
            .map(|z| z.timestamp())
            .unwrap_or(at)
    }
}

/// Whether `list` (slugs, `*` or empty for all) names `slug`.
pub(crate) fn names(list: &[String], slug: &str) -> bool {
    list.is_empty() || list.iter().any(|t| t == "*" || t == slug)
}

/// The events of `list`, or `default` when empty.
pub(crate) fn events(list: &[String], default: &[NotifyEvent]) -> Vec<NotifyEvent> {
    if list.is_empty() {
        return default.to_vec();
    }
    list.iter().filter_map(|e| NotifyEvent::parse(e)).collect()
}

/// The events a client's contact receives.
pub const CLIENT_EVENTS: [NotifyEvent; 4] = [
    NotifyEvent::Alert,
    NotifyEvent::Question,
    NotifyEvent::Nis2,
    NotifyEvent::Report,
];

/// The events the SOC's people receive.
pub const SOC_EVENTS: [NotifyEvent; 6] = [
    NotifyEvent::Alert,
    NotifyEvent::SlaWarning,
    NotifyEvent::SlaBreach,
    NotifyEvent::Nis2,
    NotifyEvent::Answer,
    NotifyEvent::Report,
];

/// The events that page a team by default.
pub const PAGE_EVENTS: [NotifyEvent; 5] = [
    NotifyEvent::Alert,
    NotifyEvent::SlaWarning,
    NotifyEvent::SlaBreach,
    NotifyEvent::Nis2,
    NotifyEvent::Answer,
];

/// The environment variable of a webhook's secret.
pub fn webhook_secret_env(name: &str) -> String {
    format!(
        "VIGIE_WEBHOOK_SECRET_{}",
        name.to_ascii_uppercase().replace(['-', '.', ' '], "_")
    )
}

impl NotifyConfig {
    /// Whether anything is configured to send to: without it no notifier runs.
    pub fn is_enabled(&self) -> bool {
        !self.webhooks.is_empty() || (self.smtp.is_some() && !self.recipients.is_empty())
    }

    /// Every problem of the section as (key, message), naming the offending value.
    pub fn validate(&self) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        let mut bad = |key: String, message: String| problems.push((key, message));
        if let Some(url) = &self.base_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            bad(
                "[notify] base_url".into(),
                format!("{url:?} is not an http(s) URL"),
            );
        }
        if self.sweep_seconds == 0 {
            bad("[notify] sweep_seconds".into(), "must be at least 1".into());
        }
        if self.max_attempts == 0 {
            bad("[notify] max_attempts".into(), "must be at least 1".into());
        }
        if let Some(smtp) = &self.smtp {
            if smtp.host.trim().is_empty() {
                bad("[notify.smtp] host".into(), "must not be empty".into());
            }
            if smtp.from.parse::<lettre::message::Mailbox>().is_err() {
                bad(
                    "[notify.smtp] from".into(),
                    format!("{:?} is not a mailbox (`Name <user@host>`)", smtp.from),
                );
            }
            if smtp.password_file.is_some() && smtp.username.is_none() {
                bad(
                    "[notify.smtp] password_file".into(),
                    "needs a username".into(),
                );
            }
        }
        let check_events = |key: String, list: &[String], bad: &mut dyn FnMut(String, String)| {
            for event in list {
                if NotifyEvent::parse(event).is_none() || event == "test" {
                    bad(
                        key.clone(),
                        format!(
                            "unknown event {event:?}; expected one of alert, sla_warning, \
                             sla_breach, nis2, question, answer, report"
                        ),
                    );
                }
            }
        };
        let mut seen = std::collections::BTreeSet::new();
        for (i, hook) in self.webhooks.iter().enumerate() {
            let key = |field: &str| format!("[[notify.webhooks]] #{} {field}", i + 1);
            if !seen.insert(hook.name.clone()) || hook.name.trim().is_empty() {
                bad(
                    key("name"),
                    format!("{:?} is empty or used twice", hook.name),
                );
            }
            match url::Url::parse(&hook.url) {
                Ok(url) if matches!(url.scheme(), "https" | "http") => {}
                _ => bad(key("url"), format!("{:?} is not an http(s) URL", hook.url)),
            }
            if hook.secret_file.is_none() && std::env::var(webhook_secret_env(&hook.name)).is_err()
            {
                bad(
                    key("secret_file"),
                    format!(
                        "webhook {:?} needs a secret: secret_file or {}",
                        hook.name,
                        webhook_secret_env(&hook.name)
                    ),
                );
            }
            check_events(key("events"), &hook.events, &mut bad);
        }
        let mut people = std::collections::BTreeSet::new();
        for (i, r) in self.recipients.iter().enumerate() {
            let key = |field: &str| format!("[[notify.recipients]] #{} {field}", i + 1);
            if !people.insert(r.name.clone()) || r.name.trim().is_empty() {
                bad(key("name"), format!("{:?} is empty or used twice", r.name));
            }
            if r.email.parse::<lettre::Address>().is_err() {
                bad(
                    key("email"),
                    format!("{:?} is not an e-mail address", r.email),
                );
            }
            if let Some(lang) = &r.language
                && !LANGUAGES.contains(&lang.as_str())
            {
                bad(
                    key("language"),
                    format!("{lang:?}: expected fr, nl, de or en"),
                );
            }
            if TimeZone::get(&r.time_zone).is_err() {
                bad(
                    key("time_zone"),
                    format!("{:?} is not a known IANA time zone", r.time_zone),
                );
            } else if let Some(quiet) = &r.quiet_hours
                && let Err(error) = QuietHours::parse(quiet, &r.time_zone)
            {
                bad(key("quiet_hours"), error);
            }
            if r.client && (r.tenants.is_empty() || r.tenants.iter().any(|t| t == "*")) {
                bad(
                    key("tenants"),
                    format!(
                        "client contact {:?} must name its tenants (not every tenant)",
                        r.name
                    ),
                );
            }
            check_events(key("events"), &r.events, &mut bad);
        }
        if !self.recipients.is_empty() && self.smtp.is_none() {
            bad(
                "[notify.smtp]".into(),
                "recipients are reached by e-mail: configure the SMTP relay".into(),
            );
        }
        let mut teams = std::collections::BTreeSet::new();
        for (i, team) in self.teams.iter().enumerate() {
            let key = |field: &str| format!("[[notify.teams]] #{} {field}", i + 1);
            if !teams.insert(team.name.clone()) || team.name.trim().is_empty() {
                bad(
                    key("name"),
                    format!("{:?} is empty or used twice", team.name),
                );
            }
            if team.rota.is_empty() {
                bad(key("rota"), "needs at least one recipient".into());
            }
            for name in team.rota.iter().chain(&team.escalation) {
                if !people.contains(name) {
                    bad(
                        key("rota"),
                        format!("{name:?} is not a [[notify.recipients]] name"),
                    );
                }
            }
            if team.shift_hours == 0 {
                bad(key("shift_hours"), "must be at least 1".into());
            }
            if team.escalate_after_minutes == 0 {
                bad(key("escalate_after_minutes"), "must be at least 1".into());
            }
            if let Err(error) = rota_start(team) {
                bad(key("rota_start"), error);
            }
            check_events(key("events"), &team.events, &mut bad);
        }
        problems
    }
}

/// The start of a team's first shift.
pub(crate) fn rota_start(team: &TeamConfig) -> Result<jiff::Timestamp, String> {
    let zone = TimeZone::get(&team.time_zone)
        .map_err(|_| format!("unknown time zone {:?}", team.time_zone))?;
    let civil: DateTime = team.rota_start.parse().map_err(|_| {
        format!(
            "{:?} is not a date-time like 2026-12-07T08:00",
            team.rota_start
        )
    })?;
    civil
        .to_zoned(zone)
        .map(|z| z.timestamp())
        .map_err(|e| format!("{:?}: {e}", team.rota_start))
}

/// Who of `team` is on call at `at`: the rota member of the shift `at` falls in (the first
/// member before the rota starts).
pub(crate) fn on_call(team: &TeamConfig, start: jiff::Timestamp, at: jiff::Timestamp) -> &str {
    let shift = i64::from(team.shift_hours.max(1)) * 3600;
    let elapsed = at.as_second() - start.as_second();
    let index = if elapsed < 0 {
        0
    } else {
        usize::try_from((elapsed / shift) % team.rota.len().max(1) as i64).unwrap_or(0)
    };
    team.rota.get(index).map_or("", String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn quiet_hours_hold_until_their_end_across_midnight_and_dst() {
        let q = QuietHours::parse("22:00-07:00", "Europe/Brussels").unwrap();
        // 21:59 Brussels (UTC+1): not quiet.
        assert_eq!(
            q.release(ts("2026-12-07T20:59:00Z")),
            ts("2026-12-07T20:59:00Z")
        );
        // 23:30 Brussels: held until 07:00 the next morning.
        assert_eq!(
            q.release(ts("2026-12-07T22:30:00Z")),
            ts("2026-12-08T06:00:00Z")
        );
        // 03:00 Brussels: until 07:00 the same day.
        assert_eq!(
            q.release(ts("2026-12-08T02:00:00Z")),
            ts("2026-12-08T06:00:00Z")
        );
        // Summer time (UTC+2): 06:30 Brussels held until 07:00 = 05:00Z.
        assert_eq!(
            q.release(ts("2026-07-01T04:30:00Z")),
            ts("2026-07-01T05:00:00Z")
        );
        let day = QuietHours::parse("12:00-13:30", "Europe/Brussels").unwrap();
        assert_eq!(
            day.release(ts("2026-12-07T11:15:00Z")),
            ts("2026-12-07T12:30:00Z")
        );
        assert!(QuietHours::parse("25:00-07:00", "Europe/Brussels").is_err());
        assert!(QuietHours::parse("22:00", "Europe/Brussels").is_err());
        assert!(QuietHours::parse("22:00-07:00", "Mars/Olympus").is_err());
    }

    fn team() -> TeamConfig {
        TeamConfig {
            name: "soc".into(),
            tenants: vec![],
            events: vec![],
            rota: vec!["ana".into(), "bram".into(), "chloe".into()],
            shift_hours: 24,
            rota_start: "2026-12-07T08:00".into(),
            time_zone: "Europe/Brussels".into(),
            escalate_after_minutes: 15,
            escalation: vec!["lead".into()],
        }
    }

    #[test]
    fn the_rota_turns_at_each_handover() {
        let team = team();
        let start = rota_start(&team).unwrap();
        assert_eq!(start, ts("2026-12-07T07:00:00Z"));
        assert_eq!(on_call(&team, start, ts("2026-12-07T06:00:00Z")), "ana");
        assert_eq!(on_call(&team, start, ts("2026-12-07T07:00:00Z")), "ana");
        assert_eq!(on_call(&team, start, ts("2026-12-08T06:59:59Z")), "ana");
        assert_eq!(on_call(&team, start, ts("2026-12-08T07:00:00Z")), "bram");
        assert_eq!(on_call(&team, start, ts("2026-12-09T12:00:00Z")), "chloe");
        assert_eq!(on_call(&team, start, ts("2026-12-10T07:00:00Z")), "ana");
    }

    #[test]
    fn every_problem_is_named_with_its_value() {
        let config: NotifyConfig = toml::from_str(
            r#"
            base_url = "soc.example"
            [smtp]
            host = "mail.example"
            from = "not a mailbox"
            [[webhooks]]
            name = "siem"
            url = "ftp://x"
            events = ["alerts"]
            [[recipients]]
            name = "ana"
            email = "ana-at-example"
            language = "es"
            quiet_hours = "22:00-22:00"
            [[recipients]]
            name = "client"
            email = "ciso@a.example"
            client = true
            [[teams]]
            name = "soc"
            rota = ["ana", "nobody"]
            rota_start = "monday"
            "#,
        )
        .unwrap();
        let problems = config.validate();
        let text: String = problems
            .iter()
            .map(|(key, message)| format!("{key}: {message}\n"))
            .collect();
        for needle in [
            "\"soc.example\"",
            "\"not a mailbox\"",
            "\"ftp://x\"",
            "\"alerts\"",
            "VIGIE_WEBHOOK_SECRET_SIEM",
            "\"ana-at-example\"",
            "\"es\"",
            "start and end are the same",
            "must name its tenants",
            "\"nobody\"",
            "\"monday\"",
        ] {
            assert!(text.contains(needle), "{needle} not in {text}");
        }
        assert!(NotifyConfig::default().validate().is_empty());
        assert!(!NotifyConfig::default().is_enabled());
    }
}
