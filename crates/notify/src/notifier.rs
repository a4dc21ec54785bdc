//! The notifier: sweeps that turn what happened into outbox rows, and the sender that
//! delivers them.
//!
//! Each sweep reads the state (new alerts, SLA clocks, NIS2 reminders, questions and
//! answers, unacknowledged pages) and queues one row per cause and recipient under a dedup
//! key, so sweeping again — after a restart, or on a second jobs node — queues nothing
//! twice. The sender claims due rows under a lease and records the outcome.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use vigie_access::{Audience, Tenant, TenantScope};
use vigie_event::{TenantId, TenantSlug};
use vigie_soc::StateStore;
use vigie_soc::alert::{AlertFilter, Page};
use vigie_soc::desk::{AlertStatus, CommentKind};
use vigie_soc::ids::IncidentId;
use vigie_soc::notify::{
    Channel, Delivery, NewNotification, Notification, NotifyEvent, PageState, SlaWatch,
};

use crate::config::{
    CLIENT_EVENTS, NotifyConfig, PAGE_EVENTS, QuietHours, RecipientConfig, SOC_EVENTS, TeamConfig,
    events, names, on_call, rota_start,
};
use crate::smtp::Smtp;
use crate::texts::{LANGUAGES, Texts};
use crate::webhook::Webhook;

/// How far back a sweep looks for new alerts (closed digest buckets included).
const ALERT_WINDOW: SignedDuration = SignedDuration::from_mins(30);
/// Alerts of one tenant are summed up per bucket of this length beyond the burst.
const BUCKET_SECONDS: i64 = 600;
/// How far back a sweep looks for questions, answers, reminders and pages.
const RECENT: SignedDuration = SignedDuration::from_hours(48);
/// How long a sender holds claimed rows.
const LEASE: Duration = Duration::from_secs(120);

/// The language of each tenant when a recipient has none (`[reports]`).
#[derive(Clone, Debug, Default)]
pub struct Languages {
    /// The default.
    pub default: String,
    /// Per tenant slug.
    pub tenants: BTreeMap<String, String>,
}

impl Languages {
    fn of(&self, slug: &str) -> String {
        let lang = self.tenants.get(slug).unwrap_or(&self.default);
        if LANGUAGES.contains(&lang.as_str()) {
            lang.clone()
        } else {
            "en".to_owned()
        }
    }
}

/// A value of a message: text as is, or a catalogue key translated per recipient.
#[derive(Clone, Debug)]
enum Arg {
    Text(String),
    Key(String),
    Time(Timestamp),
}

/// One cause to notify: what happened, to whom it may go, what to say.
#[derive(Clone, Debug)]
struct Item {
    event: NotifyEvent,
    /// Names the cause; with the recipient, the dedup key.
    key: String,
    tenant: Option<TenantId>,
    slug: String,
    incident: Option<IncidentId>,
    /// What an escalation waits on.
    subject_ref: Option<String>,
    /// Catalogue prefix of the subject and body (`alert` → `alert-subject`, `alert-body`).
    message: &'static str,
    subject_key: Option<&'static str>,
    args: Vec<(&'static str, Arg)>,
    /// A path of the web UI.
    link: Option<String>,
    /// Fields of the webhook payload.
    data: serde_json::Value,
    /// Contacts of the client's NIS2 profile (name, e-mail, language).
    contacts: Vec<(String, String, String)>,
}

/// What one sweep queued.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    /// New rows queued.
    pub queued: u64,
    /// Escalations among them.
    pub escalations: u64,
}

/// The notifier of one process (the jobs role).
pub struct Notifier {
    store: Arc<dyn StateStore>,
    scope: TenantScope,
    audience: Audience,
    config: NotifyConfig,
    texts: Texts,
    smtp: Option<Smtp>,
    webhooks: Vec<(Webhook, Vec<NotifyEvent>, Vec<String>)>,
    teams: Vec<(TeamConfig, Timestamp)>,
    quiet: HashMap<String, QuietHours>,
    languages: Languages,
    /// Answers already turned into notifications: their incident is not read again at each
    /// sweep (an answer never changes). Empty after a restart; the dedup keys cover that.
    answered: std::sync::Mutex<std::collections::HashSet<i64>>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier").finish_non_exhaustive()
    }
}

fn minutes(n: u32) -> SignedDuration {
    SignedDuration::from_mins(i64::from(n))
}

impl Notifier {
    /// The notifier of `config`, or `None` when nothing is configured to send to. `scope`
    /// and `audience` are the operator's (every tenant, the SOC's view).
    pub fn new(
        store: Arc<dyn StateStore>,
        scope: TenantScope,
        audience: Audience,
        config: &NotifyConfig,
        languages: Languages,
    ) -> anyhow::Result<Option<Self>> {
        if !config.is_enabled() {
            return Ok(None);
        }
        if let Some((key, message)) = config.validate().into_iter().next() {
            anyhow::bail!("{key}: {message}");
        }
        let smtp = config.smtp.as_ref().map(Smtp::new).transpose()?;
        let webhooks = config
            .webhooks
            .iter()
            .map(|w| {
                Ok((
                    Webhook::new(w)?,
                    events(&w.events, &NotifyEvent::ALL),
                    w.tenants.clone(),
                ))
            })
            .collect::<anyhow::Result<_>>()?;
        let teams = config
            .teams
            .iter()
            .map(|t| {
                rota_start(t)
                    .map(|start| (t.clone(), start))
                    .map_err(|e| anyhow::anyhow!("[[notify.teams]] {}: {e}", t.name))
            })
            .collect::<anyhow::Result<_>>()?;
        let quiet = config
            .recipients
            .iter()
            .filter_map(|r| {
                let spec = r.quiet_hours.as_ref()?;
                Some(
                    QuietHours::parse(spec, &r.time_zone)
                        .map(|q| (r.name.clone(), q))
                        .map_err(|e| anyhow::anyhow!("[[notify.recipients]] {}: {e}", r.name)),
                )
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Some(Self {
            store,
            scope,
            audience,
            config: config.clone(),
            texts: Texts::load()?,
            smtp,
            webhooks,
            teams,
            quiet,
            languages,
            answered: Default::default(),
        }))
    }

    fn recipient(&self, name: &str) -> Option<&RecipientConfig> {
        self.config.recipients.iter().find(|r| r.name == name)
    }

    fn language_of(&self, r: &RecipientConfig) -> String {
        r.language.clone().unwrap_or_else(|| {
            r.tenants
                .iter()
                .find(|t| *t != "*")
                .map_or_else(|| self.languages.of(""), |t| self.languages.of(t))
        })
    }

    /// Subject and text of `item` for a reader of `lang` in `zone`, at escalation `level`.
    fn render(&self, item: &Item, lang: &str, zone: &str, level: u32) -> (String, String) {
        let zone = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
        let args: Vec<(&str, String)> = item
            .args
            .iter()
            .map(|(name, arg)| {
                let value = match arg {
                    Arg::Text(text) => text.clone(),
                    Arg::Key(key) => self.texts.get(lang, key, &[]),
                    Arg::Time(at) => at
                        .to_zoned(zone.clone())
                        .strftime("%Y-%m-%d %H:%M %Z")
                        .to_string(),
                };
                (*name, value)
            })
            .collect();
        let subject_key = item
            .subject_key
            .map_or_else(|| format!("{}-subject", item.message), str::to_owned);
        let mut subject = self.texts.get(lang, &subject_key, &args);
        if level > 0 {
            subject = self.texts.get(
                lang,
                "escalated",
                &[("level", level.to_string()), ("subject", subject)],
            );
        }
        let mut body = self
            .texts
            .get(lang, &format!("{}-body", item.message), &args);
        if let (Some(base), Some(path)) = (&self.config.base_url, &item.link) {
            let link = format!("{}{path}", base.trim_end_matches('/'));
            body.push_str("\n\n");
            body.push_str(&self.texts.get(lang, "link", &[("link", link)]));
        }
        body.push_str("\n\n-- \n");
        body.push_str(&self.texts.get(lang, "footer", &[]));
        (subject, body)
    }

    fn email(
        &self,
        item: &Item,
        r: &RecipientConfig,
        dedup: String,
        page: Option<(&str, u32)>,
        now: Timestamp,
    ) -> NewNotification {
        let lang = self.language_of(r);
        let (subject, body) = self.render(item, &lang, &r.time_zone, page.map_or(0, |p| p.1));
        // Pages go now: being on the rota is being reachable. The rest waits out quiet hours.
        let due_at = match (page, self.quiet.get(&r.name)) {
            (None, Some(quiet)) => quiet.release(now),
            _ => now,
        };
        NewNotification {
            dedup,
            tenant: item.tenant,
            incident: item.incident,
            event: item.event,
            channel: Channel::Email,
            recipient: r.name.clone(),
            address: r.email.clone(),
            client: r.client,
            language: lang,
            subject,
            body,
            subject_ref: page.and(item.subject_ref.clone().or_else(|| Some(item.key.clone()))),
            team: page.map(|(team, _)| team.to_owned()),
            level: page.map_or(0, |p| p.1),
            due_at,
        }
    }

    /// The rows of one cause: the recipients whose side, tenants and events take it, the
    /// member on call of each team it pages, the webhooks, the NIS2 contacts.
    fn fan_out(&self, item: &Item, now: Timestamp) -> Vec<NewNotification> {
        let mut out = if self.smtp.is_some() {
            self.emails(item, now)
        } else {
            Vec::new()
        };
        for (hook, hook_events, tenants) in &self.webhooks {
            if !hook_events.contains(&item.event) || !names(tenants, &item.slug) {
                continue;
            }
            out.push(self.webhook_row(item, hook, 0, None, now));
        }
        out
    }

    /// The e-mails of one cause (see [`Notifier::fan_out`]).
    fn emails(&self, item: &Item, now: Timestamp) -> Vec<NewNotification> {
        let mut out = Vec::new();
        let mut paged = Vec::new();
        for (team, start) in &self.teams {
            if !names(&team.tenants, &item.slug)
                || !events(&team.events, &PAGE_EVENTS).contains(&item.event)
            {
                continue;
            }
            let member = on_call(team, *start, now);
            let Some(r) = self.recipient(member) else {
                continue;
            };
            paged.push(r.name.clone());
            out.push(self.email(
                item,
                r,
                format!("{}:team:{}:0", item.key, team.name),
                Some((&team.name, 0)),
                now,
            ));
        }
        for r in &self.config.recipients {
            let side: &[NotifyEvent] = if r.client {
                &CLIENT_EVENTS
            } else {
                &SOC_EVENTS
            };
            let wanted = item.event == NotifyEvent::Test
                || (side.contains(&item.event) && events(&r.events, side).contains(&item.event));
            if !wanted || !names(&r.tenants, &item.slug) || paged.contains(&r.name) {
                continue;
            }
            if r.client && item.tenant.is_none() {
                continue;
            }
            out.push(self.email(item, r, format!("{}:to:{}", item.key, r.name), None, now));
        }
        for (name, email, lang) in &item.contacts {
            let (subject, body) = self.render(item, lang, "Europe/Brussels", 0);
            out.push(NewNotification {
                dedup: format!("{}:contact:{email}", item.key),
                tenant: item.tenant,
                incident: item.incident,
                event: item.event,
                channel: Channel::Email,
                recipient: name.clone(),
                address: email.clone(),
                client: true,
                language: lang.clone(),
                subject,
                body,
                subject_ref: None,
                team: None,
                level: 0,
                due_at: now,
            });
        }
        out
    }

    fn webhook_row(
        &self,
        item: &Item,
        hook: &Webhook,
        level: u32,
        team: Option<&str>,
        now: Timestamp,
    ) -> NewNotification {
        let (subject, text) = self.render(item, "en", "UTC", level);
        let dedup = format!("{}:hook:{}", item.key, hook.name);
        let link = match (&self.config.base_url, &item.link) {
            (Some(base), Some(path)) => Some(format!("{}{path}", base.trim_end_matches('/'))),
            _ => None,
        };
        let body = json!({
            "id": dedup,
            "event": item.event,
            "tenant": if item.slug.is_empty() { None } else { Some(&item.slug) },
            "incident": item.incident,
            "subject": subject,
            "text": text,
            "link": link,
            "level": level,
            "team": team,
            "data": item.data,
            "created_at": now,
        });
        NewNotification {
            dedup,
            tenant: item.tenant,
            incident: item.incident,
            event: item.event,
            channel: Channel::Webhook,
            recipient: hook.name.clone(),
            address: hook.shown_url(),
            client: false,
            language: "en".to_owned(),
            subject,
            body: body.to_string(),
            subject_ref: None,
            team: None,
            level,
            due_at: now,
        }
    }

    /// Runs every sweep once at `now`.
    pub async fn sweep(&self, now: Timestamp) -> anyhow::Result<SweepReport> {
        let mut items = Vec::new();
        items.extend(self.alert_items(now).await?);
        let watch = self.store.sla_watch(now).await?;
        items.extend(watch.iter().map(sla_item));
        items.extend(self.nis2_items(now).await?);
        let (questions, answers) = self.question_items(now).await?;
        items.extend(questions);
        let mut rows: Vec<NewNotification> =
            items.iter().flat_map(|i| self.fan_out(i, now)).collect();
        let escalations = self.escalations(now, &watch).await?;
        let escalated = escalations.len() as u64;
        rows.extend(escalations);
        let queued = self.enqueue(&rows, now).await?;
        self.answered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend(answers);
        Ok(SweepReport {
            queued,
            escalations: escalated.min(queued),
        })
    }

    async fn enqueue(&self, rows: &[NewNotification], now: Timestamp) -> anyhow::Result<u64> {
        let mut queued = 0;
        // Batches keep each transaction short.
        for chunk in rows.chunks(200) {
            queued += self.store.enqueue_notifications(chunk, now).await?;
        }
        Ok(queued)
    }

    async fn alert_items(&self, now: Timestamp) -> anyhow::Result<Vec<Item>> {
        let filter = AlertFilter {
            min_severity: Some(self.config.alert_min_severity),
            since: Some(now - ALERT_WINDOW),
            ..AlertFilter::default()
        };
        let page = self
            .store
            .list_alerts(
                &self.scope,
                &filter,
                &Page {
                    limit: 1000,
                    cursor: None,
                },
            )
            .await?;
        let mut buckets: BTreeMap<(TenantId, i64), Vec<&vigie_soc::Alert>> = BTreeMap::new();
        for alert in &page.alerts {
            let bucket = alert.created_at.as_second().div_euclid(BUCKET_SECONDS);
            buckets
                .entry((alert.tenant, bucket))
                .or_default()
                .push(alert);
        }
        let mut items = Vec::new();
        let burst = self.config.alert_burst.max(1);
        for ((tenant, bucket), mut alerts) in buckets {
            alerts.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
            for alert in alerts.iter().take(burst) {
                if alert.status == AlertStatus::New {
                    items.push(alert_item(alert));
                }
            }
            let rest = &alerts[burst.min(alerts.len())..];
            let closed = (bucket + 1) * BUCKET_SECONDS <= now.as_second();
            if !rest.is_empty() && closed {
                let slug = rest[0].tenant_slug.to_string();
                let mut rules: Vec<&str> = rest.iter().map(|a| a.rule_title.as_str()).collect();
                rules.dedup();
                rules.truncate(5);
                items.push(Item {
                    event: NotifyEvent::Alert,
                    key: format!("alert-digest:{tenant}:{bucket}"),
                    tenant: Some(tenant),
                    slug: slug.clone(),
                    incident: None,
                    subject_ref: None,
                    message: "alert-digest",
                    subject_key: None,
                    args: vec![
                        ("tenant", Arg::Text(slug)),
                        ("count", Arg::Text(rest.len().to_string())),
                        ("rules", Arg::Text(rules.join(", "))),
                    ],
                    link: Some("/ui/alerts".to_owned()),
                    data: json!({"count": rest.len(), "alerts": rest.iter().map(|a| &a.id).collect::<Vec<_>>()}),
                    contacts: Vec::new(),
                });
            }
        }
        Ok(items)
    }

    async fn nis2_items(&self, now: Timestamp) -> anyhow::Result<Vec<Item>> {
        let mut items = Vec::new();
        let mut profiles: HashMap<TenantId, Vec<(String, String, String)>> = HashMap::new();
        for case in self.store.nis2_open_cases(&self.scope).await? {
            for reminder in &case.data.reminders_sent {
                if reminder.at < now - RECENT {
                    continue;
                }
                if let std::collections::hash_map::Entry::Vacant(entry) =
                    profiles.entry(case.tenant)
                {
                    entry.insert(self.nis2_contacts(case.tenant, &case.tenant_slug).await?);
                }
                let stage = reminder.stage.as_str();
                items.push(Item {
                    event: NotifyEvent::Nis2,
                    key: format!(
                        "nis2:{}:{stage}:{}",
                        case.incident_id,
                        reminder.at.as_second()
                    ),
                    tenant: Some(case.tenant),
                    slug: case.tenant_slug.to_string(),
                    incident: Some(case.incident_id),
                    subject_ref: None,
                    message: "nis2",
                    subject_key: Some(if reminder.breach {
                        "nis2-subject-breach"
                    } else {
                        "nis2-subject"
                    }),
                    args: vec![
                        ("tenant", Arg::Text(case.tenant_slug.to_string())),
                        ("incident", Arg::Text(case.incident_id.to_string())),
                        ("title", Arg::Text(case.title.clone())),
                        ("stage", Arg::Key(format!("stage-{stage}"))),
                        ("due", Arg::Time(reminder.due_at)),
                    ],
                    link: Some(format!("/ui/incidents/{}", case.incident_id)),
                    data: json!({
                        "stage": stage,
                        "due_at": reminder.due_at,
                        "breach": reminder.breach,
                    }),
                    contacts: profiles.get(&case.tenant).cloned().unwrap_or_default(),
                });
            }
        }
        Ok(items)
    }

    /// The entity's CISO and approvers with an e-mail address (NIS2.md §6.2.5: reminders
    /// escalate to the approver and the CISO), in the profile's report language.
    async fn nis2_contacts(
        &self,
        tenant: TenantId,
        slug: &TenantSlug,
    ) -> anyhow::Result<Vec<(String, String, String)>> {
        let Some(profile) = self.store.nis2_profile(&self.scope, tenant).await? else {
            return Ok(Vec::new());
        };
        let profile = profile.profile;
        let lang = profile
            .report_language
            .and_then(|l| serde_json::to_value(l).ok())
            .and_then(|v| v.as_str().map(str::to_owned))
            .filter(|l| LANGUAGES.contains(&l.as_str()))
            .unwrap_or_else(|| self.languages.of(slug.as_str()));
        Ok(profile
            .contacts
            .iter()
            .filter(|c| {
                c.role
                    .as_deref()
                    .is_some_and(|r| r.eq_ignore_ascii_case("ciso"))
                    || profile.approvers.contains(&c.name)
            })
            .filter_map(|c| {
                let email = c.email.as_ref()?;
                email.parse::<lettre::Address>().ok()?;
                Some((c.name.clone(), email.clone(), lang.clone()))
            })
            .collect())
    }

    /// The questions of the last two days, and the answers not handled yet with the ids of
    /// every answer looked at (to skip at the next sweeps once queued).
    async fn question_items(&self, now: Timestamp) -> anyhow::Result<(Vec<Item>, Vec<i64>)> {
        let mut items = Vec::new();
        let mut looked_at = Vec::new();
        let slugs: HashMap<TenantId, String> = self
            .store
            .list_tenants(&self.scope)
            .await?
            .into_iter()
            .map(|t| (t.id, t.slug.to_string()))
            .collect();
        for q in self.store.questions(&self.scope, false).await? {
            let slug = slugs
                .get(&q.tenant)
                .cloned()
                .unwrap_or_else(|| q.tenant.to_string());
            let base = |event, key: String, message, text: String| Item {
                event,
                key,
                tenant: Some(q.tenant),
                slug: slug.clone(),
                incident: Some(q.incident),
                subject_ref: None,
                message,
                subject_key: None,
                args: vec![
                    ("tenant", Arg::Text(slug.clone())),
                    ("incident", Arg::Text(q.incident.to_string())),
                    ("title", Arg::Text(q.incident_title.clone())),
                    ("text", Arg::Text(text.clone())),
                ],
                link: Some(format!("/ui/incidents/{}", q.incident)),
                data: json!({"text": text}),
                contacts: Vec::new(),
            };
            if q.comment.created_at >= now - RECENT {
                items.push(base(
                    NotifyEvent::Question,
                    format!("question:{}", q.comment.id),
                    "question",
                    q.comment.body.clone(),
                ));
            }
            let Some(answer) = q.comment.answered_by else {
                continue;
            };
            let handled = self
                .answered
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .contains(&answer.0);
            if handled {
                continue;
            }
            looked_at.push(answer.0);
            let detail = self
                .store
                .incident_detail(&self.scope, self.audience, q.incident, now)
                .await?;
            let found = detail.and_then(|d| {
                d.comments
                    .into_iter()
                    .find(|c| c.id == answer && c.kind == CommentKind::Answer)
            });
            if let Some(comment) = found.filter(|c| c.created_at >= now - RECENT) {
                items.push(base(
                    NotifyEvent::Answer,
                    format!("answer:{}", comment.id),
                    "answer",
                    comment.body,
                ));
            }
        }
        Ok((items, looked_at))
    }

    /// The next step of every chain whose newest page nobody acknowledged in time.
    async fn escalations(
        &self,
        now: Timestamp,
        watch: &[SlaWatch],
    ) -> anyhow::Result<Vec<NewNotification>> {
        let mut out = Vec::new();
        for page in self.store.open_pages(now - RECENT).await? {
            let Some((team, _)) = self.teams.iter().find(|(t, _)| t.name == page.team) else {
                continue;
            };
            let next = page.level + 1;
            let Some(name) = team.escalation.get(page.level as usize) else {
                continue;
            };
            if page.since + minutes(team.escalate_after_minutes) > now {
                continue;
            }
            let Some(item) = self.still_unacknowledged(&page, watch).await? else {
                continue;
            };
            let Some(r) = self.recipient(name) else {
                continue;
            };
            let dedup = format!("{}:team:{}:{next}", page.subject_ref, team.name);
            out.push(self.email(&item, r, dedup, Some((&team.name, next)), now));
        }
        Ok(out)
    }

    /// The cause of a page, rebuilt from the state, if it still waits: an alert still new,
    /// an SLA clock still running. Other pages do not escalate.
    async fn still_unacknowledged(
        &self,
        page: &PageState,
        watch: &[SlaWatch],
    ) -> anyhow::Result<Option<Item>> {
        if let Some(id) = page.subject_ref.strip_prefix("alert:") {
            let alert = self.store.get_alert(&self.scope, id).await?;
            return Ok(alert
                .filter(|a| a.status == AlertStatus::New)
                .map(|a| alert_item(&a)));
        }
        if page.subject_ref.starts_with("sla:") {
            return Ok(watch
                .iter()
                .find(|w| sla_ref(w) == page.subject_ref)
                .map(sla_item));
        }
        Ok(None)
    }

    /// Queues the notice that `tenant`'s report of `month` is ready (idempotent).
    pub async fn report_ready(
        &self,
        tenant: &Tenant,
        month: &str,
        now: Timestamp,
    ) -> anyhow::Result<u64> {
        let slug = tenant.slug.to_string();
        let item = Item {
            event: NotifyEvent::Report,
            key: format!("report:{}:{month}", tenant.id),
            tenant: Some(tenant.id),
            slug: slug.clone(),
            incident: None,
            subject_ref: None,
            message: "report",
            subject_key: None,
            args: vec![
                ("tenant", Arg::Text(slug.clone())),
                ("month", Arg::Text(month.to_owned())),
            ],
            link: Some("/ui/reports".to_owned()),
            data: json!({"month": month, "api": format!("/api/v1/reports/{slug}/{month}")}),
            contacts: Vec::new(),
        };
        let rows = self.fan_out(&item, now);
        self.enqueue(&rows, now).await
    }

    /// Queues a test message to one recipient or webhook and delivers what is due.
    pub async fn send_test(&self, to: &str, now: Timestamp) -> anyhow::Result<Vec<Notification>> {
        let item = Item {
            event: NotifyEvent::Test,
            key: format!("test:{}", now.as_microsecond()),
            tenant: None,
            slug: String::new(),
            incident: None,
            subject_ref: None,
            message: "test",
            subject_key: None,
            args: vec![("recipient", Arg::Text(to.to_owned()))],
            link: None,
            data: json!({}),
            contacts: Vec::new(),
        };
        let row = if let Some(r) = self.recipient(to) {
            anyhow::ensure!(self.smtp.is_some(), "no [notify.smtp] to reach {to:?}");
            NewNotification {
                due_at: now,
                ..self.email(&item, r, format!("{}:to:{to}", item.key), None, now)
            }
        } else if let Some((hook, _, _)) = self.webhooks.iter().find(|(h, _, _)| h.name == to) {
            self.webhook_row(&item, hook, 0, None, now)
        } else {
            anyhow::bail!(
                "{to:?} is neither a [[notify.recipients]] nor a [[notify.webhooks]] name"
            );
        };
        let dedup = row.dedup.clone();
        self.store.enqueue_notifications(&[row], now).await?;
        self.deliver_due(now).await?;
        let rows = self
            .store
            .list_notifications(&self.scope, &Default::default())
            .await?;
        Ok(rows.into_iter().filter(|n| n.dedup == dedup).collect())
    }

    /// Delivers what is due at `now`; returns how many attempts were made.
    pub async fn deliver_due(&self, now: Timestamp) -> anyhow::Result<usize> {
        let claimed = self.store.claim_notifications(now, LEASE, 20).await?;
        for n in &claimed {
            let outcome = self.deliver(n).await;
            let delivery = match outcome {
                Ok(()) => Delivery::Sent,
                Err(failure) if failure.permanent || n.attempts >= self.config.max_attempts => {
                    Delivery::Dead {
                        error: failure.message,
                    }
                }
                Err(failure) => {
                    let exponent = n.attempts.saturating_sub(1).min(16);
                    let delay = self
                        .config
                        .backoff_seconds
                        .max(1)
                        .saturating_mul(1 << exponent)
                        .min(3600);
                    Delivery::Retry {
                        at: Timestamp::now() + SignedDuration::from_secs(delay as i64),
                        error: failure.message,
                    }
                }
            };
            let outcome = match &delivery {
                Delivery::Sent => "sent",
                Delivery::Retry { .. } => "retry",
                Delivery::Dead { .. } => "dead",
            };
            metrics::counter!(
                "vigie_notifications_total",
                "event" => n.event.as_str(),
                "channel" => n.channel.as_str(),
                "outcome" => outcome,
            )
            .increment(1);
            match &delivery {
                Delivery::Sent => tracing::info!(
                    id = %n.id, event = n.event.as_str(), recipient = %n.recipient,
                    "notification sent"
                ),
                Delivery::Retry { error, at } => tracing::warn!(
                    id = %n.id, recipient = %n.recipient, %error, retry_at = %at,
                    "notification failed; will retry"
                ),
                Delivery::Dead { error } => tracing::error!(
                    id = %n.id, recipient = %n.recipient, %error,
                    "notification dead after {} attempt(s)", n.attempts
                ),
            }
            self.store
                .finish_notification(n.id, &delivery, Timestamp::now())
                .await?;
        }
        Ok(claimed.len())
    }

    async fn deliver(&self, n: &Notification) -> Result<(), crate::send::Failure> {
        use crate::send::Failure;
        match n.channel {
            Channel::Email => {
                let smtp = self
                    .smtp
                    .as_ref()
                    .ok_or_else(|| Failure::transient("no [notify.smtp] configured"))?;
                let id = format!("vigie-notification-{}-{}", n.id, n.attempts);
                smtp.send(&n.address, &n.subject, &n.body, &id, &n.language)
                    .await
            }
            Channel::Webhook => {
                let (hook, _, _) = self
                    .webhooks
                    .iter()
                    .find(|(h, _, _)| h.name == n.recipient)
                    .ok_or_else(|| {
                        Failure::permanent(format!(
                            "webhook {:?} is no longer configured",
                            n.recipient
                        ))
                    })?;
                hook.send(&n.id.to_string(), &n.body).await
            }
        }
    }

    /// Sweeps every `[notify] sweep_seconds` and delivers every two seconds until shutdown.
    pub fn spawn(
        self: Arc<Self>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let every = Duration::from_secs(self.config.sweep_seconds.max(1));
            let mut last_sweep: Option<std::time::Instant> = None;
            loop {
                if last_sweep.is_none_or(|t| t.elapsed() >= every) {
                    last_sweep = Some(std::time::Instant::now());
                    match self.sweep(Timestamp::now()).await {
                        Ok(report) if report.queued > 0 => {
                            tracing::info!(
                                queued = report.queued,
                                escalations = report.escalations,
                                "notifications queued"
                            )
                        }
                        Ok(_) => {}
                        Err(error) => tracing::error!(%error, "notification sweep failed"),
                    }
                }
                if let Err(error) = self.deliver_due(Timestamp::now()).await {
                    tracing::error!(%error, "notification delivery failed");
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                    _ = shutdown.wait_for(|s| *s) => break,
                }
            }
        })
    }
}

/// The host an alert's event names, for the message.
fn host(event: &serde_json::Value) -> String {
    for key in ["host.name", "Computer", "hostname", "host"] {
        if let Some(v) = event.get(key).and_then(|v| v.as_str()) {
            return v.to_owned();
        }
    }
    event
        .get("host")
        .and_then(|h| h.get("name"))
        .and_then(|v| v.as_str())
        .unwrap_or("-")
        .to_owned()
}

fn alert_item(alert: &vigie_soc::Alert) -> Item {
    let slug = alert.tenant_slug.to_string();
    Item {
        event: NotifyEvent::Alert,
        key: format!("alert:{}", alert.id),
        tenant: Some(alert.tenant),
        slug: slug.clone(),
        incident: alert.incident,
        subject_ref: Some(format!("alert:{}", alert.id)),
        message: "alert",
        subject_key: None,
        args: vec![
            ("tenant", Arg::Text(slug)),
            (
                "severity",
                Arg::Key(format!("severity-{}", alert.severity.as_str())),
            ),
            ("rule", Arg::Text(alert.rule_title.clone())),
            ("host", Arg::Text(host(&alert.event))),
            ("at", Arg::Time(alert.created_at)),
            ("alert", Arg::Text(alert.id.clone())),
        ],
        link: Some(format!("/ui/alerts/{}", alert.id)),
        data: json!({
            "alert": alert.id,
            "rule_id": alert.rule_id,
            "rule": alert.rule_title,
            "severity": alert.severity,
            "created_at": alert.created_at,
        }),
        contacts: Vec::new(),
    }
}

fn sla_ref(w: &SlaWatch) -> String {
    format!("sla:{}:{}", w.incident, w.kind)
}

fn sla_item(w: &SlaWatch) -> Item {
    let (event, name) = if w.breached {
        (NotifyEvent::SlaBreach, "sla-breach")
    } else {
        (NotifyEvent::SlaWarning, "sla-warning")
    };
    Item {
        event,
        key: format!("{name}:{}:{}", w.incident, w.kind),
        tenant: Some(w.tenant),
        slug: w.tenant_slug.to_string(),
        incident: Some(w.incident),
        subject_ref: Some(sla_ref(w)),
        message: name,
        subject_key: None,
        args: vec![
            ("tenant", Arg::Text(w.tenant_slug.to_string())),
            ("incident", Arg::Text(w.incident.to_string())),
            ("title", Arg::Text(w.title.clone())),
            (
                "severity",
                Arg::Key(format!("severity-{}", w.severity.as_str())),
            ),
            ("clock", Arg::Key(format!("clock-{}", w.kind))),
            ("due", w.due_at.map_or(Arg::Text("-".into()), Arg::Time)),
        ],
        link: Some(format!("/ui/incidents/{}", w.incident)),
        data: json!({"clock": w.kind, "due_at": w.due_at, "breached": w.breached}),
        contacts: Vec::new(),
    }
}
