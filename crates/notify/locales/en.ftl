severity-critical = critical
severity-high = high
severity-medium = medium
severity-low = low
severity-informational = informational
link = Open in vigie: { $link }
footer = This message was sent by the SOC's monitoring platform. Reply to your SOC contact, not to this address.
escalated = [Escalation { $level }] { $subject }
alert-subject = [{ $tenant }] New { $severity } alert: { $rule }
alert-body =
    A new { $severity } alert was raised for { $tenant }.

    Rule: { $rule }
    Host: { $host }
    Time: { $at }
    Alert: { $alert }
alert-digest-subject = [{ $tenant }] { $count } more critical or high alerts
alert-digest-body =
    { $count } more critical or high alerts were raised for { $tenant } since the last message.
    The first ones: { $rules }
sla-warning-subject = [{ $tenant }] SLA at risk: incident #{ $incident }
sla-warning-body =
    The { $clock } target of incident #{ $incident } "{ $title }" ({ $tenant }, { $severity }) is close.
    Due: { $due }
sla-breach-subject = [{ $tenant }] SLA breached: incident #{ $incident }
sla-breach-body =
    The { $clock } target of incident #{ $incident } "{ $title }" ({ $tenant }, { $severity }) was missed.
    Due: { $due }
clock-acknowledge = acknowledgement
clock-resolve = resolution
nis2-subject = [{ $tenant }] NIS2 { $stage } due { $due }
nis2-subject-breach = [{ $tenant }] NIS2 { $stage } deadline reached
nis2-body =
    Incident #{ $incident } "{ $title }" is a significant incident under NIS2.
    The { $stage } to the CSIRT is due { $due }.
stage-early_warning = early warning
stage-incident_notification = incident notification
stage-intermediate_report = intermediate report
stage-final_report = final report
stage-voluntary = voluntary notification
stage-progress_report = progress report
question-subject = [{ $tenant }] The SOC has a question on incident #{ $incident }
question-body =
    The SOC asks about incident #{ $incident } "{ $title }":

    { $text }

    Please answer from the portal.
answer-subject = [{ $tenant }] Answer on incident #{ $incident }
answer-body =
    { $tenant } answered the question on incident #{ $incident } "{ $title }":

    { $text }
report-subject = [{ $tenant }] Monthly report { $month } is ready
report-body = The monthly security report of { $tenant } for { $month } is ready in the portal.
test-subject = vigie test message
test-body = This is a test message from vigie to { $recipient }. If you read it, notifications reach you.
