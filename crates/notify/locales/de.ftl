severity-critical = kritisch
severity-high = hoch
severity-medium = mittel
severity-low = niedrig
severity-informational = informativ
link = In vigie öffnen: { $link }
footer = Diese Nachricht wurde von der Überwachungsplattform des SOC gesendet. Antworten Sie Ihrem SOC-Kontakt, nicht an diese Adresse.
escalated = [Eskalation { $level }] { $subject }
alert-subject = [{ $tenant }] Neuer Alarm mit Schweregrad { $severity }: { $rule }
alert-body =
    Für { $tenant } wurde ein neuer Alarm mit Schweregrad { $severity } ausgelöst.

    Regel: { $rule }
    Host: { $host }
    Zeit: { $at }
    Alarm: { $alert }
alert-digest-subject = [{ $tenant }] { $count } weitere kritische oder hohe Alarme
alert-digest-body =
    Seit der letzten Nachricht wurden für { $tenant } { $count } weitere kritische oder hohe Alarme ausgelöst.
    Die ersten: { $rules }
sla-warning-subject = [{ $tenant }] SLA gefährdet: Vorfall Nr. { $incident }
sla-warning-body =
    Das Ziel für die { $clock } von Vorfall Nr. { $incident } „{ $title }“ ({ $tenant }, { $severity }) rückt näher.
    Fällig: { $due }
sla-breach-subject = [{ $tenant }] SLA verletzt: Vorfall Nr. { $incident }
sla-breach-body =
    Das Ziel für die { $clock } von Vorfall Nr. { $incident } „{ $title }“ ({ $tenant }, { $severity }) wurde verfehlt.
    Fällig: { $due }
clock-acknowledge = Annahme
clock-resolve = Lösung
nis2-subject = [{ $tenant }] NIS2: { $stage } fällig am { $due }
nis2-subject-breach = [{ $tenant }] NIS2: Frist für { $stage } erreicht
nis2-body =
    Vorfall Nr. { $incident } „{ $title }“ ist ein erheblicher Sicherheitsvorfall im Sinne von NIS2.
    { $stage } an das CSIRT: fällig am { $due }.
stage-early_warning = Frühwarnung
stage-incident_notification = Meldung des Sicherheitsvorfalls
stage-intermediate_report = Zwischenbericht
stage-final_report = Abschlussbericht
stage-voluntary = freiwillige Meldung
stage-progress_report = Fortschrittsbericht
question-subject = [{ $tenant }] Das SOC hat eine Frage zu Vorfall Nr. { $incident }
question-body =
    Das SOC hat eine Frage zu Vorfall Nr. { $incident } „{ $title }“:

    { $text }

    Bitte antworten Sie über das Portal.
answer-subject = [{ $tenant }] Antwort zu Vorfall Nr. { $incident }
answer-body =
    { $tenant } hat die Frage zu Vorfall Nr. { $incident } „{ $title }“ beantwortet:

    { $text }
report-subject = [{ $tenant }] Monatsbericht { $month } ist fertig
report-body = Der monatliche Sicherheitsbericht von { $tenant } für { $month } steht im Portal bereit.
test-subject = Testnachricht von vigie
test-body = Dies ist eine Testnachricht von vigie an { $recipient }. Wenn Sie sie lesen, erreichen Sie Benachrichtigungen.
