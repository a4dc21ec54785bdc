# vigie-Webanwendung — Deutsch.
# Jede Sprache hat genau dieselben Nachrichten-IDs (von einem Test geprüft).

app-name = vigie
skip-to-content = Zum Inhalt springen
nav-label = Hauptnavigation
nav-dashboard = Übersicht
nav-alerts = Alarmwarteschlange
nav-incidents = Vorfälle
nav-detection = Erkennung
nav-admin = Verwaltung
nav-my-incidents = Meine Vorfälle
nav-sla = Service-Level
language-switch = Sprache
logout = Abmelden
back-home = Zurück zur Startseite
next-page = Nächste Seite
save = Speichern
unchanged = (unverändert)
filters = Filter
filter-apply = Anwenden
filter-all-tenants = Alle Kunden
filter-any-severity = Jeder Schweregrad
filter-any-status = Jeder Status
filter-open = Offen
filter-min-severity = Mindestschweregrad
filter-rule = Regel-ID
all-tenants = Alle Kunden

# Datumsangaben: strftime-Muster, Europe/Brussels, mit UTC-Versatz.
datetime-pattern = %d.%m.%Y %H:%M (UTC%:z)
duration-hm = { $h } Std. { $m } Min.
duration-dhm = { $d } T. { $h } Std. { $m } Min.

role-platform_admin = Plattformadministrator
role-soc_lead = SOC-Leitung
role-analyst = Analyst
role-detection_engineer = Detection Engineer
role-tenant_admin = Kundenadministrator
role-tenant_user = Kundenkontakt

severity-informational = Information
severity-low = Niedrig
severity-medium = Mittel
severity-high = Hoch
severity-critical = Kritisch

alert-status-new = Neu
alert-status-acknowledged = Bestätigt
alert-status-escalated = Eskaliert
alert-status-false_positive = Fehlalarm
alert-status-suppressed = Unterdrückt

incident-status-new = Neu
incident-status-acknowledged = Bestätigt
incident-status-in_progress = In Bearbeitung
incident-status-on_hold = Zurückgestellt
incident-status-resolved = Behoben
incident-status-closed = Abgeschlossen

login-title = Anmelden
login-username = Benutzername
login-password = Passwort
login-submit = Anmelden
login-invalid = Benutzername oder Passwort ist falsch.
login-username-too-long = Der Benutzername ist { $bytes } Bytes lang; höchstens { $max } sind erlaubt.
login-username-control = Der Benutzername darf keine Steuerzeichen enthalten.
login-password-too-long = Das Passwort ist { $bytes } Bytes lang; höchstens { $max } sind erlaubt.
login-throttled = Zu viele Versuche. Bitte in { $seconds ->
    [one] einer Sekunde
   *[other] { $seconds } Sekunden
} erneut versuchen.

error-title = Etwas ist schiefgelaufen
error-not-found-title = Nicht gefunden
error-forbidden-title = Nicht erlaubt
error-bad-request-title = Ungültige Anfrage
error-not-found = Diese Seite existiert nicht oder ist für Sie nicht sichtbar.
error-internal = Ein interner Fehler ist aufgetreten; er wurde protokolliert.
error-csrf = Das Formular ist abgelaufen oder stammt nicht von dieser Website. Laden Sie die Seite neu und versuchen Sie es erneut.
error-no-alert = Bei Ihren Kunden gibt es keinen Alarm { $id }.
error-no-incident = Bei Ihren Kunden gibt es keinen Vorfall { $id }.
error-no-tenant = In Ihrem Bereich gibt es keinen Kunden „{ $tenant }“.
error-unknown-action = Unbekannte Aktion.
error-unknown-language = Unbekannte Sprache „{ $tag }“: Wählen Sie FR, NL, DE oder EN.
error-bad-incident-number = „{ $value }“ ist keine Vorfallsnummer.
error-bad-field = Ungültiger Wert „{ $value }“ für { $field }.

col-tenant = Kunde
col-severity = Schweregrad
col-status = Status
col-time = Zeit
col-rule = Regel
col-count = Anzahl
col-select = Auswahl
col-incident = Vorfall
col-incidents = Vorfälle
col-title = Titel
col-tlp = TLP
col-rsit = Klassifizierung (RSIT)
col-assignee = Zuständig
col-created = Erstellt
col-sla-clock = SLA-Frist
col-target = Ziel
col-used = Verbraucht
col-time-left = Verbleibende Zeit
col-field = Feld
col-value = Wert
col-nis2-stage = NIS2-Phase
col-nis2-state = Zustand
col-mtta = Mittlere Zeit bis zur Bestätigung
col-mttr = Mittlere Zeit bis zur Behebung
col-ack-breaches = Überschreitungen (Bestätigung)
col-resolve-breaches = Überschreitungen (Behebung)
col-file = Datei
col-load-status = Ladestatus
col-acknowledged = Bestätigt
col-escalated = Eskaliert
col-false-positives = Fehlalarme
col-fp-rate = Fehlalarmquote
col-reason = Grund
col-expires = Läuft ab
col-hits = Treffer
col-slug = Kurzname
col-name = Name
col-username = Benutzer
col-role = Rolle
col-tenants = Kunden
col-state = Zustand
col-label = Bezeichnung
col-owner = Inhaber
col-kind = Art
col-source-type = Quelltyp

dashboard-title = Übersicht
dashboard-open-incidents = Offene Vorfälle nach Kunde und Schweregrad
dashboard-none-open = Keine offenen Vorfälle.
dashboard-sla-at-risk = Gefährdete SLA
dashboard-sla-none = Keine SLA-Frist ist gefährdet.

alerts-title = Alarmwarteschlange
alerts-count = { $count ->
    [one] 1 Alarm
   *[other] { $count } Alarme
}
alerts-none = Keine Alarme für diese Filter.
alerts-select = Alarm „{ $title }“ auswählen
alerts-acknowledge-selected = Auswahl bestätigen

alert-title = Alarm: { $title }
alert-first-seen = Zuerst gesehen
alert-last-seen = Zuletzt gesehen
alert-event-id = Ereignis-ID
alert-status-reason = Grund
alert-rule = Regel
alert-why = Warum die Regel angeschlagen hat
alert-why-unavailable = Der geladene Regelsatz steht dieser Seite nicht zur Verfügung; die Regel-ID oben nennt die Regel, die angeschlagen hat.
alert-why-rule-gone = Diese Regel ist nicht mehr geladen.
alert-why-route = Das Ereignis wurde als { $kind } gelesen; die Regel lief darauf über { $route }.
alert-why-held = erfüllt
alert-why-not-held = nicht erfüllt
alert-triage = Triage
alert-acknowledge = Bestätigen
alert-escalate-into = Nummer eines bestehenden Vorfalls (leer: neuer Vorfall)
alert-escalate = Zu einem Vorfall eskalieren
alert-fp-reason = Grund
alert-false-positive = Als Fehlalarm schließen
alert-event-fields = Felder des Ereignisses
alert-behind = Ereignisse hinter diesem Alarm
alert-behind-none = Keines dieser Ereignisse ist noch im Ereignisspeicher (Aufbewahrung), oder sie wurden nicht indiziert.
alert-behind-missing = { $count } seiner Ereignisse sind nicht mehr im Ereignisspeicher (Aufbewahrung).
alert-behind-hunt = Auf der Suchseite öffnen
col-host = Host
col-details = Details

incidents-title = Vorfälle
portal-incidents-title = Ihre Vorfälle
incidents-count = { $count ->
    [one] 1 Vorfall
   *[other] { $count } Vorfälle
}
incidents-none = Keine Vorfälle für diese Filter.
incident-title = Vorfall Nr. { $id }: { $title }
incident-merged-into = Zusammengeführt mit
incident-sla = Service-Level
incident-sla-none = Für diesen Vorfall gilt kein SLA-Vertrag.
incident-nis2 = NIS2-Fristen
incident-change = Vorfall ändern
incident-observables = Observables
incident-tasks = Aufgaben
incident-comments = Kommentare
incident-timeline = Verlauf
rsit-none = Nicht klassifiziert
assignee-none = Niemand
assignee-me = { $name } (ich)
comment-label = Kommentar
portal-answer-label = Ihre Antwort oder Ihr Kommentar
comment-submit = Senden
comment-internal = Interne Notiz (nur SOC)
comment-shared = Mit dem Kunden geteilt
comment-question-open = Frage an den Kunden, Antwort ausstehend
comment-question-answered = Frage an den Kunden, beantwortet
comment-answer = Antwort
comment-kind = Wer es liest
comment-kind-internal = Interne Notiz: nur das SOC
comment-kind-shared = Mit dem Kunden geteilt
comment-kind-question = Frage an den Kunden
comment-answer-label = Ihre Antwort
comment-answer-submit = Antwort senden
questions-open = Fragen des SOC, die auf Ihre Antwort warten

sla-kind-acknowledge = Bestätigung
sla-kind-resolve = Behebung
sla-left = noch { $left }
sla-overdue = { $late } überfällig
sla-paused = Angehalten (zurückgestellt)
sla-met = Eingehalten
sla-met-late = Verspätet eingehalten
sla-at-risk = Gefährdet
sla-title = Service-Level
sla-since = Vorfälle, eröffnet seit { $since }.
sla-no-figures = Keine Vorfälle in diesem Zeitraum.

nis2-stage-early_warning = Frühwarnung (24 Std.)
nis2-stage-incident_notification = Meldung des Vorfalls (72 Std.)
nis2-stage-intermediate_report = Zwischenbericht
nis2-stage-final_report = Abschlussbericht (ein Monat)
nis2-stage-progress_report = Fortschrittsbericht
nis2-stage-voluntary = Freiwillige Meldung
nis2-due-open = Offen
nis2-due-overdue = Überfällig
nis2-due-met = Fristgerecht eingereicht
nis2-due-met_late = Verspätet eingereicht
nis2-due-withdrawn = Nicht mehr erforderlich
nis2-due-ask_authority = Frist bei der Behörde erfragen
nis2-due-other = Unbekannt
nis2-reminders = { $count ->
    [one] Eine Erinnerung gesendet
   *[other] { $count } Erinnerungen gesendet
} (letzte: { $stage }, { $time })

timeline-created = hat den Vorfall eröffnet
timeline-alert_linked = hat einen Alarm verknüpft
timeline-comment = hat kommentiert
timeline-merged = hat einen anderen Vorfall hierher zusammengeführt
timeline-merged_into = hat diesen Vorfall mit einem anderen zusammengeführt
timeline-task = hat eine Aufgabe hinzugefügt
timeline-task_done = hat eine Aufgabe geändert
timeline-split = hat Alarme in einen neuen Vorfall verschoben
timeline-title = hat den Titel geändert
timeline-status = hat den Status geändert
timeline-severity = hat den Schweregrad geändert
timeline-assignee = hat die Zuständigkeit geändert
timeline-rsit = hat die Klassifizierung geändert
timeline-tlp = hat die TLP-Kennzeichnung geändert
timeline-other = { $kind }

detection-title = Erkennungsregeln
rules-summary = { $loaded ->
    [one] 1 Regel geladen
   *[other] { $loaded } Regeln geladen
}, { $rejected ->
    [one] 1 abgelehnt
   *[other] { $rejected } abgelehnt
}.
rule-loaded = Geladen
rule-rejected = Abgelehnt
suppressions-title = Unterdrückungen
suppressions-none = Keine Unterdrückungen.

admin-title = Verwaltung
admin-tenants = Kunden
admin-users = Benutzer
admin-tokens = Tokens
user-enabled = Aktiv
user-disabled = Deaktiviert
token-active = Aktiv
token-revoked = Widerrufen

nav-hunt = Suche
col-actions = Aktionen
col-group-key = Gruppierungsschlüssel

# Diagramme. Daten auf einer Tagesachse: strftime-Muster ohne Jahr.
chart-day-pattern = %d.%m.
chart-other = Sonstige
chart-no-data = Keine Daten in diesem Zeitraum.
chart-figures = Zahlen
dashboard-alerts-per-hour = Alarme pro Stunde
dashboard-alerts-per-hour-desc = { $count ->
    [one] Ein Alarm
   *[other] { $count } Alarme
} in den letzten 24 Stunden, pro Stunde.

views-title = Gespeicherte Ansichten
views-none = Noch keine gespeicherten Ansichten. Wählen Sie Filter, benennen Sie sie und speichern Sie sie hier.
views-name = Name dieser Ansicht
views-save = Ansicht speichern
views-delete = Löschen
views-delete-named = Die Ansicht „{ $name }“ löschen

hunt-title = Bedrohungssuche
hunt-query = Abfrage
hunt-help = Beispiel: EventID:4625 AND user.name:adm* | timechart span=1h count() by @tenant. Zeit: RFC 3339, ein Datum oder -24h / -7d.
hunt-from = Von
hunt-to = Bis
hunt-run = Ausführen
hunt-no-store = Der Ereignisspeicher ist auf diesem Server nicht aktiviert; es gibt nichts zu durchsuchen.
hunt-bad-query = Ungültige Abfrage: { $error }
hunt-summary = { $rows ->
    [one] 1 Zeile
   *[other] { $rows } Zeilen
} ({ $matched ->
    [one] 1 passendes Ereignis
   *[other] { $matched } passende Ereignisse
}).
hunt-truncated = Nur die ersten { $max } Zeilen werden angezeigt; schränken Sie die Abfrage oder den Zeitraum ein.
hunt-chart = Zeitdiagramm
hunt-chart-desc = Passende Ereignisse pro { $span }.
hunt-results = Ergebnisse
hunt-none = Keine passenden Ereignisse.
span-days = { $n ->
    [one] Tag
   *[other] { $n } Tage
}
span-hours = { $n ->
    [one] Stunde
   *[other] { $n } Stunden
}
span-minutes = { $n ->
    [one] Minute
   *[other] { $n } Minuten
}
span-seconds = { $n ->
    [one] Sekunde
   *[other] { $n } Sekunden
}

suppression-new = Neue Unterdrückung
suppression-days = Gültig für (Tage)
suppression-group-help = Leer: alle Alarme der Regel für diesen Kunden.
suppression-end = Jetzt beenden
suppression-end-named = Die Unterdrückung von { $rule } für { $tenant } beenden
suppression-ended = Beendet

admin-create = Anlegen
admin-back = Zurück zur Verwaltung
admin-new-tenant = Neuer Kunde
admin-slug-help = Kurzname: 2 bis 63 Kleinbuchstaben, Ziffern oder Bindestriche, verwendet in Adressen und auf der Kommandozeile.
admin-new-user = Neuer Benutzer
admin-password-help = Mindestens 12 Zeichen.
admin-tenants-help = Ein Plattformadministrator hat keinen (alle Kunden); eine Kundenrolle genau einen; die anderen Rollen mindestens einen.
admin-enable = Aktivieren
admin-disable = Deaktivieren
admin-enable-named = { $name } aktivieren
admin-disable-named = { $name } deaktivieren
admin-new-token = Neues Token
admin-token-source-type-help = Nur Ingest-Tokens: jedes mit diesem Token gesendete Ereignis hat diesen Quelltyp (z. B. linux.auditd).
admin-token-platform = Plattform (alle Kunden)
admin-revoke = Widerrufen
admin-revoke-named = Das Token „{ $label }“ widerrufen
admin-token-created = Token Nr. { $id } „{ $label }“ angelegt.
admin-token-secret = Geheimnis
admin-token-once = Kopieren Sie es jetzt: Es wird nur dieses eine Mal angezeigt und kann nicht wiederhergestellt werden. Gespeichert wird nur sein Fingerabdruck.
token-kind-ingest = Ereignisse senden
token-kind-read = lesen
token-kind-admin = verwalten
error-not-platform = Nur ein Plattformadministrator, der alle Kunden sieht, darf dies tun.
admin-sla-contract = SLA-Vertrag
admin-sla-none = Keiner
admin-sla-summary = { $calendar }, { $targets ->
    [one] 1 Schweregrad mit Zielen
   *[other] { $targets } Schweregrade mit Zielen
}
admin-sla-edit = Den Vertrag von { $tenant } bearbeiten
admin-sla-title = SLA-Vertrag von { $tenant }
admin-sla-calendar = Kalender
calendar-always = Rund um die Uhr (24x7)
calendar-business = Geschäftszeiten (Mo–Fr 08:00–18:00, belgische Feiertage frei)
admin-sla-warn = Gefährdet nach
admin-sla-help = Ziele in Minuten des Kalenders. Lassen Sie beide leer für einen Schweregrad ohne SLA.
admin-sla-ack-minutes = Bestätigen innerhalb (Minuten)
admin-sla-resolve-minutes = Lösen innerhalb (Minuten)
admin-sla-pair = { $severity }: Geben Sie beide Ziele an, Bestätigen ({ $ack }) nicht länger als Lösen ({ $resolve }).
nav-users = Benutzer
admin-edit = Ändern
admin-edit-named = Rolle oder Kunden von { $name } ändern
admin-user-title = Benutzer { $name }
sla-period = Zeitraum
nav-tokens = API-Token
tokens-title = Meine API-Token
tokens-intro = Ein Token handelt in Ihrem Namen aus einem Skript oder einem anderen Werkzeug (Authorization: Bearer …), nur mit den Berechtigungen, die Sie ihm geben, und nie mit mehr, als Ihre Rolle und Kunden zum Zeitpunkt der Nutzung erlauben.
tokens-mine = Ihre Token
tokens-none = Sie haben keine API-Token.
tokens-permissions = Berechtigungen
tokens-all-my-tenants = Alle meine Kunden
tokens-expired = Abgelaufen
tokens-never = Nie
tokens-tenants-help = Nichts angekreuzt: alle Ihre Kunden, so wie sie bei der Nutzung des Tokens sind.
tokens-days = Gültig für (Tage)
tokens-days-help = Leer: bis zum Widerruf.
tokens-back = Zurück zu meinen Token
permission-read_desk = Alarme und Vorfälle lesen
permission-triage_alerts = Alarme bewerten
permission-work_incidents = Vorfälle bearbeiten
permission-comment = kommentieren
permission-manage_suppressions = Unterdrückungen verwalten
permission-manage_sla = SLA-Verträge verwalten
permission-read_users = Benutzer einsehen
permission-manage_users = Benutzer verwalten

nav-reports = Berichte
reports-title = Monatsberichte
reports-kept = Berichte vergangener Monate
reports-none = Es wurde noch kein Bericht erstellt: Der Bericht eines Monats wird am ersten Tag des Folgemonats erstellt.
reports-make = Ein Bericht für einen anderen Monat
reports-download = PDF herunterladen
report-language = Sprache
report-language-default = Die des Kunden
col-month = Monat
col-made = Erstellt
col-download = Herunterladen

# The notification log (/ui/notifications) and the timeline's deliveries.
nav-notifications = Benachrichtigungen
notify-title = Benachrichtigungsprotokoll
notify-platform = (Plattform)
notify-filter-all = Alle
notify-status-pending = Wartend
notify-status-sending = Wird gesendet
notify-status-sent = Gesendet
notify-status-dead = Aufgegeben
notify-event-alert = Alarm
notify-event-sla_warning = SLA-Warnung
notify-event-sla_breach = SLA-Verletzung
notify-event-nis2 = NIS2-Frist
notify-event-question = Frage an den Kunden
notify-event-answer = Antwort des Kunden
notify-event-report = Monatsbericht
notify-event-test = Testnachricht
notify-channel-email = E-Mail
notify-channel-webhook = Webhook
notify-col-event = Ereignis
notify-col-channel = Kanal
notify-col-recipient = Empfänger
notify-col-level = Eskalation
notify-col-attempts = Versuche
notify-col-error = Letzter Fehler
notify-level = Stufe { $level }
notify-level-team = Stufe { $level } · { $team }
notify-retry = Erneut versuchen
notify-retry-label = Benachrichtigung { $id } erneut an { $recipient } senden
notify-none = Keine Benachrichtigung entspricht diesem Filter.
notify-no-dead = Keine aufgegebene Benachrichtigung: Alle wurden zugestellt oder werden noch versucht.
notify-count = { $count ->
    [one] 1 Benachrichtigung, neueste zuerst
   *[other] { $count } Benachrichtigungen, neueste zuerst
}
timeline-notified = hat { $recipient } per { $channel } benachrichtigt: { $event }{ $level ->
    [0] {""}
   *[other] , Eskalationsstufe { $level }
}{ $shared ->
    [yes] {" "}(für den Kunden sichtbar)
   *[no] {""}
}
