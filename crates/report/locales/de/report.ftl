# Monatlicher Kundenbericht: Deutsch.
# Dieselben IDs in allen vier Sprachen (ein Test prüft das). Gezählte Meldungen erhalten
# `$count` (die Zahl, wählt den Plural) und `$n` (dieselbe Zahl, formatiert).

## Titelseite und Kopf-/Fußzeilen

report-title = Monatlicher Sicherheitsbericht
prepared-for = Erstellt für
prepared-by = Erstellt von
period = Zeitraum
generated-on = Erstellt am
classification = Einstufung
page = Seite
times-in = Alle Zeiten in { $tz }.
tlp-meaning-clear = Die Weitergabe ist nicht eingeschränkt.
tlp-meaning-green = Eingeschränkte Weitergabe: die Community des Empfängers, keine Veröffentlichung.
tlp-meaning-amber = Eingeschränkte Weitergabe: die Organisation des Empfängers und deren Kunden, nach Kenntnis nur wenn nötig.
tlp-meaning-amber_strict = Eingeschränkte Weitergabe: nur die Organisation des Empfängers.
tlp-meaning-red = Nur für die namentlich genannten Empfänger.

## Daten und Dauern

month-1 = Januar
month-2 = Februar
month-3 = März
month-4 = April
month-5 = Mai
month-6 = Juni
month-7 = Juli
month-8 = August
month-9 = September
month-10 = Oktober
month-11 = November
month-12 = Dezember
month-year = { $month } { $year }
date-long = { $day }. { $month } { $year }
date-range = { $first } bis { $last }
week-label = KW { $week }
duration-m = { $m } Min.
duration-hm = { $h } Std. { $m } Min.
duration-dh = { $d } T. { $h } Std.

## Zusammenfassung

summary = Zusammenfassung für die Leitung
key-figures = Kennzahlen
summary-period-month = Im { $month }
summary-period-range = Vom { $first } bis { $last }
summary-alerts = { $count ->
    [0] { $period } wurden keine Alarme ausgelöst.
    [one] { $period } wurde ein Alarm ausgelöst.
   *[other] { $period } wurden { $n } Alarme ausgelöst.
}
summary-alerts-severity = Nach Schweregrad: kritisch { $critical }, hoch { $high }, mittel { $medium }, niedrig { $low }, informativ { $info }.
summary-incidents = { $count ->
    [0] Es wurde kein Vorfall eröffnet.
    [one] Ein Vorfall wurde eröffnet ({ $critical }).
   *[other] { $n } Vorfälle wurden eröffnet ({ $critical }).
}
summary-incidents-critical = { $count ->
    [0] keiner kritisch
    [one] davon einer kritisch
   *[other] davon { $n } kritisch
}
summary-ack-met-critical = { $count ->
    [one] Der kritische Vorfall wurde innerhalb der vertraglichen { $target } angenommen.
   *[other] Alle { $n } kritischen Vorfälle wurden innerhalb der vertraglichen { $target } angenommen.
}
summary-ack-met-high = { $count ->
    [one] Der Vorfall mit hohem Schweregrad wurde innerhalb der vertraglichen { $target } angenommen.
   *[other] Alle { $n } Vorfälle mit hohem Schweregrad wurden innerhalb der vertraglichen { $target } angenommen.
}
summary-ack-missed-critical = { $count ->
    [one] Der kritische Vorfall wurde später als nach den vertraglichen { $target } angenommen.
   *[other] { $late } der { $n } kritischen Vorfälle wurden später als nach den vertraglichen { $target } angenommen.
}
summary-ack-missed-high = { $count ->
    [one] Der Vorfall mit hohem Schweregrad wurde später als nach den vertraglichen { $target } angenommen.
   *[other] { $late } der { $n } Vorfälle mit hohem Schweregrad wurden später als nach den vertraglichen { $target } angenommen.
}
summary-mtta = Im Durchschnitt wurden Vorfälle innerhalb von { $mtta } angenommen.
summary-mttr = Im Durchschnitt wurden Vorfälle innerhalb von { $mttr } gelöst.
summary-breaches = { $count ->
    [0] Kein vertragliches Ziel wurde verfehlt.
    [one] Ein vertragliches Ziel wurde verfehlt.
   *[other] { $n } vertragliche Ziele wurden verfehlt.
}
summary-top-rule = Die häufigste Erkennung war „{ $rule }“ ({ $n }).
summary-top-tactic = Die häufigste MITRE-ATT&CK-Taktik war { $tactic }.
summary-nis2-significant = { $count ->
    [0] Kein Vorfall war im Sinne von NIS2 erheblich.
    [one] Ein Vorfall war im Sinne von NIS2 erheblich.
   *[other] { $n } Vorfälle waren im Sinne von NIS2 erheblich.
}
summary-nis2-late = { $count ->
    [0] Alle NIS2-Meldefristen wurden eingehalten oder laufen noch.
    [one] Eine NIS2-Meldefrist wurde versäumt.
   *[other] { $n } NIS2-Meldefristen wurden versäumt.
}
summary-ingest = { $count ->
    [0] Es wurden keine Ereignisse empfangen.
    [one] Eine Protokollquelle sandte { $events } Ereignisse.
   *[other] { $n } Protokollquellen sandten { $events } Ereignisse.
}
summary-gaps = { $count ->
    [0] Keine Protokollquelle ist ausgefallen.
    [one] Eine Protokollquelle ist ausgefallen: { $list }.
   *[other] Protokollquellen sind { $n }-mal ausgefallen: { $list }.
}
gap-item = { $source } ({ $from } bis { $to })
kf-alerts = Alarme
kf-incidents = Eröffnete Vorfälle
kf-critical = Kritische Vorfälle
kf-mtta = Mittlere Reaktionszeit
kf-mttr = Mittlere Lösungszeit
kf-breaches = Verfehlte Vertragsziele
kf-nis2 = Erhebliche NIS2-Vorfälle
kf-events = Empfangene Ereignisse
kf-gaps = Ausfälle von Quellen

## Diagramme

alerts-per-week = Alarme pro Woche und Schweregrad
incidents-per-week = Eröffnete Vorfälle pro Woche und Schweregrad
no-alerts = Keine Alarme in diesem Monat.
no-incidents = Keine Vorfälle in diesem Monat.
detections = Erkennungen
top-rules = Häufigste Erkennungsregeln
top-tactics = Häufigste MITRE-ATT&CK-Taktiken
top-hosts = Am stärksten betroffene Hosts
top-users = Am stärksten betroffene Benutzer
no-data = Keine in diesem Monat.
sources = Protokollquellen
ingest-per-day = Empfangene Ereignisse pro Tag und Quelltyp
ingest-scale = Jede Zeile hat ihren eigenen Maßstab: der höchste Balken ist der stärkste Tag der Quelle.
gap-legend = Ausfall
no-ingest = In diesem Monat wurden keine Ereignisse empfangen.
gaps = Ausfälle
no-gaps = Kein Ausfall festgestellt.

## Schweregrade, Status

severity-critical = kritisch
severity-high = hoch
severity-medium = mittel
severity-low = niedrig
severity-informational = informativ
status-new = neu
status-acknowledged = angenommen
status-in_progress = in Bearbeitung
status-on_hold = wartend
status-resolved = gelöst
status-closed = geschlossen

## Tabellen

sla = Reaktionszeiten und Vertragsziele
sla-note = Mittelwerte über die Vorfälle des Monats; Ziele wie im Vertrag vereinbart.
sla-all = Alle Schweregrade
no-target = kein Ziel
col-severity = Schweregrad
col-incidents = Vorfälle
col-mtta = Mittlere Reaktionszeit
col-ack-target = Ziel
col-mttr = Mittlere Lösungszeit
col-resolve-target = Ziel
col-breaches = Verfehlte Ziele
col-number = Nr.
col-title = Titel
col-status = Status
col-rsit = RSIT-Klasse
col-tlp = TLP
col-opened = Eröffnet
col-closed = Geschlossen
col-early-warning = Frühwarnung (24 Std.)
col-notification = Meldung (72 Std.)
col-final-report = Abschlussbericht (1 Monat)
col-source = Quelltyp
col-from = Von
col-to = Bis
col-days = Tage
yes = ja
no = nein
not-due = nicht verlangt

## NIS2

nis2-case-line = Erheblich: { $significant } · Stand: { $stage }
nis2 = NIS2-Meldungen
nis2-note = Artikel 23 der NIS2-Richtlinie: Frühwarnung innerhalb von 24 Stunden und Meldung innerhalb von 72 Stunden, nachdem ein erheblicher Sicherheitsvorfall bekannt wurde, Abschlussbericht einen Monat nach der Meldung.
no-nis2 = Kein NIS2-Fall in diesem Monat.
stage-detected = erkannt
stage-triage = in Bewertung
stage-not_significant = nicht erheblich
stage-undetermined = unbestimmt
stage-significant = erheblich
stage-awareness_set = Fristen laufen
stage-early_warning_sent = Frühwarnung gesendet
stage-notification_sent = Meldung gesendet
stage-intermediate_requested = Zwischenbericht angefordert
stage-progress_sent = Fortschrittsbericht gesendet
stage-final_sent = Abschlussbericht gesendet
stage-closed = geschlossen
deadline-met = eingehalten
deadline-open = offen
deadline-late = verspätet
submitted = gesendet am { $at }

## Vorfallliste

incidents = Liste der Vorfälle
no-incident-list = Kein Vorfall in diesem Monat.
