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
incident-nis2 = NIS2-melding
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
nis2-due-open = Loopt
nis2-due-overdue = Te laat
nis2-due-met = Tijdig ingediend
nis2-due-met_late = Te laat ingediend
nis2-due-withdrawn = Niet langer vereist
nis2-due-ask_authority = Vraag de overheid om een datum
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
# NIS2 on the incident page and the NIS2 cases page.
nav-nis2 = NIS2
nis2-title = NIS2
nis2-list-title = NIS2-dossiers
nis2-list-intro = Uw incidenten die onder NIS2 (artikel 23) gemeld worden: elke meldingsfase met haar termijn en toestand, en het ontwerp van haar verslag.
nis2-list-intro-soc = Alle NIS2-dossiers van uw klanten waarvan de termijnen lopen, de recentste kennisname eerst: elke fase met haar termijn en toestand, en het ontwerp van haar verslag.
nis2-list-none = Geen enkel NIS2-dossier heeft lopende termijnen.
nis2-not-started = Nog geen NIS2-dossier: beoordeel de significantie of leg het moment van kennisname vast om het te openen.
nis2-state = Meldingstoestand
nis2-detected = Eerste signaal
nis2-aware-at = Kennisname (Brusselse tijd)
nis2-not-aware = Nog niet bepaald: er loopt geen termijn.
nis2-aware-by = { $time }, vastgelegd door { $name }: { $reason }
nis2-proposed = Voorstel van de motor
nis2-confirmed = Bevestigd oordeel
nis2-confirmed-by = { $verdict }, door { $name } op { $time }
nis2-trust-service = Vertrouwensdienst van een verlener van vertrouwensdiensten getroffen (melding binnen 24 u)
nis2-report-language = Taal van de verslagen
nis2-clocks = Meldingstermijnen
nis2-due-at = Termijn
nis2-drafts = Ontwerpverslagen
nis2-drafts-help = Elk ontwerp wordt nu uit het dossier opgemaakt, in de taal van de verslagen van het dossier, gemarkeerd als TLP:AMBER; elke download wordt in het auditlogboek vastgelegd.
nis2-approvals = Goedkeuringen
nis2-version = Versie
nis2-language = Taal
nis2-approved-by = Goedgekeurd door
nis2-approval-pending = Goedgekeurd, wacht op indiening
nis2-approval-stale = Verouderd: het verslag is gewijzigd sinds de goedkeuring; keur het opnieuw goed
nis2-approval-submitted = Ingediend (nr. { $id })
nis2-submissions = Indieningen
nis2-stages = Fasen
nis2-submitted-at = Ingediend op (Brusselse tijd)
nis2-channel = Kanaal
nis2-reference = Referentie van de overheid
nis2-submitted-by = Vastgelegd door
nis2-lateness-reason = Reden van de vertraging
nis2-no-liability = Melden verhoogt op zich de aansprakelijkheid van de entiteit niet (NIS2, art. 23, lid 1). vigie stelt voor; een bij naam genoemde persoon beslist, en elke beslissing wordt geaudit.
nis2-assess-title = Beoordeling van de significantie
nis2-engine-verdict = Oordeel van de motor over de vastgelegde feiten
nis2-precautionary = Onbepaald: een vroegtijdige waarschuwing uit voorzorg wordt aanbevolen zolang gegevens ontbreken.
nis2-missing = Ontbrekende gegevens:
nis2-findings = Geëvalueerde criteria
nis2-criterion = Criterium
nis2-criterion-text = Wat het zegt
nis2-source = Bron
nis2-result = Resultaat
nis2-advisory = adviserend
nis2-skipped = Niet toegepaste regelpakketten:
nis2-assess-help = „Veroorzaakt of kan veroorzaken”: geef de werkelijke waarde en, als ze kan groeien, de verwachte. Onbekend is een antwoord, nooit een „nee”.
nis2-fact = Feit
nis2-actual = Werkelijk
nis2-projected = Verwacht
nis2-assess-submit = Feiten vastleggen en beoordelen
nis2-confirm-title = Significantie bevestigen, verwerpen of intrekken
nis2-verdict = Oordeel
nis2-reason = Reden
nis2-confirm-help = Het voorstel van de motor bevestigen vraagt geen reden; elk ander oordeel (of een oordeel zonder voorstel) wel. „Niet significant” verwerpt het dossier.
nis2-confirm-submit = Mijn beslissing vastleggen
nis2-withdraw-help = Significantie ingetrokken nadat de melding begon: de termijnen stoppen en een update die meldt dat het incident toch niet significant is, is verschuldigd.
nis2-withdraw-confirm = Ik bevestig dat het incident toch niet significant is
nis2-withdraw-submit = Significantie intrekken
nis2-awareness-title = Moment van kennisname
nis2-awareness-help = De termijnen lopen vanaf de kennisname: niet vóór het eerste signaal, niet in de toekomst; na een indiening kan ze alleen vroeger worden.
nis2-awareness-submit = Kennisname vastleggen
nis2-record-title = Velden van de verslagen
nis2-text-lang = Taal van nieuwe teksten
nis2-record-header = Koptekst
nis2-field-title = Titel van het verslag (leeg: die van het incident)
nis2-field-reporter = Melder
nis2-field-contact = 24/7-contact (leeg: dat van het profiel)
nis2-field-authority_ref = Referentie van de overheid
nis2-field-summary = Samenvatting: wat, wanneer, welke dienst
nis2-field-support_requested = Bijstand gevraagd aan het CSIRT
nis2-field-suspected_malicious = Vermoeden van onrechtmatige of kwaadwillige handeling
nis2-field-cross_border = Mogelijke grensoverschrijdende impact
nis2-field-member_states = Betrokken lidstaten
nis2-member-states-help = Codes van twee letters, gescheiden door komma’s (BE, FR, NL).
nis2-field-affected = Getroffen diensten en gebruikers, duur
nis2-field-recipients = Geïnformeerde ontvangers, andere verwittigde overheden
nis2-field-expected_end = Verwacht einde van de afhandeling, volgend verslag
nis2-field-severity = Ernst van de dreiging (NIS CG)
nis2-field-impact_severity = Ernst van de impact (NIS CG)
nis2-field-outlook = Vooruitzicht
nis2-field-root_cause_category = Categorie van de oorzaak (NIS CG)
nis2-field-iocs = Indicatoren van compromittering
nis2-iocs-help = Eén per regel: soort en waarde, eventueel een TLP-label (ip 203.0.113.7 TLP:RED).
nis2-field-mitigations = Mitigerende maatregelen
nis2-mitigations-help = Eén per regel: applied (toegepast), ongoing (lopend) of planned (gepland), een dubbelpunt, de maatregel (ongoing: accounts opnieuw ingesteld).
nis2-field-csirt_answers = Antwoorden op de vragen van het CSIRT
nis2-field-detailed_description = Gedetailleerde beschrijving
nis2-field-root_cause = Soort dreiging of grondoorzaak
nis2-field-lessons_learned = Geleerde lessen en opvolging
nis2-field-timeline = Tijdlijn
nis2-timeline-help = Eén per regel: datum en Brusselse tijd, dan wat er gebeurde (2026-03-29 10:30 versleuteling vastgesteld).
nis2-record-help = Opslaan vervangt alle velden van de verslagen; eerdere goedkeuringen verouderen.
nis2-record-submit = Velden van de verslagen opslaan
nis2-case-title = Vertrouwensdienst, einde van de afhandeling, verzoek van het CSIRT
nis2-handled-at = Afhandeling voltooid op
nis2-requested-at = Tussentijds verslag door het CSIRT gevraagd op
nis2-request-due-at = Termijn gegeven door het CSIRT (leeg: vraag het aan de overheid)
nis2-case-help = Het einde van de afhandeling bepaalt of een eind- of een voortgangsverslag volgt; een verzoek van het CSIRT opent een tussentijds verslag.
nis2-approve-title = Een verslag goedkeuren
nis2-stage = Fase
nis2-approve-help = U keurt het huidige ontwerp van de fase goed in deze taal en onder dit label: de inhoud wordt vastgelegd door de SHA-256 ervan. Een indiening vereist de goedkeuring van elk van haar fasen; elke latere wijziging van het dossier maakt de goedkeuring verouderd.
nis2-approve-submit = Het ontwerp goedkeuren
nis2-submit-title = Een indiening vastleggen
nis2-submit-help = Eén indiening kan meerdere fasen dekken (een vroegtijdige waarschuwing samen met de melding). Elke fase moet in deze taal en onder dit label goedgekeurd zijn; een fase na haar termijn vraagt de reden van de vertraging.
nis2-submit-submit = De indiening vastleggen
nis2-channel-platform = Platform van de overheid
nis2-channel-email = E-mail
nis2-channel-phone = Telefoon (schriftelijke opvolging vereist)
nis2-not-given = (niet opgegeven)
nis2-tri-yes = Ja
nis2-tri-no = Nee
nis2-tri-unknown = Onbekend
nis2-verdict-significant = Significant
nis2-verdict-not_significant = Niet significant
nis2-verdict-undetermined = Onbepaald
nis2-verdict-excluded = Uitgesloten (gepland onderhoud)
nis2-state-detected = Gedetecteerd
nis2-state-triage = Wordt beoordeeld
nis2-state-not_significant = Niet significant
nis2-state-undetermined = Onbepaald
nis2-state-significant = Significant, kennisname vast te leggen
nis2-state-awareness_set = Kennisname vastgelegd, termijnen lopen
nis2-state-early_warning_sent = Vroegtijdige waarschuwing ingediend
nis2-state-notification_sent = Melding ingediend
nis2-state-intermediate_requested = Tussentijds verslag gevraagd
nis2-state-progress_sent = Voortgangsverslag ingediend
nis2-state-final_sent = Eindverslag ingediend
nis2-state-closed = Afgesloten
nis2-state-downgraded = Significantie ingetrokken
nis2-refused = Niet opgeslagen. { $field }: { $detail }
nis2-bad-line = { $field }, regel { $line }: „{ $value }” is onleesbaar.
nis2-fact-severe_disruption_or_financial_loss = Ernstige operationele verstoring of financieel verlies, veroorzaakt of mogelijk
nis2-fact-considerable_damage_to_others = Aanzienlijke schade aan andere personen, veroorzaakt of mogelijk
nis2-fact-severe_disruption_possible = Kan een ernstige operationele verstoring veroorzaken
nis2-fact-financial_loss_eur = Rechtstreeks financieel verlies (EUR)
nis2-fact-turnover_eur = Jaaromzet van het vorige boekjaar (EUR)
nis2-fact-trade_secret_exfiltration = Bedrijfsgeheimen geëxfiltreerd of mogelijk geëxfiltreerd
nis2-fact-deaths = Doden veroorzaakt of mogelijk
nis2-fact-health_damage = Aanzienlijke schade aan de gezondheid van een persoon
nis2-fact-unauthorised_access_success = Geslaagde onbevoegde toegang tot netwerk- en informatiesystemen
nis2-fact-suspected_malicious = Vermoeden van onrechtmatige of kwaadwillige handeling
nis2-fact-recurring_incidents_6_months = Incidenten met dezelfde vermoedelijke oorzaak binnen 6 maanden
nis2-fact-recurring_same_root_cause = Die incidenten hebben dezelfde vermoedelijke oorzaak
nis2-fact-recurring_financial_loss_eur = Hun samengeteld rechtstreeks financieel verlies (EUR)
nis2-fact-outage_full_minutes = Minuten dat de dienst volledig onbeschikbaar was
nis2-fact-degraded_minutes = Minuten dat de dienst beperkt was
nis2-fact-dns_avg_response_ms = Gemiddelde DNS-antwoordtijd (ms)
nis2-fact-users_total = Gebruikers van de dienst in de EU
nis2-fact-users_affected = Getroffen gebruikers (maximale plausibele schatting)
nis2-fact-data_compromise = Integriteit, vertrouwelijkheid of authenticiteit van gegevens aangetast
nis2-fact-data_compromise_users = Gebruikers van wie de gegevens zijn aangetast
nis2-fact-physical_access_compromised = Fysieke toegang tot beperkte zones aangetast
nis2-fact-weekly_unavailability_minutes = Minuten onbeschikbaarheid in de kalenderweek (vertrouwensdiensten)
nis2-fact-scheduled_maintenance_explains_all = De onderbreking is volledig gepland onderhoud
