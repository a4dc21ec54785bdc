# vigie web application — English.
# Every locale has exactly the same message ids (checked by a test).

app-name = vigie
skip-to-content = Skip to content
nav-label = Main navigation
nav-dashboard = Dashboard
nav-alerts = Alert queue
nav-incidents = Incidents
nav-detection = Detection
nav-admin = Administration
nav-my-incidents = My incidents
nav-sla = Service levels
language-switch = Language
logout = Log out
back-home = Back to the start page
next-page = Next page
save = Save
unchanged = (unchanged)
filters = Filters
filter-apply = Apply
filter-all-tenants = All tenants
filter-any-severity = Any severity
filter-any-status = Any status
filter-open = Open
filter-min-severity = Minimum severity
filter-rule = Rule id
all-tenants = All tenants

# Dates: strftime pattern, Europe/Brussels, with the UTC offset.
datetime-pattern = %Y-%m-%d %H:%M (UTC%:z)
duration-hm = { $h } h { $m } min
duration-dhm = { $d } d { $h } h { $m } min

role-platform_admin = platform administrator
role-soc_lead = SOC lead
role-analyst = analyst
role-detection_engineer = detection engineer
role-tenant_admin = client administrator
role-tenant_user = client contact

severity-informational = Informational
severity-low = Low
severity-medium = Medium
severity-high = High
severity-critical = Critical

alert-status-new = New
alert-status-acknowledged = Acknowledged
alert-status-escalated = Escalated
alert-status-false_positive = False positive
alert-status-suppressed = Suppressed

incident-status-new = New
incident-status-acknowledged = Acknowledged
incident-status-in_progress = In progress
incident-status-on_hold = On hold
incident-status-resolved = Resolved
incident-status-closed = Closed

login-title = Sign in
login-username = User name
login-password = Password
login-submit = Sign in
login-invalid = Invalid user name or password.
login-username-too-long = The user name is { $bytes } bytes long; at most { $max } are allowed.
login-username-control = The user name must not contain control characters.
login-password-too-long = The password is { $bytes } bytes long; at most { $max } are allowed.
login-throttled = Too many attempts. Try again in { $seconds ->
    [one] one second
   *[other] { $seconds } seconds
}.

error-title = Something went wrong
error-not-found-title = Not found
error-forbidden-title = Not allowed
error-bad-request-title = Invalid request
error-not-found = This page does not exist or is not yours to see.
error-internal = An internal error occurred; it has been logged.
error-csrf = The form has expired or did not come from this site. Reload the page and try again.
error-no-alert = There is no alert { $id } in your tenants.
error-no-incident = There is no incident { $id } in your tenants.
error-no-tenant = There is no tenant “{ $tenant }” in your scope.
error-unknown-action = Unknown action.
error-unknown-language = Unknown language “{ $tag }”: choose FR, NL, DE or EN.
error-bad-incident-number = “{ $value }” is not an incident number.
error-bad-field = Invalid value “{ $value }” for { $field }.

col-tenant = Tenant
col-severity = Severity
col-status = Status
col-time = Time
col-rule = Rule
col-count = Count
col-select = Select
col-incident = Incident
col-incidents = Incidents
col-title = Title
col-tlp = TLP
col-rsit = Classification (RSIT)
col-assignee = Assignee
col-created = Created
col-sla-clock = SLA clock
col-target = Target
col-used = Used
col-time-left = Time left
col-field = Field
col-value = Value
col-nis2-stage = NIS2 stage
col-nis2-state = State
col-mtta = Mean time to acknowledge
col-mttr = Mean time to resolve
col-ack-breaches = Acknowledge breaches
col-resolve-breaches = Resolve breaches
col-file = File
col-load-status = Load status
col-acknowledged = Acknowledged
col-escalated = Escalated
col-false-positives = False positives
col-fp-rate = False-positive rate
col-reason = Reason
col-expires = Expires
col-hits = Hits
col-slug = Short name
col-name = Name
col-username = User
col-role = Role
col-tenants = Tenants
col-state = State
col-label = Label
col-owner = Owner
col-kind = Kind
col-source-type = Source type

dashboard-title = Dashboard
dashboard-open-incidents = Open incidents by tenant and severity
dashboard-none-open = No open incidents.
dashboard-sla-at-risk = SLA at risk
dashboard-sla-none = No SLA clock is at risk.

alerts-title = Alert queue
alerts-count = { $count ->
    [one] 1 alert
   *[other] { $count } alerts
}
alerts-none = No alerts match these filters.
alerts-select = Select alert “{ $title }”
alerts-acknowledge-selected = Acknowledge selected

alert-title = Alert: { $title }
alert-first-seen = First seen
alert-last-seen = Last seen
alert-event-id = Event id
alert-status-reason = Reason
alert-rule = Rule
alert-why = Why it matched
alert-why-unavailable = The loaded rule set is not available to this page; the rule id above names the rule that matched.
alert-why-rule-gone = This rule is no longer loaded.
alert-why-route = The event was read as { $kind }; the rule ran on it through { $route }.
alert-why-held = held
alert-why-not-held = did not hold
alert-triage = Triage
alert-acknowledge = Acknowledge
alert-escalate-into = Existing incident number (empty: new incident)
alert-escalate = Escalate to an incident
alert-fp-reason = Reason
alert-false-positive = Close as false positive
alert-event-fields = Event fields
alert-behind = Events behind this alert
alert-behind-none = None of these events is in the event store any more (retention), or they were not indexed.
alert-behind-missing = { $count } of its events are no longer in the event store (retention).
alert-behind-hunt = Open them on the hunt page
col-host = Host
col-details = Details

incidents-title = Incidents
portal-incidents-title = Your incidents
incidents-count = { $count ->
    [one] 1 incident
   *[other] { $count } incidents
}
incidents-none = No incidents match these filters.
incident-title = Incident #{ $id }: { $title }
incident-merged-into = Merged into
incident-sla = Service level
incident-sla-none = No SLA contract applies to this incident.
incident-nis2 = NIS2 reporting
incident-change = Change the incident
incident-observables = Observables
incident-tasks = Tasks
incident-comments = Comments
incident-timeline = Timeline
rsit-none = Not classified
assignee-none = Nobody
assignee-me = { $name } (me)
comment-label = Comment
portal-answer-label = Your answer or comment
comment-submit = Send
comment-internal = Internal note (SOC only)
comment-shared = Shared with the client
comment-question-open = Question to the client, awaiting an answer
comment-question-answered = Question to the client, answered
comment-answer = Answer
comment-kind = Who reads it
comment-kind-internal = Internal note: the SOC only
comment-kind-shared = Shared with the client
comment-kind-question = Question to the client
comment-answer-label = Your answer
comment-answer-submit = Send the answer
questions-open = Questions from the SOC awaiting your answer

sla-kind-acknowledge = Acknowledge
sla-kind-resolve = Resolve
sla-left = { $left } left
sla-overdue = Overdue by { $late }
sla-paused = Paused (on hold)
sla-met = Met
sla-met-late = Met late
sla-at-risk = At risk
sla-title = Service levels
sla-since = Incidents opened since { $since }.
sla-no-figures = No incidents in this period.

nis2-stage-early_warning = Early warning (24 h)
nis2-stage-incident_notification = Incident notification (72 h)
nis2-stage-intermediate_report = Intermediate report
nis2-stage-final_report = Final report (one month)
nis2-stage-progress_report = Progress report
nis2-stage-voluntary = Voluntary notification
nis2-due-open = Running
nis2-due-overdue = Overdue
nis2-due-met = Submitted on time
nis2-due-met_late = Submitted late
nis2-due-withdrawn = No longer required
nis2-due-ask_authority = Ask the authority for a date
nis2-reminders = { $count ->
    [one] One reminder sent
   *[other] { $count } reminders sent
} (last: { $stage }, { $time })

timeline-created = opened the incident
timeline-alert_linked = linked an alert
timeline-comment = commented
timeline-merged = merged another incident into this one
timeline-merged_into = merged this incident into another
timeline-task = added a task
timeline-task_done = changed a task
timeline-split = split alerts into a new incident
timeline-title = changed the title
timeline-status = changed the status
timeline-severity = changed the severity
timeline-assignee = changed the assignee
timeline-rsit = changed the classification
timeline-tlp = changed the TLP label
timeline-other = { $kind }

detection-title = Detection rules
rules-summary = { $loaded ->
    [one] 1 rule loaded
   *[other] { $loaded } rules loaded
}, { $rejected ->
    [one] 1 rejected
   *[other] { $rejected } rejected
}.
rule-loaded = Loaded
rule-rejected = Rejected
suppressions-title = Suppressions
suppressions-none = No suppressions.

admin-title = Administration
admin-tenants = Tenants
admin-users = Users
admin-tokens = Tokens
user-enabled = Active
user-disabled = Disabled
token-active = Active
token-revoked = Revoked

nav-hunt = Hunt
col-actions = Actions
col-group-key = Group key

# Charts. Dates on a day axis: strftime pattern without the year.
chart-day-pattern = %m-%d
chart-other = Other
chart-no-data = No data in this period.
chart-figures = Figures
dashboard-alerts-per-hour = Alerts per hour
dashboard-alerts-per-hour-desc = { $count ->
    [one] One alert
   *[other] { $count } alerts
} in the last 24 hours, per hour.

views-title = Saved views
views-none = No saved views yet. Choose filters, name them and save them here.
views-name = Name of this view
views-save = Save view
views-delete = Delete
views-delete-named = Delete the view “{ $name }”

hunt-title = Hunt
hunt-query = Query
hunt-help = Example: EventID:4625 AND user.name:adm* | timechart span=1h count() by @tenant. Time: RFC 3339, a date, or -24h / -7d.
hunt-from = From
hunt-to = To
hunt-run = Run
hunt-no-store = The event store is not enabled on this server, so there is nothing to hunt in.
hunt-bad-query = Invalid query: { $error }
hunt-summary = { $rows ->
    [one] 1 row
   *[other] { $rows } rows
} ({ $matched ->
    [one] 1 event matched
   *[other] { $matched } events matched
}).
hunt-truncated = Only the first { $max } rows are shown; narrow the query or the time range.
hunt-chart = Time chart
hunt-chart-desc = Matching events per { $span }.
hunt-results = Results
hunt-none = No events match.
span-days = { $n ->
    [one] day
   *[other] { $n } days
}
span-hours = { $n ->
    [one] hour
   *[other] { $n } hours
}
span-minutes = { $n ->
    [one] minute
   *[other] { $n } minutes
}
span-seconds = { $n ->
    [one] second
   *[other] { $n } seconds
}

suppression-new = New suppression
suppression-days = Days in force
suppression-group-help = Empty: every alert of the rule in this tenant.
suppression-end = End now
suppression-end-named = End the suppression of { $rule } for { $tenant }
suppression-ended = Ended

admin-create = Create
admin-back = Back to administration
admin-new-tenant = New tenant
admin-slug-help = Short name: 2 to 63 lowercase letters, digits or hyphens, used in URLs and on the command line.
admin-new-user = New user
admin-password-help = At least 12 characters.
admin-tenants-help = A platform administrator has none (all tenants); a client role exactly one; the other roles at least one.
admin-enable = Enable
admin-disable = Disable
admin-enable-named = Enable { $name }
admin-disable-named = Disable { $name }
admin-new-token = New token
admin-token-source-type-help = Ingest tokens only: every event sent with the token is of this source type (e.g. linux.auditd).
admin-token-platform = Platform (all tenants)
admin-revoke = Revoke
admin-revoke-named = Revoke the token “{ $label }”
admin-token-created = Token #{ $id } “{ $label }” created.
admin-token-secret = Secret
admin-token-once = Copy it now: it is shown only this once and cannot be recovered. Only its fingerprint is stored.
token-kind-ingest = send events
token-kind-read = read
token-kind-admin = administer
error-not-platform = Only a platform administrator who sees every tenant may do this.
admin-sla-contract = SLA contract
admin-sla-none = None
admin-sla-summary = { $calendar }, { $targets ->
    [one] 1 severity with targets
   *[other] { $targets } severities with targets
}
admin-sla-edit = Edit the contract of { $tenant }
admin-sla-title = SLA contract of { $tenant }
admin-sla-calendar = Calendar
calendar-always = Around the clock (24x7)
calendar-business = Business hours (Mon–Fri 08:00–18:00, Belgian holidays off)
admin-sla-warn = At risk after
admin-sla-help = Targets in minutes of the calendar. Leave both empty for a severity without SLA.
admin-sla-ack-minutes = Acknowledge within (minutes)
admin-sla-resolve-minutes = Resolve within (minutes)
admin-sla-pair = { $severity }: give both targets, acknowledge ({ $ack }) not longer than resolve ({ $resolve }).
nav-users = Users
admin-edit = Change
admin-edit-named = Change the role or tenants of { $name }
admin-user-title = User { $name }
sla-period = Period
nav-tokens = API tokens
tokens-title = My API tokens
tokens-intro = A token acts as you from a script or another tool (Authorization: Bearer …), with only the permissions you give it, and never more than your role and tenants allow at the time it is used.
tokens-mine = Your tokens
tokens-none = You have no API tokens.
tokens-permissions = Permissions
tokens-all-my-tenants = All my tenants
tokens-expired = Expired
tokens-never = Never
tokens-tenants-help = None ticked: all of your tenants, as they are when the token is used.
tokens-days = Valid for (days)
tokens-days-help = Empty: until revoked.
tokens-back = Back to my tokens
permission-read_desk = read alerts and incidents
permission-triage_alerts = triage alerts
permission-work_incidents = work incidents
permission-comment = comment
permission-manage_suppressions = manage suppressions
permission-manage_sla = manage SLA contracts
permission-read_users = read users
permission-manage_users = manage users

nav-reports = Reports
reports-title = Monthly reports
reports-kept = Reports of past months
reports-none = No report has been made yet: each month's report is made on the first day of the next month.
reports-make = A report for any month
reports-download = Download the PDF
report-language = Language
report-language-default = The tenant's
col-month = Month
col-made = Made
col-download = Download

# The notification log (/ui/notifications) and the timeline's deliveries.
nav-notifications = Notifications
notify-title = Notification log
notify-platform = (platform)
notify-filter-all = All
notify-status-pending = Pending
notify-status-sending = Sending
notify-status-sent = Sent
notify-status-dead = Dead (gave up)
notify-event-alert = Alert
notify-event-sla_warning = SLA warning
notify-event-sla_breach = SLA breach
notify-event-nis2 = NIS2 deadline
notify-event-question = Question to the client
notify-event-answer = Answer of the client
notify-event-report = Monthly report
notify-event-test = Test message
notify-channel-email = e-mail
notify-channel-webhook = webhook
notify-col-event = Event
notify-col-channel = Channel
notify-col-recipient = Recipient
notify-col-level = Escalation
notify-col-attempts = Attempts
notify-col-error = Last error
notify-level = level { $level }
notify-level-team = level { $level } · { $team }
notify-retry = Retry
notify-retry-label = Send notification { $id } to { $recipient } again
notify-none = No notification matches this filter.
notify-no-dead = No dead notification: every one was delivered or is still being tried.
notify-count = { $count ->
    [one] 1 notification, newest first
   *[other] { $count } notifications, newest first
}
timeline-notified = notified { $recipient } by { $channel }: { $event }{ $level ->
    [0] {""}
   *[other] , escalation level { $level }
}{ $shared ->
    [yes] {" "}(seen by the client)
   *[no] {""}
}
# NIS2 on the incident page and the NIS2 cases page.
nav-nis2 = NIS2
nis2-title = NIS2
nis2-list-title = NIS2 cases
nis2-list-intro = Your incidents reported under NIS2 (Article 23): each reporting stage with its due date and status, and the draft of its report.
nis2-list-intro-soc = Every NIS2 case of your tenants whose clocks run, latest awareness first: each stage with its due date and status, and the draft of its report.
nis2-list-none = No NIS2 case has its clocks running.
nis2-not-started = No NIS2 case yet: assess the significance or record the awareness moment to start it.
nis2-state = Reporting state
nis2-detected = First signal
nis2-aware-at = Awareness (Brussels time)
nis2-not-aware = Not determined yet: no clock runs.
nis2-aware-by = { $time }, set by { $name }: { $reason }
nis2-proposed = Engine proposal
nis2-confirmed = Confirmed verdict
nis2-confirmed-by = { $verdict }, by { $name } on { $time }
nis2-trust-service = Trust service of a trust service provider affected (notification within 24 h)
nis2-report-language = Report language
nis2-clocks = Reporting deadlines
nis2-due-at = Due
nis2-drafts = Report drafts
nis2-drafts-help = Each draft is rendered now from the case, in the case's report language, marked TLP:AMBER; every download is recorded in the audit log.
nis2-approvals = Approvals
nis2-version = Version
nis2-language = Language
nis2-approved-by = Approved by
nis2-approval-pending = Approved, awaiting submission
nis2-approval-stale = Out of date: the report changed since it was approved; approve it again
nis2-approval-submitted = Submitted (#{ $id })
nis2-submissions = Submissions
nis2-stages = Stages
nis2-submitted-at = Submitted at (Brussels time)
nis2-channel = Channel
nis2-reference = Authority's reference
nis2-submitted-by = Recorded by
nis2-lateness-reason = Reason for lateness
nis2-no-liability = Notifying does not in itself increase the entity's liability (NIS2 Art. 23(1)). vigie proposes; a named person decides, and every decision is audited.
nis2-assess-title = Significance assessment
nis2-engine-verdict = Engine verdict on the recorded facts
nis2-precautionary = Undetermined: a precautionary early warning is recommended while inputs are missing.
nis2-missing = Missing inputs:
nis2-findings = Criteria evaluated
nis2-criterion = Criterion
nis2-criterion-text = What it says
nis2-source = Source
nis2-result = Result
nis2-advisory = advisory
nis2-skipped = Rule packs not applied:
nis2-assess-help = “Caused or capable of causing”: give the actual value and, where it can grow, the projected one. Unknown is an answer, never a “no”.
nis2-fact = Fact
nis2-actual = Actual
nis2-projected = Projected
nis2-assess-submit = Record the facts and assess
nis2-confirm-title = Confirm, reject or withdraw significance
nis2-verdict = Verdict
nis2-reason = Reason
nis2-confirm-help = Confirming the engine's proposal needs no reason; any other verdict (or one without a proposal) does. “Not significant” rejects the case.
nis2-confirm-submit = Record my decision
nis2-withdraw-help = Significance withdrawn after reporting began: the clocks stop and an update saying the incident is not significant after all is due.
nis2-withdraw-confirm = I confirm the incident is not significant after all
nis2-withdraw-submit = Withdraw significance
nis2-awareness-title = Awareness moment
nis2-awareness-help = The clocks start at awareness: not before the first signal, not in the future; after a submission it can only move earlier.
nis2-awareness-submit = Set awareness
nis2-record-title = Report fields
nis2-text-lang = Language of new texts
nis2-record-header = Header
nis2-field-title = Report title (empty: the incident's)
nis2-field-reporter = Reporting person
nis2-field-contact = 24/7 contact (empty: the profile's)
nis2-field-authority_ref = Authority's reference
nis2-field-summary = Summary: what, when, which service
nis2-field-support_requested = Support requested from the CSIRT
nis2-field-suspected_malicious = Suspected unlawful or malicious act
nis2-field-cross_border = Possible cross-border impact
nis2-field-member_states = Member States concerned
nis2-member-states-help = Two-letter codes, separated by commas (BE, FR, NL).
nis2-field-affected = Affected services, users, duration
nis2-field-recipients = Recipients informed, other authorities notified
nis2-field-expected_end = Expected end of handling, next report
nis2-field-severity = Severity of the threat (NIS CG)
nis2-field-impact_severity = Impact severity (NIS CG)
nis2-field-outlook = Outlook
nis2-field-root_cause_category = Root-cause category (NIS CG)
nis2-field-iocs = Indicators of compromise
nis2-iocs-help = One per line: kind and value, optionally a TLP label (ip 203.0.113.7 TLP:RED).
nis2-field-mitigations = Mitigations
nis2-mitigations-help = One per line: applied, ongoing or planned, a colon, the measure (ongoing: accounts reset).
nis2-field-csirt_answers = Answers to the CSIRT's questions
nis2-field-detailed_description = Detailed description
nis2-field-root_cause = Threat type or root cause
nis2-field-lessons_learned = Lessons learned and follow-up
nis2-field-timeline = Timeline
nis2-timeline-help = One per line: date and Brussels time, then what happened (2026-03-29 10:30 encryption detected).
nis2-record-help = Saving replaces every field of the reports; approvals made before then go out of date.
nis2-record-submit = Save the report fields
nis2-case-title = Trust service, end of handling, CSIRT request
nis2-handled-at = Handling complete at
nis2-requested-at = CSIRT asked for an intermediate report at
nis2-request-due-at = Due date given by the CSIRT (empty: ask the authority)
nis2-case-help = The end of handling decides between the final and the progress report; a CSIRT request opens an intermediate report.
nis2-approve-title = Approve a report
nis2-stage = Stage
nis2-approve-help = You approve the current draft of the stage in this language and under this label: its content is frozen by its SHA-256. A submission needs the approval of each of its stages; any later change to the case makes the approval out of date.
nis2-approve-submit = Approve the draft
nis2-submit-title = Record a submission
nis2-submit-help = One submission may carry several stages (an early warning with the notification). Each must be approved in this language and under this label; a stage past its due date needs the reason it is late.
nis2-submit-submit = Record the submission
nis2-channel-platform = Authority's platform
nis2-channel-email = E-mail
nis2-channel-phone = Telephone (written follow-up required)
nis2-not-given = (not given)
nis2-tri-yes = Yes
nis2-tri-no = No
nis2-tri-unknown = Unknown
nis2-verdict-significant = Significant
nis2-verdict-not_significant = Not significant
nis2-verdict-undetermined = Undetermined
nis2-verdict-excluded = Excluded (scheduled maintenance)
nis2-state-detected = Detected
nis2-state-triage = Being assessed
nis2-state-not_significant = Not significant
nis2-state-undetermined = Undetermined
nis2-state-significant = Significant, awareness to set
nis2-state-awareness_set = Awareness set, clocks running
nis2-state-early_warning_sent = Early warning sent
nis2-state-notification_sent = Notification sent
nis2-state-intermediate_requested = Intermediate report requested
nis2-state-progress_sent = Progress report sent
nis2-state-final_sent = Final report sent
nis2-state-closed = Closed
nis2-state-downgraded = Significance withdrawn
nis2-refused = Not saved. { $field }: { $detail }
nis2-bad-line = { $field }, line { $line }: “{ $value }” cannot be read.
nis2-fact-severe_disruption_or_financial_loss = Severe operational disruption or financial loss, caused or possible
nis2-fact-considerable_damage_to_others = Considerable damage to other persons, caused or possible
nis2-fact-severe_disruption_possible = Can cause severe operational disruption
nis2-fact-financial_loss_eur = Direct financial loss (EUR)
nis2-fact-turnover_eur = Annual turnover of the previous financial year (EUR)
nis2-fact-trade_secret_exfiltration = Trade secrets exfiltrated or possibly exfiltrated
nis2-fact-deaths = Deaths caused or possible
nis2-fact-health_damage = Considerable damage to a person's health
nis2-fact-unauthorised_access_success = Successful unauthorised access to network and information systems
nis2-fact-suspected_malicious = Suspected unlawful or malicious act
nis2-fact-recurring_incidents_6_months = Incidents with the same apparent root cause within 6 months
nis2-fact-recurring_same_root_cause = Those incidents share the same apparent root cause
nis2-fact-recurring_financial_loss_eur = Their combined direct financial loss (EUR)
nis2-fact-outage_full_minutes = Minutes the service was fully unavailable
nis2-fact-degraded_minutes = Minutes the service was limited
nis2-fact-dns_avg_response_ms = Average DNS response time (ms)
nis2-fact-users_total = Users of the service in the EU
nis2-fact-users_affected = Users affected (maximum plausible estimate)
nis2-fact-data_compromise = Integrity, confidentiality or authenticity of data compromised
nis2-fact-data_compromise_users = Users whose data was compromised
nis2-fact-physical_access_compromised = Physical access to restricted areas compromised
nis2-fact-weekly_unavailability_minutes = Minutes unavailable in the calendar week (trust services)
nis2-fact-scheduled_maintenance_explains_all = The outage is entirely a scheduled maintenance
