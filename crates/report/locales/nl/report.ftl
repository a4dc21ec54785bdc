# Maandelijks klantrapport: Nederlands.
# Dezelfde ids in de vier talen (een test controleert dat). Getelde berichten krijgen `$count`
# (het getal, kiest het meervoud) en `$n` (hetzelfde getal, opgemaakt).

## Titelpagina en paginarand

report-title = Maandelijks beveiligingsrapport
prepared-for = Opgesteld voor
prepared-by = Opgesteld door
period = Periode
generated-on = Aangemaakt op
classification = Classificatie
page = pagina
times-in = Alle tijden in { $tz }.
tlp-meaning-clear = Verspreiding is niet beperkt.
tlp-meaning-green = Beperkte verspreiding: de gemeenschap van de ontvanger, niet publiceren.
tlp-meaning-amber = Beperkte verspreiding: de organisatie van de ontvanger en haar klanten, op need-to-knowbasis.
tlp-meaning-amber_strict = Beperkte verspreiding: enkel de organisatie van de ontvanger.
tlp-meaning-red = Uitsluitend voor de genoemde ontvangers.

## Datums en duur

month-1 = januari
month-2 = februari
month-3 = maart
month-4 = april
month-5 = mei
month-6 = juni
month-7 = juli
month-8 = augustus
month-9 = september
month-10 = oktober
month-11 = november
month-12 = december
month-year = { $month } { $year }
date-long = { $day } { $month } { $year }
date-range = van { $first } tot { $last }
week-label = W{ $week }
duration-m = { $m } min
duration-hm = { $h } u { $m } min
duration-dh = { $d } d { $h } u

## Samenvatting

summary = Samenvatting voor het management
key-figures = Kerncijfers
summary-period-month = In { $month }
summary-period-range = Van { $first } tot { $last }
summary-alerts = { $count ->
    [0] { $period } werden geen meldingen gegenereerd.
    [one] { $period } werd één melding gegenereerd.
   *[other] { $period } werden { $n } meldingen gegenereerd.
}
summary-alerts-severity = Per ernst: kritiek { $critical }, hoog { $high }, gemiddeld { $medium }, laag { $low }, informatief { $info }.
summary-incidents = { $count ->
    [0] Er werd geen incident geopend.
    [one] Er werd één incident geopend ({ $critical }).
   *[other] Er werden { $n } incidenten geopend ({ $critical }).
}
summary-incidents-critical = { $count ->
    [0] geen kritiek
    [one] waarvan één kritiek
   *[other] waarvan { $n } kritiek
}
summary-ack-met-critical = { $count ->
    [one] Het kritieke incident werd binnen de contractuele { $target } in behandeling genomen.
   *[other] Alle { $n } kritieke incidenten werden binnen de contractuele { $target } in behandeling genomen.
}
summary-ack-met-high = { $count ->
    [one] Het incident met hoge ernst werd binnen de contractuele { $target } in behandeling genomen.
   *[other] Alle { $n } incidenten met hoge ernst werden binnen de contractuele { $target } in behandeling genomen.
}
summary-ack-missed-critical = { $count ->
    [one] Het kritieke incident werd later dan de contractuele { $target } in behandeling genomen.
   *[other] { $late } van de { $n } kritieke incidenten werden later dan de contractuele { $target } in behandeling genomen.
}
summary-ack-missed-high = { $count ->
    [one] Het incident met hoge ernst werd later dan de contractuele { $target } in behandeling genomen.
   *[other] { $late } van de { $n } incidenten met hoge ernst werden later dan de contractuele { $target } in behandeling genomen.
}
summary-mtta = Gemiddeld werden incidenten binnen { $mtta } in behandeling genomen.
summary-mttr = Gemiddeld werden incidenten binnen { $mttr } opgelost.
summary-breaches = { $count ->
    [0] Er werd geen contractuele doelstelling gemist.
    [one] Er werd één contractuele doelstelling gemist.
   *[other] Er werden { $n } contractuele doelstellingen gemist.
}
summary-top-rule = De vaakst voorkomende detectie was “{ $rule }” ({ $n }).
summary-top-tactic = De vaakst voorkomende MITRE ATT&CK-tactiek was { $tactic }.
summary-nis2-significant = { $count ->
    [0] Geen enkel incident was significant in de zin van NIS2.
    [one] Eén incident was significant in de zin van NIS2.
   *[other] { $n } incidenten waren significant in de zin van NIS2.
}
summary-nis2-late = { $count ->
    [0] Alle NIS2-meldingstermijnen werden gehaald of lopen nog.
    [one] Eén NIS2-meldingstermijn werd niet gehaald.
   *[other] { $n } NIS2-meldingstermijnen werden niet gehaald.
}
summary-ingest = { $count ->
    [0] Er werden geen gebeurtenissen ontvangen.
    [one] Eén logbron stuurde { $events } gebeurtenissen.
   *[other] { $n } logbronnen stuurden { $events } gebeurtenissen.
}
summary-gaps = { $count ->
    [0] Geen enkele logbron viel stil.
    [one] Eén logbron viel stil: { $list }.
   *[other] Logbronnen vielen { $n } keer stil: { $list }.
}
gap-item = { $source } (van { $from } tot { $to })
kf-alerts = Meldingen
kf-incidents = Geopende incidenten
kf-critical = Kritieke incidenten
kf-mtta = Gemiddelde reactietijd
kf-mttr = Gemiddelde oplostijd
kf-breaches = Gemiste doelstellingen
kf-nis2 = Significante NIS2-incidenten
kf-events = Ontvangen gebeurtenissen
kf-gaps = Onderbrekingen van bronnen

## Grafieken

alerts-per-week = Meldingen per week en ernst
incidents-per-week = Geopende incidenten per week en ernst
no-alerts = Geen meldingen deze maand.
no-incidents = Geen incidenten deze maand.
detections = Detecties
top-rules = Vaakst voorkomende detectieregels
top-tactics = Vaakst voorkomende MITRE ATT&CK-tactieken
top-hosts = Meest betrokken hosts
top-users = Meest betrokken gebruikers
no-data = Geen deze maand.
sources = Logbronnen
ingest-per-day = Ontvangen gebeurtenissen per dag en brontype
ingest-scale = Elke rij heeft een eigen schaal: de hoogste balk is de drukste dag van de bron.
gap-legend = onderbreking
no-ingest = Deze maand werden geen gebeurtenissen ontvangen.
gaps = Onderbrekingen
no-gaps = Geen onderbreking vastgesteld.

## Ernst, statussen

severity-critical = kritiek
severity-high = hoog
severity-medium = gemiddeld
severity-low = laag
severity-informational = informatief
status-new = nieuw
status-acknowledged = in behandeling genomen
status-in_progress = in behandeling
status-on_hold = in wacht
status-resolved = opgelost
status-closed = afgesloten

## Tabellen

sla = Reactietijden en contractuele doelstellingen
sla-note = Gemiddelden over de incidenten van de maand; doelstellingen zoals in het contract vastgelegd.
sla-all = Alle ernstniveaus
no-target = geen doelstelling
col-severity = Ernst
col-incidents = Incidenten
col-mtta = Gemiddelde reactietijd
col-ack-target = Doel
col-mttr = Gemiddelde oplostijd
col-resolve-target = Doel
col-breaches = Gemiste doelen
col-number = Nr.
col-title = Titel
col-status = Status
col-rsit = RSIT-klasse
col-tlp = TLP
col-opened = Geopend
col-closed = Afgesloten
col-early-warning = Vroegtijdige waarschuwing (24 u)
col-notification = Melding (72 u)
col-final-report = Eindverslag (1 maand)
col-source = Brontype
col-from = Van
col-to = Tot
col-days = Dagen
yes = ja
no = nee
not-due = niet vereist

## NIS2

nis2-case-line = Significant: { $significant } · Stadium: { $stage }
nis2 = NIS2-meldingen
nis2-note = Artikel 23 van de NIS2-richtlijn: vroegtijdige waarschuwing binnen 24 uur en incidentmelding binnen 72 uur nadat men kennis kreeg van een significant incident, eindverslag een maand na de melding.
no-nis2 = Geen NIS2-dossier deze maand.
stage-detected = gedetecteerd
stage-triage = in beoordeling
stage-not_significant = niet significant
stage-undetermined = onbepaald
stage-significant = significant
stage-awareness_set = termijnen lopen
stage-early_warning_sent = vroegtijdige waarschuwing verstuurd
stage-notification_sent = melding verstuurd
stage-intermediate_requested = tussentijds verslag gevraagd
stage-progress_sent = voortgangsverslag verstuurd
stage-final_sent = eindverslag verstuurd
stage-closed = afgesloten
deadline-met = gehaald
deadline-open = lopend
deadline-late = te laat
submitted = verstuurd op { $at }

## Incidentenlijst

incidents = Incidentenlijst
no-incident-list = Geen incident deze maand.
