# vigie-webapplicatie — Nederlands.
# Elke taal heeft precies dezelfde bericht-id's (gecontroleerd door een test).

app-name = vigie
skip-to-content = Naar de inhoud
nav-label = Hoofdnavigatie
nav-dashboard = Overzicht
nav-alerts = Meldingenwachtrij
nav-incidents = Incidenten
nav-detection = Detectie
nav-admin = Beheer
nav-my-incidents = Mijn incidenten
nav-sla = Serviceniveaus
language-switch = Taal
logout = Afmelden
back-home = Terug naar de startpagina
next-page = Volgende pagina
save = Opslaan
unchanged = (ongewijzigd)
filters = Filters
filter-apply = Toepassen
filter-all-tenants = Alle klanten
filter-any-severity = Elke ernst
filter-any-status = Elke status
filter-open = Open
filter-min-severity = Minimale ernst
filter-rule = Regel-id
all-tenants = Alle klanten

# Datums: strftime-patroon, Europe/Brussels, met de UTC-verschuiving.
datetime-pattern = %d-%m-%Y %H:%M (UTC%:z)
duration-hm = { $h } u { $m } min
duration-dhm = { $d } d { $h } u { $m } min

role-platform_admin = platformbeheerder
role-soc_lead = SOC-verantwoordelijke
role-analyst = analist
role-detection_engineer = detectie-engineer
role-tenant_admin = beheerder bij de klant
role-tenant_user = contactpersoon bij de klant

severity-informational = Informatief
severity-low = Laag
severity-medium = Gemiddeld
severity-high = Hoog
severity-critical = Kritiek

alert-status-new = Nieuw
alert-status-acknowledged = Bevestigd
alert-status-escalated = Geëscaleerd
alert-status-false_positive = Vals positief
alert-status-suppressed = Onderdrukt

incident-status-new = Nieuw
incident-status-acknowledged = Bevestigd
incident-status-in_progress = In behandeling
incident-status-on_hold = In wacht
incident-status-resolved = Opgelost
incident-status-closed = Afgesloten

login-title = Aanmelden
login-username = Gebruikersnaam
login-password = Wachtwoord
login-submit = Aanmelden
login-invalid = Ongeldige gebruikersnaam of ongeldig wachtwoord.
login-username-too-long = De gebruikersnaam is { $bytes } bytes lang; hoogstens { $max } zijn toegestaan.
login-username-control = De gebruikersnaam mag geen controletekens bevatten.
login-password-too-long = Het wachtwoord is { $bytes } bytes lang; hoogstens { $max } zijn toegestaan.
login-throttled = Te veel pogingen. Probeer het opnieuw over { $seconds ->
    [one] één seconde
   *[other] { $seconds } seconden
}.

error-title = Er ging iets mis
error-not-found-title = Niet gevonden
error-forbidden-title = Niet toegestaan
error-bad-request-title = Ongeldige aanvraag
error-not-found = Deze pagina bestaat niet of is niet voor u bestemd.
error-internal = Er trad een interne fout op; ze werd gelogd.
error-csrf = Het formulier is verlopen of komt niet van deze site. Laad de pagina opnieuw en probeer het nog eens.
error-no-alert = Er is geen melding { $id } bij uw klanten.
error-no-incident = Er is geen incident { $id } bij uw klanten.
error-no-tenant = Er is geen klant „{ $tenant }” binnen uw bereik.
error-unknown-action = Onbekende actie.
error-unknown-language = Onbekende taal „{ $tag }”: kies FR, NL, DE of EN.
error-bad-incident-number = „{ $value }” is geen incidentnummer.
error-bad-field = Ongeldige waarde „{ $value }” voor { $field }.

col-tenant = Klant
col-severity = Ernst
col-status = Status
col-time = Tijdstip
col-rule = Regel
col-count = Aantal
col-select = Selectie
col-incident = Incident
col-incidents = Incidenten
col-title = Titel
col-tlp = TLP
col-rsit = Classificatie (RSIT)
col-assignee = Behandelaar
col-created = Aangemaakt
col-sla-clock = SLA-termijn
col-target = Doel
col-used = Verstreken
col-time-left = Resterende tijd
col-field = Veld
col-value = Waarde
col-nis2-stage = NIS2-fase
col-nis2-state = Toestand
col-mtta = Gemiddelde tijd tot bevestiging
col-mttr = Gemiddelde tijd tot oplossing
col-ack-breaches = Overschrijdingen (bevestiging)
col-resolve-breaches = Overschrijdingen (oplossing)
col-file = Bestand
col-load-status = Laadstatus
col-acknowledged = Bevestigd
col-escalated = Geëscaleerd
col-false-positives = Vals positieven
col-fp-rate = Aandeel vals positieven
col-reason = Reden
col-expires = Vervalt
col-hits = Treffers
col-slug = Korte naam
col-name = Naam
col-username = Gebruiker
col-role = Rol
col-tenants = Klanten
col-state = Toestand
col-label = Omschrijving
col-owner = Eigenaar
col-kind = Soort
col-source-type = Brontype

dashboard-title = Overzicht
dashboard-open-incidents = Open incidenten per klant en ernst
dashboard-none-open = Geen open incidenten.
dashboard-sla-at-risk = SLA in gevaar
dashboard-sla-none = Geen enkele SLA-termijn is in gevaar.

alerts-title = Meldingenwachtrij
alerts-count = { $count ->
    [one] 1 melding
   *[other] { $count } meldingen
}
alerts-none = Geen meldingen voor deze filters.
alerts-select = Melding „{ $title }” selecteren
alerts-acknowledge-selected = Selectie bevestigen

alert-title = Melding: { $title }
alert-first-seen = Eerst gezien
alert-last-seen = Laatst gezien
alert-event-id = Gebeurtenis-id
alert-status-reason = Reden
alert-rule = Regel
alert-why = Waarom de regel afging
alert-why-unavailable = De geladen regelset is niet beschikbaar voor deze pagina; de regel-id hierboven noemt de regel die afging.
alert-why-rule-gone = Deze regel is niet meer geladen.
alert-why-route = De gebeurtenis werd gelezen als { $kind }; de regel liep erop via { $route }.
alert-why-held = voldaan
alert-why-not-held = niet voldaan
alert-triage = Triage
alert-acknowledge = Bevestigen
alert-escalate-into = Nummer van een bestaand incident (leeg: nieuw incident)
alert-escalate = Escaleren naar een incident
alert-fp-reason = Reden
alert-false-positive = Afsluiten als vals positief
alert-event-fields = Velden van de gebeurtenis
alert-behind = Gebeurtenissen achter deze melding
alert-behind-none = Geen van deze gebeurtenissen staat nog in de gebeurtenisopslag (bewaartermijn), of ze werden niet geïndexeerd.
alert-behind-missing = { $count } van haar gebeurtenissen staan niet meer in de gebeurtenisopslag (bewaartermijn).
alert-behind-hunt = Open ze op de zoekpagina
col-host = Host
col-details = Details

incidents-title = Incidenten
portal-incidents-title = Uw incidenten
incidents-count = { $count ->
    [one] 1 incident
   *[other] { $count } incidenten
}
incidents-none = Geen incidenten voor deze filters.
incident-title = Incident nr. { $id }: { $title }
incident-merged-into = Samengevoegd met
incident-sla = Serviceniveau
incident-sla-none = Op dit incident is geen SLA-contract van toepassing.
incident-nis2 = NIS2-termijnen
incident-change = Incident wijzigen
incident-observables = Observables
incident-tasks = Taken
incident-comments = Opmerkingen
incident-timeline = Tijdlijn
rsit-none = Niet geclassificeerd
assignee-none = Niemand
assignee-me = { $name } (ik)
comment-label = Opmerking
portal-answer-label = Uw antwoord of opmerking
comment-submit = Versturen
comment-internal = Interne notitie (alleen SOC)
comment-shared = Gedeeld met de klant
comment-question-open = Vraag aan de klant, wacht op antwoord
comment-question-answered = Vraag aan de klant, beantwoord
comment-answer = Antwoord
comment-kind = Wie leest het
comment-kind-internal = Interne notitie: alleen het SOC
comment-kind-shared = Gedeeld met de klant
comment-kind-question = Vraag aan de klant
comment-answer-label = Uw antwoord
comment-answer-submit = Antwoord versturen
questions-open = Vragen van het SOC die op uw antwoord wachten

sla-kind-acknowledge = Bevestiging
sla-kind-resolve = Oplossing
sla-left = nog { $left }
sla-overdue = { $late } te laat
sla-paused = Gepauzeerd (in wacht)
sla-met = Gehaald
sla-met-late = Te laat gehaald
sla-at-risk = In gevaar
sla-title = Serviceniveaus
sla-since = Incidenten geopend sinds { $since }.
sla-no-figures = Geen incidenten in deze periode.

nis2-stage-early_warning = Vroegtijdige waarschuwing (24 u)
nis2-stage-incident_notification = Incidentmelding (72 u)
nis2-stage-intermediate_report = Tussentijds verslag
nis2-stage-final_report = Eindverslag (één maand)
nis2-stage-progress_report = Voortgangsverslag
nis2-stage-voluntary = Vrijwillige melding
nis2-due-open = Open
nis2-due-overdue = Te laat
nis2-due-met = Tijdig ingediend
nis2-due-met_late = Te laat ingediend
nis2-due-withdrawn = Niet langer vereist
nis2-due-ask_authority = Vraag de overheid om een datum
nis2-due-other = Onbekend
nis2-reminders = { $count ->
    [one] Eén herinnering verstuurd
   *[other] { $count } herinneringen verstuurd
} (laatste: { $stage }, { $time })

timeline-created = opende het incident
timeline-alert_linked = koppelde een melding
timeline-comment = plaatste een opmerking
timeline-merged = voegde een ander incident hierin samen
timeline-merged_into = voegde dit incident samen met een ander
timeline-task = voegde een taak toe
timeline-task_done = wijzigde een taak
timeline-split = verplaatste meldingen naar een nieuw incident
timeline-title = wijzigde de titel
timeline-status = wijzigde de status
timeline-severity = wijzigde de ernst
timeline-assignee = wijzigde de behandelaar
timeline-rsit = wijzigde de classificatie
timeline-tlp = wijzigde het TLP-label
timeline-other = { $kind }

detection-title = Detectieregels
rules-summary = { $loaded ->
    [one] 1 regel geladen
   *[other] { $loaded } regels geladen
}, { $rejected ->
    [one] 1 geweigerd
   *[other] { $rejected } geweigerd
}.
rule-loaded = Geladen
rule-rejected = Geweigerd
suppressions-title = Onderdrukkingen
suppressions-none = Geen onderdrukkingen.

admin-title = Beheer
admin-tenants = Klanten
admin-users = Gebruikers
admin-tokens = Tokens
user-enabled = Actief
user-disabled = Uitgeschakeld
token-active = Actief
token-revoked = Ingetrokken

nav-hunt = Zoeken
col-actions = Acties
col-group-key = Groeperingssleutel

# Grafieken. Data op een dagas: strftime-patroon zonder jaar.
chart-day-pattern = %d-%m
chart-other = Overige
chart-no-data = Geen gegevens in deze periode.
chart-figures = Cijfers
dashboard-alerts-per-hour = Meldingen per uur
dashboard-alerts-per-hour-desc = { $count ->
    [one] Eén melding
   *[other] { $count } meldingen
} in de afgelopen 24 uur, per uur.

views-title = Opgeslagen weergaven
views-none = Nog geen opgeslagen weergaven. Kies filters, geef ze een naam en sla ze hier op.
views-name = Naam van deze weergave
views-save = Weergave opslaan
views-delete = Verwijderen
views-delete-named = De weergave ‘{ $name }’ verwijderen

hunt-title = Dreigingsjacht
hunt-query = Zoekopdracht
hunt-help = Voorbeeld: EventID:4625 AND user.name:adm* | timechart span=1h count() by @tenant. Tijd: RFC 3339, een datum, of -24h / -7d.
hunt-from = Van
hunt-to = Tot
hunt-run = Uitvoeren
hunt-no-store = De gebeurtenisopslag is op deze server niet ingeschakeld: er valt niets te doorzoeken.
hunt-bad-query = Ongeldige zoekopdracht: { $error }
hunt-summary = { $rows ->
    [one] 1 rij
   *[other] { $rows } rijen
} ({ $matched ->
    [one] 1 overeenkomende gebeurtenis
   *[other] { $matched } overeenkomende gebeurtenissen
}).
hunt-truncated = Alleen de eerste { $max } rijen worden getoond; verfijn de zoekopdracht of de periode.
hunt-chart = Tijdlijngrafiek
hunt-chart-desc = Overeenkomende gebeurtenissen per { $span }.
hunt-results = Resultaten
hunt-none = Geen overeenkomende gebeurtenissen.
span-days = { $n ->
    [one] dag
   *[other] { $n } dagen
}
span-hours = { $n ->
    [one] uur
   *[other] { $n } uur
}
span-minutes = { $n ->
    [one] minuut
   *[other] { $n } minuten
}
span-seconds = { $n ->
    [one] seconde
   *[other] { $n } seconden
}

suppression-new = Nieuwe onderdrukking
suppression-days = Geldig gedurende (dagen)
suppression-group-help = Leeg: alle meldingen van de regel voor deze klant.
suppression-end = Nu beëindigen
suppression-end-named = De onderdrukking van { $rule } voor { $tenant } beëindigen
suppression-ended = Beëindigd

admin-create = Aanmaken
admin-back = Terug naar beheer
admin-new-tenant = Nieuwe klant
admin-slug-help = Korte naam: 2 tot 63 kleine letters, cijfers of koppeltekens, gebruikt in adressen en op de opdrachtregel.
admin-new-user = Nieuwe gebruiker
admin-password-help = Minstens 12 tekens.
admin-tenants-help = Een platformbeheerder heeft er geen (alle klanten); een klantrol precies één; de andere rollen minstens één.
admin-enable = Activeren
admin-disable = Deactiveren
admin-enable-named = { $name } activeren
admin-disable-named = { $name } deactiveren
admin-new-token = Nieuw token
admin-token-source-type-help = Alleen ingest-tokens: elke gebeurtenis die met dit token wordt verzonden, heeft dit brontype (bv. linux.auditd).
admin-token-platform = Platform (alle klanten)
admin-revoke = Intrekken
admin-revoke-named = Het token ‘{ $label }’ intrekken
admin-token-created = Token nr. { $id } ‘{ $label }’ aangemaakt.
admin-token-secret = Geheim
admin-token-once = Kopieer het nu: het wordt maar één keer getoond en kan niet worden teruggehaald. Alleen de vingerafdruk wordt bewaard.
token-kind-ingest = gebeurtenissen verzenden
token-kind-read = lezen
token-kind-admin = beheren
error-not-platform = Alleen een platformbeheerder die alle klanten ziet, mag dit doen.
admin-sla-contract = SLA-contract
admin-sla-none = Geen
admin-sla-summary = { $calendar }, { $targets ->
    [one] 1 ernst met doelen
   *[other] { $targets } ernstniveaus met doelen
}
admin-sla-edit = Het contract van { $tenant } wijzigen
admin-sla-title = SLA-contract van { $tenant }
admin-sla-calendar = Kalender
calendar-always = Dag en nacht (24x7)
calendar-business = Kantooruren (ma–vr 08:00–18:00, Belgische feestdagen vrij)
admin-sla-warn = Risico na
admin-sla-help = Doelen in minuten van de kalender. Laat beide leeg voor een ernst zonder SLA.
admin-sla-ack-minutes = Bevestigen binnen (minuten)
admin-sla-resolve-minutes = Oplossen binnen (minuten)
admin-sla-pair = { $severity }: geef beide doelen, bevestigen ({ $ack }) niet langer dan oplossen ({ $resolve }).
nav-users = Gebruikers
admin-edit = Wijzigen
admin-edit-named = De rol of klanten van { $name } wijzigen
admin-user-title = Gebruiker { $name }
sla-period = Periode
nav-tokens = API-tokens
tokens-title = Mijn API-tokens
tokens-intro = Een token handelt namens u vanuit een script of een ander hulpmiddel (Authorization: Bearer …), met alleen de rechten die u het geeft, en nooit meer dan uw rol en klanten toestaan op het moment van gebruik.
tokens-mine = Uw tokens
tokens-none = U hebt geen API-tokens.
tokens-permissions = Rechten
tokens-all-my-tenants = Al mijn klanten
tokens-expired = Verlopen
tokens-never = Nooit
tokens-tenants-help = Niets aangevinkt: al uw klanten, zoals ze zijn wanneer het token wordt gebruikt.
tokens-days = Geldig gedurende (dagen)
tokens-days-help = Leeg: tot intrekking.
tokens-back = Terug naar mijn tokens
permission-read_desk = meldingen en incidenten lezen
permission-triage_alerts = meldingen triëren
permission-work_incidents = incidenten behandelen
permission-comment = opmerkingen plaatsen
permission-manage_suppressions = onderdrukkingen beheren
permission-manage_sla = SLA-contracten beheren
permission-read_users = gebruikers bekijken
permission-manage_users = gebruikers beheren

nav-reports = Rapporten
reports-title = Maandrapporten
reports-kept = Rapporten van vorige maanden
reports-none = Er is nog geen rapport gemaakt: het rapport van een maand wordt op de eerste dag van de volgende maand gemaakt.
reports-make = Een rapport voor een andere maand
reports-download = De PDF downloaden
report-language = Taal
report-language-default = Die van de klant
col-month = Maand
col-made = Gemaakt
col-download = Downloaden

# The notification log (/ui/notifications) and the timeline's deliveries.
nav-notifications = Meldingen
notify-title = Meldingenlogboek
notify-platform = (platform)
notify-filter-all = Alle
notify-status-pending = Wachtend
notify-status-sending = Wordt verzonden
notify-status-sent = Verzonden
notify-status-dead = Opgegeven
notify-event-alert = Alert
notify-event-sla_warning = SLA-waarschuwing
notify-event-sla_breach = SLA-overschrijding
notify-event-nis2 = NIS2-termijn
notify-event-question = Vraag aan de klant
notify-event-answer = Antwoord van de klant
notify-event-report = Maandrapport
notify-event-test = Testbericht
notify-channel-email = e-mail
notify-channel-webhook = webhook
notify-col-event = Gebeurtenis
notify-col-channel = Kanaal
notify-col-recipient = Ontvanger
notify-col-level = Escalatie
notify-col-attempts = Pogingen
notify-col-error = Laatste fout
notify-level = niveau { $level }
notify-level-team = niveau { $level } · { $team }
notify-retry = Opnieuw proberen
notify-retry-label = Melding { $id } opnieuw naar { $recipient } sturen
notify-none = Geen enkele melding voldoet aan deze filter.
notify-no-dead = Geen opgegeven meldingen: alle werden afgeleverd of worden nog geprobeerd.
notify-count = { $count ->
    [one] 1 melding, nieuwste eerst
   *[other] { $count } meldingen, nieuwste eerst
}
timeline-notified = verwittigde { $recipient } via { $channel }: { $event }{ $level ->
    [0] {""}
   *[other] , escalatieniveau { $level }
}{ $shared ->
    [yes] {" "}(zichtbaar voor de klant)
   *[no] {""}
}
