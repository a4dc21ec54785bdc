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
incident-nis2 = NIS2-Meldung
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
nis2-due-open = Läuft
nis2-due-overdue = Überfällig
nis2-due-met = Fristgerecht eingereicht
nis2-due-met_late = Verspätet eingereicht
nis2-due-withdrawn = Nicht mehr erforderlich
nis2-due-ask_authority = Frist bei der Behörde erfragen
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
# NIS2 on the incident page and the NIS2 cases page.
nav-nis2 = NIS2
nis2-title = NIS2
nis2-list-title = NIS2-Fälle
nis2-list-intro = Ihre nach NIS2 (Artikel 23) gemeldeten Vorfälle: jede Meldephase mit Frist und Zustand sowie dem Entwurf ihres Berichts.
nis2-list-intro-soc = Alle NIS2-Fälle Ihrer Kunden mit laufenden Fristen, die jüngste Kenntnisnahme zuerst: jede Phase mit Frist und Zustand sowie dem Entwurf ihres Berichts.
nis2-list-none = Bei keinem NIS2-Fall laufen Fristen.
nis2-not-started = Noch kein NIS2-Fall: Bewerten Sie die Erheblichkeit oder erfassen Sie den Zeitpunkt der Kenntnisnahme, um ihn zu eröffnen.
nis2-state = Meldestand
nis2-detected = Erstes Signal
nis2-aware-at = Kenntnisnahme (Brüsseler Zeit)
nis2-not-aware = Noch nicht bestimmt: keine Frist läuft.
nis2-aware-by = { $time }, festgelegt von { $name }: { $reason }
nis2-proposed = Vorschlag der Regel-Engine
nis2-confirmed = Bestätigte Einstufung
nis2-confirmed-by = { $verdict }, von { $name } am { $time }
nis2-trust-service = Vertrauensdienst eines Vertrauensdiensteanbieters betroffen (Meldung binnen 24 Std.)
nis2-report-language = Berichtssprache
nis2-clocks = Meldefristen
nis2-due-at = Frist
nis2-drafts = Berichtsentwürfe
nis2-drafts-help = Jeder Entwurf wird jetzt aus dem Fall erstellt, in der Berichtssprache des Falls, gekennzeichnet als TLP:AMBER; jeder Download wird im Audit-Protokoll vermerkt.
nis2-approvals = Freigaben
nis2-version = Version
nis2-language = Sprache
nis2-approved-by = Freigegeben von
nis2-approval-pending = Freigegeben, wartet auf Einreichung
nis2-approval-stale = Veraltet: Der Bericht hat sich seit der Freigabe geändert; geben Sie ihn erneut frei
nis2-approval-submitted = Eingereicht (Nr. { $id })
nis2-submissions = Einreichungen
nis2-stages = Phasen
nis2-submitted-at = Eingereicht am (Brüsseler Zeit)
nis2-channel = Kanal
nis2-reference = Aktenzeichen der Behörde
nis2-submitted-by = Erfasst von
nis2-lateness-reason = Grund der Verspätung
nis2-no-liability = Die Meldung allein erhöht die Haftung der Einrichtung nicht (NIS2 Art. 23 Abs. 1). vigie schlägt vor; eine namentlich genannte Person entscheidet, und jede Entscheidung wird protokolliert.
nis2-assess-title = Bewertung der Erheblichkeit
nis2-engine-verdict = Einstufung der Regel-Engine nach den erfassten Tatsachen
nis2-precautionary = Unbestimmt: Solange Angaben fehlen, wird eine vorsorgliche Frühwarnung empfohlen.
nis2-missing = Fehlende Angaben:
nis2-findings = Geprüfte Kriterien
nis2-criterion = Kriterium
nis2-criterion-text = Wortlaut
nis2-source = Quelle
nis2-result = Ergebnis
nis2-advisory = empfehlend
nis2-skipped = Nicht angewandte Regelpakete:
nis2-assess-help = „Verursacht oder kann verursachen“: Geben Sie den tatsächlichen Wert an und, wenn er wachsen kann, den erwarteten. Unbekannt ist eine Antwort, nie ein „Nein“.
nis2-fact = Tatsache
nis2-actual = Tatsächlich
nis2-projected = Erwartet
nis2-assess-submit = Tatsachen erfassen und bewerten
nis2-confirm-title = Erheblichkeit bestätigen, verwerfen oder zurückziehen
nis2-verdict = Einstufung
nis2-reason = Begründung
nis2-confirm-help = Die Bestätigung des Vorschlags der Regel-Engine braucht keine Begründung; jede andere Einstufung (oder eine ohne Vorschlag) schon. „Nicht erheblich“ verwirft den Fall.
nis2-confirm-submit = Meine Entscheidung erfassen
nis2-withdraw-help = Erheblichkeit nach Beginn der Meldungen zurückgezogen: Die Fristen enden, und eine Aktualisierung, dass der Vorfall doch nicht erheblich ist, ist fällig.
nis2-withdraw-confirm = Ich bestätige, dass der Vorfall doch nicht erheblich ist
nis2-withdraw-submit = Erheblichkeit zurückziehen
nis2-awareness-title = Zeitpunkt der Kenntnisnahme
nis2-awareness-help = Die Fristen beginnen mit der Kenntnisnahme: nicht vor dem ersten Signal, nicht in der Zukunft; nach einer Einreichung kann sie nur früher werden.
nis2-awareness-submit = Kenntnisnahme festlegen
nis2-record-title = Felder der Berichte
nis2-text-lang = Sprache neuer Texte
nis2-record-header = Kopfzeile
nis2-field-title = Berichtstitel (leer: der des Vorfalls)
nis2-field-reporter = Meldende Person
nis2-field-contact = Kontakt rund um die Uhr (leer: der des Profils)
nis2-field-authority_ref = Aktenzeichen der Behörde
nis2-field-summary = Zusammenfassung: was, wann, welcher Dienst
nis2-field-support_requested = Beim CSIRT angefragte Unterstützung
nis2-field-suspected_malicious = Verdacht auf rechtswidrige oder böswillige Handlung
nis2-field-cross_border = Mögliche grenzüberschreitende Auswirkungen
nis2-field-member_states = Betroffene Mitgliedstaaten
nis2-member-states-help = Zweibuchstabige Codes, durch Kommas getrennt (BE, FR, NL).
nis2-field-affected = Betroffene Dienste und Nutzer, Dauer
nis2-field-recipients = Informierte Empfänger, andere benachrichtigte Behörden
nis2-field-expected_end = Erwartetes Ende der Bearbeitung, nächster Bericht
nis2-field-severity = Schwere der Bedrohung (NIS CG)
nis2-field-impact_severity = Schwere der Auswirkungen (NIS CG)
nis2-field-outlook = Aussicht
nis2-field-root_cause_category = Ursachenkategorie (NIS CG)
nis2-field-iocs = Kompromittierungsindikatoren
nis2-iocs-help = Einer pro Zeile: Art und Wert, optional eine TLP-Kennzeichnung (ip 203.0.113.7 TLP:RED).
nis2-field-mitigations = Abhilfemaßnahmen
nis2-mitigations-help = Eine pro Zeile: applied (umgesetzt), ongoing (laufend) oder planned (geplant), ein Doppelpunkt, die Maßnahme (ongoing: Konten zurückgesetzt).
nis2-field-csirt_answers = Antworten auf die Fragen des CSIRT
nis2-field-detailed_description = Ausführliche Beschreibung
nis2-field-root_cause = Art der Bedrohung oder Grundursache
nis2-field-lessons_learned = Erkenntnisse und Folgemaßnahmen
nis2-field-timeline = Zeitleiste
nis2-timeline-help = Einer pro Zeile: Datum und Brüsseler Uhrzeit, dann was geschah (2026-03-29 10:30 Verschlüsselung erkannt).
nis2-record-help = Das Speichern ersetzt alle Felder der Berichte; frühere Freigaben veralten.
nis2-record-submit = Felder der Berichte speichern
nis2-case-title = Vertrauensdienst, Ende der Bearbeitung, Anfrage des CSIRT
nis2-handled-at = Bearbeitung abgeschlossen am
nis2-requested-at = Zwischenbericht vom CSIRT angefordert am
nis2-request-due-at = Vom CSIRT gesetzte Frist (leer: bei der Behörde erfragen)
nis2-case-help = Das Ende der Bearbeitung entscheidet zwischen Abschluss- und Fortschrittsbericht; eine Anfrage des CSIRT eröffnet einen Zwischenbericht.
nis2-approve-title = Einen Bericht freigeben
nis2-stage = Phase
nis2-approve-help = Sie geben den aktuellen Entwurf der Phase in dieser Sprache und unter dieser Kennzeichnung frei: Sein Inhalt wird durch seinen SHA-256 festgeschrieben. Eine Einreichung braucht die Freigabe jeder ihrer Phasen; jede spätere Änderung des Falls lässt die Freigabe veralten.
nis2-approve-submit = Den Entwurf freigeben
nis2-submit-title = Eine Einreichung erfassen
nis2-submit-help = Eine Einreichung kann mehrere Phasen umfassen (eine Frühwarnung mit der Meldung). Jede muss in dieser Sprache und unter dieser Kennzeichnung freigegeben sein; eine Phase nach Ablauf ihrer Frist braucht den Grund der Verspätung.
nis2-submit-submit = Die Einreichung erfassen
nis2-channel-platform = Plattform der Behörde
nis2-channel-email = E-Mail
nis2-channel-phone = Telefon (schriftliche Nachreichung erforderlich)
nis2-not-given = (nicht angegeben)
nis2-tri-yes = Ja
nis2-tri-no = Nein
nis2-tri-unknown = Unbekannt
nis2-verdict-significant = Erheblich
nis2-verdict-not_significant = Nicht erheblich
nis2-verdict-undetermined = Unbestimmt
nis2-verdict-excluded = Ausgeschlossen (geplante Wartung)
nis2-state-detected = Erkannt
nis2-state-triage = In Bewertung
nis2-state-not_significant = Nicht erheblich
nis2-state-undetermined = Unbestimmt
nis2-state-significant = Erheblich, Kenntnisnahme festzulegen
nis2-state-awareness_set = Kenntnisnahme festgelegt, Fristen laufen
nis2-state-early_warning_sent = Frühwarnung eingereicht
nis2-state-notification_sent = Meldung eingereicht
nis2-state-intermediate_requested = Zwischenbericht angefordert
nis2-state-progress_sent = Fortschrittsbericht eingereicht
nis2-state-final_sent = Abschlussbericht eingereicht
nis2-state-closed = Abgeschlossen
nis2-state-downgraded = Erheblichkeit zurückgezogen
nis2-refused = Nicht gespeichert. { $field }: { $detail }
nis2-bad-line = { $field }, Zeile { $line }: „{ $value }“ ist nicht lesbar.
nis2-fact-severe_disruption_or_financial_loss = Schwerwiegende Betriebsstörung oder finanzieller Verlust, verursacht oder möglich
nis2-fact-considerable_damage_to_others = Erheblicher Schaden für andere Personen, verursacht oder möglich
nis2-fact-severe_disruption_possible = Kann eine schwerwiegende Betriebsstörung verursachen
nis2-fact-financial_loss_eur = Unmittelbarer finanzieller Verlust (EUR)
nis2-fact-turnover_eur = Jahresumsatz des vorigen Geschäftsjahres (EUR)
nis2-fact-trade_secret_exfiltration = Geschäftsgeheimnisse abgeflossen oder möglicherweise abgeflossen
nis2-fact-deaths = Todesfälle, verursacht oder möglich
nis2-fact-health_damage = Erhebliche Schädigung der Gesundheit einer Person
nis2-fact-unauthorised_access_success = Erfolgreicher unbefugter Zugriff auf Netz- und Informationssysteme
nis2-fact-suspected_malicious = Verdacht auf rechtswidrige oder böswillige Handlung
nis2-fact-recurring_incidents_6_months = Vorfälle mit derselben offensichtlichen Ursache binnen 6 Monaten
nis2-fact-recurring_same_root_cause = Diese Vorfälle haben dieselbe offensichtliche Ursache
nis2-fact-recurring_financial_loss_eur = Ihr gemeinsamer unmittelbarer finanzieller Verlust (EUR)
nis2-fact-outage_full_minutes = Minuten vollständiger Nichtverfügbarkeit des Dienstes
nis2-fact-degraded_minutes = Minuten eingeschränkten Dienstes
nis2-fact-dns_avg_response_ms = Mittlere DNS-Antwortzeit (ms)
nis2-fact-users_total = Nutzer des Dienstes in der EU
nis2-fact-users_affected = Betroffene Nutzer (höchste plausible Schätzung)
nis2-fact-data_compromise = Integrität, Vertraulichkeit oder Authentizität von Daten beeinträchtigt
nis2-fact-data_compromise_users = Nutzer, deren Daten beeinträchtigt wurden
nis2-fact-physical_access_compromised = Physischer Zugang zu Sperrbereichen beeinträchtigt
nis2-fact-weekly_unavailability_minutes = Minuten Nichtverfügbarkeit in der Kalenderwoche (Vertrauensdienste)
nis2-fact-scheduled_maintenance_explains_all = Der Ausfall ist vollständig eine geplante Wartung
