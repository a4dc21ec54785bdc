severity-critical = critique
severity-high = élevée
severity-medium = moyenne
severity-low = faible
severity-informational = informative
link = Ouvrir dans vigie : { $link }
footer = Ce message est envoyé par la plateforme de surveillance du SOC. Répondez à votre contact SOC, pas à cette adresse.
escalated = [Escalade { $level }] { $subject }
alert-subject = [{ $tenant }] Nouvelle alerte de gravité { $severity } : { $rule }
alert-body =
    Une nouvelle alerte de gravité { $severity } a été levée pour { $tenant }.

    Règle : { $rule }
    Hôte : { $host }
    Heure : { $at }
    Alerte : { $alert }
alert-digest-subject = [{ $tenant }] { $count } alertes critiques ou élevées supplémentaires
alert-digest-body =
    { $count } alertes critiques ou élevées supplémentaires ont été levées pour { $tenant } depuis le dernier message.
    Les premières : { $rules }
sla-warning-subject = [{ $tenant }] SLA menacé : incident n° { $incident }
sla-warning-body =
    L'objectif de { $clock } de l'incident n° { $incident } « { $title } » ({ $tenant }, { $severity }) approche.
    Échéance : { $due }
sla-breach-subject = [{ $tenant }] SLA dépassé : incident n° { $incident }
sla-breach-body =
    L'objectif de { $clock } de l'incident n° { $incident } « { $title } » ({ $tenant }, { $severity }) est dépassé.
    Échéance : { $due }
clock-acknowledge = prise en charge
clock-resolve = résolution
nis2-subject = [{ $tenant }] NIS2 : { $stage } à remettre le { $due }
nis2-subject-breach = [{ $tenant }] NIS2 : échéance de { $stage } atteinte
nis2-body =
    L'incident n° { $incident } « { $title } » est un incident important au sens de NIS2.
    { $stage } au CSIRT : échéance le { $due }.
stage-early_warning = alerte précoce
stage-incident_notification = notification d'incident
stage-intermediate_report = rapport intermédiaire
stage-final_report = rapport final
stage-voluntary = notification volontaire
stage-progress_report = rapport d'avancement
question-subject = [{ $tenant }] Le SOC a une question sur l'incident n° { $incident }
question-body =
    Le SOC pose une question sur l'incident n° { $incident } « { $title } » :

    { $text }

    Merci de répondre depuis le portail.
answer-subject = [{ $tenant }] Réponse sur l'incident n° { $incident }
answer-body =
    { $tenant } a répondu à la question sur l'incident n° { $incident } « { $title } » :

    { $text }
report-subject = [{ $tenant }] Le rapport mensuel { $month } est prêt
report-body = Le rapport de sécurité mensuel de { $tenant } pour { $month } est disponible dans le portail.
test-subject = Message de test de vigie
test-body = Ceci est un message de test de vigie pour { $recipient }. Si vous le lisez, les notifications vous parviennent.
