# Rapport mensuel client : français.
# Mêmes identifiants dans les quatre langues (un test le vérifie). Les messages comptés
# reçoivent `$count` (le nombre, choisit le pluriel) et `$n` (le même, formaté).

## Page de titre et en-têtes

report-title = Rapport mensuel de sécurité
prepared-for = Préparé pour
prepared-by = Préparé par
period = Période
generated-on = Généré le
classification = Classification
page = page
times-in = Heures exprimées en { $tz }.
tlp-meaning-clear = Diffusion non limitée.
tlp-meaning-green = Diffusion limitée : la communauté du destinataire, sans publication.
tlp-meaning-amber = Diffusion limitée : l'organisation du destinataire et ses clients, selon le besoin d'en connaître.
tlp-meaning-amber_strict = Diffusion limitée : l'organisation du destinataire uniquement.
tlp-meaning-red = Réservé aux seuls destinataires nommés.

## Dates et durées

month-1 = janvier
month-2 = février
month-3 = mars
month-4 = avril
month-5 = mai
month-6 = juin
month-7 = juillet
month-8 = août
month-9 = septembre
month-10 = octobre
month-11 = novembre
month-12 = décembre
month-year = { $month } { $year }
date-long = { $day } { $month } { $year }
date-range = du { $first } au { $last }
week-label = S{ $week }
duration-m = { $m } min
duration-hm = { $h } h { $m }
duration-dh = { $d } j { $h } h

## Synthèse

summary = Synthèse
key-figures = Chiffres clés
summary-period-month = En { $month }
summary-period-range = Du { $first } au { $last }
summary-alerts = { $count ->
    [0] { $period }, aucune alerte n'a été levée.
    [one] { $period }, une alerte a été levée.
   *[other] { $period }, { $n } alertes ont été levées.
}
summary-alerts-severity = Par gravité : critique { $critical }, élevée { $high }, moyenne { $medium }, basse { $low }, information { $info }.
summary-incidents = { $count ->
    [0] Aucun incident n'a été ouvert.
    [one] Un incident a été ouvert ({ $critical }).
   *[other] { $n } incidents ont été ouverts ({ $critical }).
}
summary-incidents-critical = { $count ->
    [0] aucun critique
    [one] dont un critique
   *[other] dont { $n } critiques
}
summary-ack-met-critical = { $count ->
    [one] L'incident critique a été pris en charge dans le délai contractuel de { $target }.
   *[other] Les { $n } incidents critiques ont tous été pris en charge dans le délai contractuel de { $target }.
}
summary-ack-met-high = { $count ->
    [one] L'incident de gravité élevée a été pris en charge dans le délai contractuel de { $target }.
   *[other] Les { $n } incidents de gravité élevée ont tous été pris en charge dans le délai contractuel de { $target }.
}
summary-ack-missed-critical = { $count ->
    [one] L'incident critique a été pris en charge au-delà du délai contractuel de { $target }.
   *[other] { $late } des { $n } incidents critiques ont été pris en charge au-delà du délai contractuel de { $target }.
}
summary-ack-missed-high = { $count ->
    [one] L'incident de gravité élevée a été pris en charge au-delà du délai contractuel de { $target }.
   *[other] { $late } des { $n } incidents de gravité élevée ont été pris en charge au-delà du délai contractuel de { $target }.
}
summary-mtta = En moyenne, les incidents ont été pris en charge en { $mtta }.
summary-mttr = En moyenne, les incidents ont été résolus en { $mttr }.
summary-breaches = { $count ->
    [0] Aucun engagement contractuel n'a été manqué.
    [one] Un engagement contractuel a été manqué.
   *[other] { $n } engagements contractuels ont été manqués.
}
summary-top-rule = La détection la plus fréquente a été « { $rule } » ({ $n }).
summary-top-tactic = La tactique MITRE ATT&CK la plus fréquente a été { $tactic }.
summary-nis2-significant = { $count ->
    [0] Aucun incident n'a été significatif au sens de NIS2.
    [one] Un incident a été significatif au sens de NIS2.
   *[other] { $n } incidents ont été significatifs au sens de NIS2.
}
summary-nis2-late = { $count ->
    [0] Toutes les échéances de notification NIS2 ont été respectées ou sont encore ouvertes.
    [one] Une échéance de notification NIS2 a été manquée.
   *[other] { $n } échéances de notification NIS2 ont été manquées.
}
summary-ingest = { $count ->
    [0] Aucun événement n'a été reçu.
    [one] Une source de journaux a envoyé { $events } événements.
   *[other] { $n } sources de journaux ont envoyé { $events } événements.
}
summary-gaps = { $count ->
    [0] Aucune source de journaux ne s'est interrompue.
    [one] Une source de journaux s'est interrompue : { $list }.
   *[other] Des sources de journaux se sont interrompues { $n } fois : { $list }.
}
gap-item = { $source } (du { $from } au { $to })
kf-alerts = Alertes
kf-incidents = Incidents ouverts
kf-critical = Incidents critiques
kf-mtta = Délai moyen de prise en charge
kf-mttr = Délai moyen de résolution
kf-breaches = Engagements manqués
kf-nis2 = Incidents NIS2 significatifs
kf-events = Événements reçus
kf-gaps = Interruptions de sources

## Graphiques

alerts-per-week = Alertes par semaine et gravité
incidents-per-week = Incidents ouverts par semaine et gravité
no-alerts = Aucune alerte ce mois-ci.
no-incidents = Aucun incident ce mois-ci.
detections = Détections
top-rules = Règles de détection les plus fréquentes
top-tactics = Tactiques MITRE ATT&CK les plus fréquentes
top-hosts = Machines les plus concernées
top-users = Utilisateurs les plus concernés
no-data = Aucun ce mois-ci.
sources = Sources de journaux
ingest-per-day = Événements reçus par jour et type de source
ingest-scale = Chaque ligne a sa propre échelle : la barre la plus haute est le jour le plus chargé de la source.
gap-legend = interruption
no-ingest = Aucun événement reçu ce mois-ci.
gaps = Interruptions
no-gaps = Aucune interruption détectée.

## Gravités, statuts

severity-critical = critique
severity-high = élevée
severity-medium = moyenne
severity-low = basse
severity-informational = information
status-new = nouveau
status-acknowledged = pris en charge
status-in_progress = en cours
status-on_hold = en attente
status-resolved = résolu
status-closed = clos

## Tableaux

sla = Délais de traitement et engagements contractuels
sla-note = Moyennes sur les incidents du mois ; objectifs tels que fixés au contrat.
sla-all = Toutes gravités
no-target = pas d'objectif
col-severity = Gravité
col-incidents = Incidents
col-mtta = Délai moyen de prise en charge
col-ack-target = Objectif
col-mttr = Délai moyen de résolution
col-resolve-target = Objectif
col-breaches = Engagements manqués
col-number = N°
col-title = Titre
col-status = Statut
col-rsit = Classe RSIT
col-tlp = TLP
col-opened = Ouvert
col-closed = Clos
col-early-warning = Alerte précoce (24 h)
col-notification = Notification (72 h)
col-final-report = Rapport final (1 mois)
col-source = Type de source
col-from = Du
col-to = Au
col-days = Jours
yes = oui
no = non
not-due = non exigé

## NIS2

nis2-case-line = Significatif : { $significant } · Étape : { $stage }
nis2 = Notifications NIS2
nis2-note = Article 23 de la directive NIS2 : alerte précoce dans les 24 heures et notification d'incident dans les 72 heures après avoir pris connaissance d'un incident significatif, rapport final un mois après la notification.
no-nis2 = Aucun dossier NIS2 ce mois-ci.
stage-detected = détecté
stage-triage = en évaluation
stage-not_significant = non significatif
stage-undetermined = indéterminé
stage-significant = significatif
stage-awareness_set = délais en cours
stage-early_warning_sent = alerte précoce envoyée
stage-notification_sent = notification envoyée
stage-intermediate_requested = rapport intermédiaire demandé
stage-progress_sent = rapport d'avancement envoyé
stage-final_sent = rapport final envoyé
stage-closed = clos
deadline-met = respectée
deadline-open = ouverte
deadline-late = en retard
submitted = envoyé le { $at }

## Liste des incidents

incidents = Liste des incidents
no-incident-list = Aucun incident ce mois-ci.
