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
incident-nis2 = NIS2 deadlines
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
nis2-due-open = Open
nis2-due-overdue = Overdue
nis2-due-met = Submitted on time
nis2-due-met_late = Submitted late
nis2-due-withdrawn = No longer required
nis2-due-ask_authority = Ask the authority for a date
nis2-due-other = Unknown
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
