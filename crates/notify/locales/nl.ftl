severity-critical = kritiek
severity-high = hoog
severity-medium = gemiddeld
severity-low = laag
severity-informational = informatief
link = Openen in vigie: { $link }
footer = Dit bericht is verstuurd door het monitoringplatform van het SOC. Antwoord aan uw SOC-contactpersoon, niet aan dit adres.
escalated = [Escalatie { $level }] { $subject }
alert-subject = [{ $tenant }] Nieuwe melding met ernst { $severity }: { $rule }
alert-body =
    Er is een nieuwe melding met ernst { $severity } voor { $tenant }.

    Regel: { $rule }
    Host: { $host }
    Tijd: { $at }
    Melding: { $alert }
alert-digest-subject = [{ $tenant }] { $count } extra kritieke of hoge meldingen
alert-digest-body =
    Sinds het vorige bericht zijn er { $count } extra kritieke of hoge meldingen voor { $tenant }.
    De eerste: { $rules }
sla-warning-subject = [{ $tenant }] SLA in gevaar: incident nr. { $incident }
sla-warning-body =
    De termijn voor { $clock } van incident nr. { $incident } "{ $title }" ({ $tenant }, { $severity }) nadert.
    Uiterlijk: { $due }
sla-breach-subject = [{ $tenant }] SLA overschreden: incident nr. { $incident }
sla-breach-body =
    De termijn voor { $clock } van incident nr. { $incident } "{ $title }" ({ $tenant }, { $severity }) is overschreden.
    Uiterlijk: { $due }
clock-acknowledge = bevestiging
clock-resolve = oplossing
nis2-subject = [{ $tenant }] NIS2: { $stage } uiterlijk { $due }
nis2-subject-breach = [{ $tenant }] NIS2: termijn voor { $stage } bereikt
nis2-body =
    Incident nr. { $incident } "{ $title }" is een significant incident in de zin van NIS2.
    { $stage } aan het CSIRT: uiterlijk { $due }.
stage-early_warning = vroegtijdige waarschuwing
stage-incident_notification = incidentmelding
stage-intermediate_report = tussentijds verslag
stage-final_report = eindverslag
stage-voluntary = vrijwillige melding
stage-progress_report = voortgangsverslag
question-subject = [{ $tenant }] Het SOC heeft een vraag over incident nr. { $incident }
question-body =
    Het SOC heeft een vraag over incident nr. { $incident } "{ $title }":

    { $text }

    Gelieve te antwoorden via het portaal.
answer-subject = [{ $tenant }] Antwoord over incident nr. { $incident }
answer-body =
    { $tenant } heeft de vraag over incident nr. { $incident } "{ $title }" beantwoord:

    { $text }
report-subject = [{ $tenant }] Maandrapport { $month } is klaar
report-body = Het maandelijkse beveiligingsrapport van { $tenant } voor { $month } staat klaar in het portaal.
test-subject = Testbericht van vigie
test-body = Dit is een testbericht van vigie aan { $recipient }. Als u dit leest, bereiken meldingen u.
