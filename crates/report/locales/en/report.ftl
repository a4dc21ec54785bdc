# Monthly client report: English.
# Every id exists in the four languages (a test checks). Counted messages take `$count` (the
# number, selects the plural form) and `$n` (the same number, formatted for the language).

## Title page and page furniture

report-title = Monthly security report
prepared-for = Prepared for
prepared-by = Prepared by
period = Period
generated-on = Generated on
classification = Classification
page = page
times-in = All times in { $tz }.
tlp-meaning-clear = Disclosure is not limited.
tlp-meaning-green = Limited disclosure: the recipient's community, not published.
tlp-meaning-amber = Limited disclosure: the recipient's organisation and its clients, on a need-to-know basis.
tlp-meaning-amber_strict = Limited disclosure: the recipient's organisation only.
tlp-meaning-red = For the eyes and ears of the individual recipients only.

## Dates and durations

month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
month-year = { $month } { $year }
date-long = { $day } { $month } { $year }
date-range = { $first } to { $last }
week-label = W{ $week }
duration-m = { $m } min
duration-hm = { $h } h { $m } min
duration-dh = { $d } d { $h } h

## Executive summary

summary = Executive summary
key-figures = Key figures
summary-period-month = In { $month }
summary-period-range = From { $first } to { $last }
summary-alerts = { $count ->
    [0] { $period }, no alerts were raised.
    [one] { $period }, one alert was raised.
   *[other] { $period }, { $n } alerts were raised.
}
summary-alerts-severity = By severity: critical { $critical }, high { $high }, medium { $medium }, low { $low }, informational { $info }.
summary-incidents = { $count ->
    [0] No incident was opened.
    [one] One incident was opened ({ $critical }).
   *[other] { $n } incidents were opened ({ $critical }).
}
summary-incidents-critical = { $count ->
    [0] none critical
    [one] one critical
   *[other] { $n } critical
}
summary-ack-met-critical = { $count ->
    [one] The critical incident was acknowledged within the contract's { $target }.
   *[other] All { $n } critical incidents were acknowledged within the contract's { $target }.
}
summary-ack-met-high = { $count ->
    [one] The high-severity incident was acknowledged within the contract's { $target }.
   *[other] All { $n } high-severity incidents were acknowledged within the contract's { $target }.
}
summary-ack-missed-critical = { $count ->
    [one] The critical incident was acknowledged later than the contract's { $target }.
   *[other] { $late } of the { $n } critical incidents were acknowledged later than the contract's { $target }.
}
summary-ack-missed-high = { $count ->
    [one] The high-severity incident was acknowledged later than the contract's { $target }.
   *[other] { $late } of the { $n } high-severity incidents were acknowledged later than the contract's { $target }.
}
summary-mtta = On average, incidents were acknowledged within { $mtta }.
summary-mttr = On average, incidents were resolved within { $mttr }.
summary-breaches = { $count ->
    [0] No contract target was missed.
    [one] One contract target was missed.
   *[other] { $n } contract targets were missed.
}
summary-top-rule = The most frequent detection was “{ $rule }” ({ $n }).
summary-top-tactic = The most frequent MITRE ATT&CK tactic was { $tactic }.
summary-nis2-significant = { $count ->
    [0] No incident was significant under NIS2.
    [one] One incident was significant under NIS2.
   *[other] { $n } incidents were significant under NIS2.
}
summary-nis2-late = { $count ->
    [0] Every NIS2 reporting deadline was met or is still open.
    [one] One NIS2 reporting deadline was missed.
   *[other] { $n } NIS2 reporting deadlines were missed.
}
summary-ingest = { $count ->
    [0] No events were received.
    [one] One log source sent { $events } events.
   *[other] { $n } log sources sent { $events } events.
}
summary-gaps = { $count ->
    [0] No log source went silent.
    [one] One log source went silent: { $list }.
   *[other] Log sources went silent { $n } times: { $list }.
}
gap-item = { $source } ({ $from } to { $to })
kf-alerts = Alerts
kf-incidents = Incidents opened
kf-critical = Critical incidents
kf-mtta = Mean time to acknowledge
kf-mttr = Mean time to resolve
kf-breaches = Missed contract targets
kf-nis2 = Significant NIS2 incidents
kf-events = Events received
kf-gaps = Source interruptions

## Charts

alerts-per-week = Alerts per week and severity
incidents-per-week = Incidents opened per week and severity
no-alerts = No alerts this month.
no-incidents = No incidents this month.
detections = Detections
top-rules = Most frequent detection rules
top-tactics = Most frequent MITRE ATT&CK tactics
top-hosts = Most affected hosts
top-users = Most affected users
no-data = None this month.
sources = Log sources
ingest-per-day = Events received per day and source type
ingest-scale = Each row has its own scale: the tallest bar is the source's busiest day.
gap-legend = interruption
no-ingest = No events were received this month.
gaps = Interruptions
no-gaps = No interruption was detected.

## Severities, statuses

severity-critical = critical
severity-high = high
severity-medium = medium
severity-low = low
severity-informational = informational
status-new = new
status-acknowledged = acknowledged
status-in_progress = in progress
status-on_hold = on hold
status-resolved = resolved
status-closed = closed

## Tables

sla = Response times and contract targets
sla-note = Mean times over the month's incidents; targets as agreed in the contract.
sla-all = All severities
no-target = no target
col-severity = Severity
col-incidents = Incidents
col-mtta = Mean time to acknowledge
col-ack-target = Target
col-mttr = Mean time to resolve
col-resolve-target = Target
col-breaches = Missed targets
col-number = No.
col-title = Title
col-status = Status
col-rsit = RSIT class
col-tlp = TLP
col-opened = Opened
col-closed = Closed
col-early-warning = Early warning (24 h)
col-notification = Notification (72 h)
col-final-report = Final report (1 month)
col-source = Source type
col-from = From
col-to = To
col-days = Days
yes = yes
no = no
not-due = not due

## NIS2

nis2-case-line = Significant: { $significant } · Stage: { $stage }
nis2 = NIS2 reporting
nis2-note = Article 23 of the NIS2 Directive: early warning within 24 hours and incident notification within 72 hours of becoming aware of a significant incident, final report one month after the notification.
no-nis2 = No NIS2 case this month.
stage-detected = detected
stage-triage = being assessed
stage-not_significant = not significant
stage-undetermined = undetermined
stage-significant = significant
stage-awareness_set = clocks running
stage-early_warning_sent = early warning sent
stage-notification_sent = notification sent
stage-intermediate_requested = intermediate report requested
stage-progress_sent = progress report sent
stage-final_sent = final report sent
stage-closed = closed
deadline-met = met
deadline-open = open
deadline-late = late
submitted = submitted { $at }

## Incident list

incidents = Incident list
no-incident-list = No incident this month.
