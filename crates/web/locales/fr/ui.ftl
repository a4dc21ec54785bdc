# Application web vigie — français.
# Chaque langue a exactement les mêmes identifiants de message (vérifié par un test).

app-name = vigie
skip-to-content = Aller au contenu
nav-label = Navigation principale
nav-dashboard = Tableau de bord
nav-alerts = File d’alertes
nav-incidents = Incidents
nav-detection = Détection
nav-admin = Administration
nav-my-incidents = Mes incidents
nav-sla = Niveaux de service
language-switch = Langue
logout = Se déconnecter
back-home = Retour à la page d’accueil
next-page = Page suivante
save = Enregistrer
unchanged = (inchangé)
filters = Filtres
filter-apply = Appliquer
filter-all-tenants = Tous les clients
filter-any-severity = Toute gravité
filter-any-status = Tout statut
filter-open = Ouverts
filter-min-severity = Gravité minimale
filter-rule = Identifiant de règle
all-tenants = Tous les clients

# Dates : motif strftime, Europe/Brussels, avec le décalage UTC.
datetime-pattern = %d/%m/%Y %H:%M (UTC%:z)
duration-hm = { $h } h { $m } min
duration-dhm = { $d } j { $h } h { $m } min

role-platform_admin = administrateur de la plateforme
role-soc_lead = responsable du SOC
role-analyst = analyste
role-detection_engineer = ingénieur détection
role-tenant_admin = administrateur client
role-tenant_user = contact client

severity-informational = Information
severity-low = Faible
severity-medium = Moyenne
severity-high = Élevée
severity-critical = Critique

alert-status-new = Nouvelle
alert-status-acknowledged = Prise en compte
alert-status-escalated = Escaladée
alert-status-false_positive = Faux positif
alert-status-suppressed = Supprimée

incident-status-new = Nouveau
incident-status-acknowledged = Pris en compte
incident-status-in_progress = En cours
incident-status-on_hold = En attente
incident-status-resolved = Résolu
incident-status-closed = Clôturé

login-title = Connexion
login-username = Nom d’utilisateur
login-password = Mot de passe
login-submit = Se connecter
login-invalid = Nom d’utilisateur ou mot de passe incorrect.
login-username-too-long = Le nom d’utilisateur fait { $bytes } octets ; { $max } au plus sont admis.
login-username-control = Le nom d’utilisateur ne doit pas contenir de caractères de contrôle.
login-password-too-long = Le mot de passe fait { $bytes } octets ; { $max } au plus sont admis.
login-throttled = Trop de tentatives. Réessayez dans { $seconds ->
    [one] une seconde
   *[other] { $seconds } secondes
}.

error-title = Une erreur s’est produite
error-not-found-title = Introuvable
error-forbidden-title = Non autorisé
error-bad-request-title = Requête invalide
error-not-found = Cette page n’existe pas ou ne vous est pas accessible.
error-internal = Une erreur interne s’est produite ; elle a été journalisée.
error-csrf = Le formulaire a expiré ou ne provient pas de ce site. Rechargez la page et réessayez.
error-no-alert = Il n’y a pas d’alerte { $id } chez vos clients.
error-no-incident = Il n’y a pas d’incident { $id } chez vos clients.
error-no-tenant = Il n’y a pas de client « { $tenant } » dans votre périmètre.
error-unknown-action = Action inconnue.
error-unknown-language = Langue inconnue « { $tag } » : choisissez FR, NL, DE ou EN.
error-bad-incident-number = « { $value } » n’est pas un numéro d’incident.
error-bad-field = Valeur « { $value } » invalide pour { $field }.

col-tenant = Client
col-severity = Gravité
col-status = Statut
col-time = Heure
col-rule = Règle
col-count = Nombre
col-select = Sélection
col-incident = Incident
col-incidents = Incidents
col-title = Titre
col-tlp = TLP
col-rsit = Classification (RSIT)
col-assignee = Responsable
col-created = Créé le
col-sla-clock = Délai SLA
col-target = Objectif
col-used = Écoulé
col-time-left = Temps restant
col-field = Champ
col-value = Valeur
col-nis2-stage = Étape NIS2
col-nis2-state = État
col-mtta = Délai moyen de prise en compte
col-mttr = Délai moyen de résolution
col-ack-breaches = Dépassements (prise en compte)
col-resolve-breaches = Dépassements (résolution)
col-file = Fichier
col-load-status = Chargement
col-acknowledged = Prises en compte
col-escalated = Escaladées
col-false-positives = Faux positifs
col-fp-rate = Taux de faux positifs
col-reason = Motif
col-expires = Expire le
col-hits = Occurrences
col-slug = Nom court
col-name = Nom
col-username = Utilisateur
col-role = Rôle
col-tenants = Clients
col-state = État
col-label = Libellé
col-owner = Titulaire
col-kind = Type
col-source-type = Type de source

dashboard-title = Tableau de bord
dashboard-open-incidents = Incidents ouverts par client et par gravité
dashboard-none-open = Aucun incident ouvert.
dashboard-sla-at-risk = SLA menacés
dashboard-sla-none = Aucun délai SLA n’est menacé.

alerts-title = File d’alertes
alerts-count = { $count ->
    [one] 1 alerte
   *[other] { $count } alertes
}
alerts-none = Aucune alerte ne correspond à ces filtres.
alerts-select = Sélectionner l’alerte « { $title } »
alerts-acknowledge-selected = Prendre en compte la sélection

alert-title = Alerte : { $title }
alert-first-seen = Première occurrence
alert-last-seen = Dernière occurrence
alert-event-id = Identifiant de l’événement
alert-status-reason = Motif
alert-rule = Règle
alert-why = Pourquoi elle s’est déclenchée
alert-why-unavailable = Le jeu de règles chargé n’est pas disponible pour cette page ; l’identifiant ci-dessus désigne la règle déclenchée.
alert-why-rule-gone = Cette règle n’est plus chargée.
alert-why-route = L’événement a été lu comme { $kind } ; la règle s’y est appliquée via { $route }.
alert-why-held = vérifiée
alert-why-not-held = non vérifiée
alert-triage = Tri
alert-acknowledge = Prendre en compte
alert-escalate-into = Numéro d’un incident existant (vide : nouvel incident)
alert-escalate = Escalader en incident
alert-fp-reason = Motif
alert-false-positive = Clôturer comme faux positif
alert-event-fields = Champs de l’événement
alert-behind = Événements à l’origine de cette alerte
alert-behind-none = Aucun de ces événements n’est plus dans le stockage des événements (rétention), ou ils n’ont pas été indexés.
alert-behind-missing = { $count } de ses événements ne sont plus dans le stockage des événements (rétention).
alert-behind-hunt = Les ouvrir dans la chasse
col-host = Hôte
col-details = Détails

incidents-title = Incidents
portal-incidents-title = Vos incidents
incidents-count = { $count ->
    [one] 1 incident
   *[other] { $count } incidents
}
incidents-none = Aucun incident ne correspond à ces filtres.
incident-title = Incident n° { $id } : { $title }
incident-merged-into = Fusionné dans
incident-sla = Niveau de service
incident-sla-none = Aucun contrat SLA ne s’applique à cet incident.
incident-nis2 = Notification NIS2
incident-change = Modifier l’incident
incident-observables = Observables
incident-tasks = Tâches
incident-comments = Commentaires
incident-timeline = Historique
rsit-none = Non classé
assignee-none = Personne
assignee-me = { $name } (moi)
comment-label = Commentaire
portal-answer-label = Votre réponse ou commentaire
comment-submit = Envoyer
comment-internal = Note interne (SOC uniquement)
comment-shared = Partagé avec le client
comment-question-open = Question au client, en attente de réponse
comment-question-answered = Question au client, répondue
comment-answer = Réponse
comment-kind = Qui le lit
comment-kind-internal = Note interne : le SOC uniquement
comment-kind-shared = Partagé avec le client
comment-kind-question = Question au client
comment-answer-label = Votre réponse
comment-answer-submit = Envoyer la réponse
questions-open = Questions du SOC en attente de votre réponse

sla-kind-acknowledge = Prise en compte
sla-kind-resolve = Résolution
sla-left = encore { $left }
sla-overdue = En retard de { $late }
sla-paused = Suspendu (en attente)
sla-met = Respecté
sla-met-late = Respecté avec retard
sla-at-risk = Menacé
sla-title = Niveaux de service
sla-since = Incidents ouverts depuis le { $since }.
sla-no-figures = Aucun incident sur cette période.

nis2-stage-early_warning = Alerte précoce (24 h)
nis2-stage-incident_notification = Notification d’incident (72 h)
nis2-stage-intermediate_report = Rapport intermédiaire
nis2-stage-final_report = Rapport final (un mois)
nis2-stage-progress_report = Rapport d’avancement
nis2-stage-voluntary = Notification volontaire
nis2-due-open = En cours
nis2-due-overdue = En retard
nis2-due-met = Transmis dans les délais
nis2-due-met_late = Transmis en retard
nis2-due-withdrawn = N’est plus requis
nis2-due-ask_authority = Demander une date à l’autorité
nis2-reminders = { $count ->
    [one] Un rappel envoyé
   *[other] { $count } rappels envoyés
} (dernier : { $stage }, { $time })

timeline-created = a ouvert l’incident
timeline-alert_linked = a lié une alerte
timeline-comment = a commenté
timeline-merged = a fusionné un autre incident dans celui-ci
timeline-merged_into = a fusionné cet incident dans un autre
timeline-task = a ajouté une tâche
timeline-task_done = a modifié une tâche
timeline-split = a déplacé des alertes vers un nouvel incident
timeline-title = a modifié le titre
timeline-status = a modifié le statut
timeline-severity = a modifié la gravité
timeline-assignee = a modifié le responsable
timeline-rsit = a modifié la classification
timeline-tlp = a modifié le marquage TLP
timeline-other = { $kind }

detection-title = Règles de détection
rules-summary = { $loaded ->
    [one] 1 règle chargée
   *[other] { $loaded } règles chargées
}, { $rejected ->
    [one] 1 rejetée
   *[other] { $rejected } rejetées
}.
rule-loaded = Chargée
rule-rejected = Rejetée
suppressions-title = Suppressions
suppressions-none = Aucune suppression.

admin-title = Administration
admin-tenants = Clients
admin-users = Utilisateurs
admin-tokens = Jetons
user-enabled = Actif
user-disabled = Désactivé
token-active = Actif
token-revoked = Révoqué

nav-hunt = Chasse
col-actions = Actions
col-group-key = Clé de regroupement

# Graphiques. Dates sur un axe en jours : motif strftime sans l'année.
chart-day-pattern = %d/%m
chart-other = Autres
chart-no-data = Aucune donnée sur cette période.
chart-figures = Chiffres
dashboard-alerts-per-hour = Alertes par heure
dashboard-alerts-per-hour-desc = { $count ->
    [one] Une alerte
   *[other] { $count } alertes
} ces dernières 24 heures, par heure.

views-title = Vues enregistrées
views-none = Aucune vue enregistrée. Choisissez des filtres, nommez-les et enregistrez-les ici.
views-name = Nom de cette vue
views-save = Enregistrer la vue
views-delete = Supprimer
views-delete-named = Supprimer la vue « { $name } »

hunt-title = Chasse aux menaces
hunt-query = Requête
hunt-help = Exemple : EventID:4625 AND user.name:adm* | timechart span=1h count() by @tenant. Heure : RFC 3339, une date, ou -24h / -7d.
hunt-from = Du
hunt-to = Au
hunt-run = Lancer
hunt-no-store = Le stockage des événements n’est pas activé sur ce serveur : il n’y a rien à chercher.
hunt-bad-query = Requête invalide : { $error }
hunt-summary = { $rows ->
    [one] 1 ligne
   *[other] { $rows } lignes
} ({ $matched ->
    [one] 1 événement correspondant
   *[other] { $matched } événements correspondants
}).
hunt-truncated = Seules les { $max } premières lignes sont affichées ; affinez la requête ou la période.
hunt-chart = Chronologie
hunt-chart-desc = Événements correspondants par { $span }.
hunt-results = Résultats
hunt-none = Aucun événement ne correspond.
span-days = { $n ->
    [one] jour
   *[other] { $n } jours
}
span-hours = { $n ->
    [one] heure
   *[other] { $n } heures
}
span-minutes = { $n ->
    [one] minute
   *[other] { $n } minutes
}
span-seconds = { $n ->
    [one] seconde
   *[other] { $n } secondes
}

suppression-new = Nouvelle suppression
suppression-days = Durée (jours)
suppression-group-help = Vide : toutes les alertes de la règle pour ce client.
suppression-end = Terminer maintenant
suppression-end-named = Terminer la suppression de { $rule } pour { $tenant }
suppression-ended = Terminée

admin-create = Créer
admin-back = Retour à l’administration
admin-new-tenant = Nouveau client
admin-slug-help = Nom court : 2 à 63 lettres minuscules, chiffres ou traits d’union, utilisé dans les adresses et en ligne de commande.
admin-new-user = Nouvel utilisateur
admin-password-help = Au moins 12 caractères.
admin-tenants-help = Un administrateur de plateforme n’en a aucun (tous les clients) ; un rôle client exactement un ; les autres rôles au moins un.
admin-enable = Activer
admin-disable = Désactiver
admin-enable-named = Activer { $name }
admin-disable-named = Désactiver { $name }
admin-new-token = Nouveau jeton
admin-token-source-type-help = Jetons d’ingestion seulement : chaque événement envoyé avec ce jeton est de ce type de source (p. ex. linux.auditd).
admin-token-platform = Plateforme (tous les clients)
admin-revoke = Révoquer
admin-revoke-named = Révoquer le jeton « { $label } »
admin-token-created = Jeton n° { $id } « { $label } » créé.
admin-token-secret = Secret
admin-token-once = Copiez-le maintenant : il n’est affiché qu’une seule fois et ne peut pas être retrouvé. Seule son empreinte est conservée.
token-kind-ingest = envoi d’événements
token-kind-read = lecture
token-kind-admin = administration
error-not-platform = Seul un administrateur de plateforme qui voit tous les clients peut faire ceci.
admin-sla-contract = Contrat SLA
admin-sla-none = Aucun
admin-sla-summary = { $calendar }, { $targets ->
    [one] 1 gravité avec objectifs
   *[other] { $targets } gravités avec objectifs
}
admin-sla-edit = Modifier le contrat de { $tenant }
admin-sla-title = Contrat SLA de { $tenant }
admin-sla-calendar = Calendrier
calendar-always = En continu (24x7)
calendar-business = Heures de bureau (lun.–ven. 08:00–18:00, jours fériés belges exclus)
admin-sla-warn = À risque après
admin-sla-help = Objectifs en minutes du calendrier. Laissez les deux vides pour une gravité sans SLA.
admin-sla-ack-minutes = Prise en charge sous (minutes)
admin-sla-resolve-minutes = Résolution sous (minutes)
admin-sla-pair = { $severity } : donnez les deux objectifs, la prise en charge ({ $ack }) pas plus longue que la résolution ({ $resolve }).
nav-users = Utilisateurs
admin-edit = Modifier
admin-edit-named = Modifier le rôle ou les clients de { $name }
admin-user-title = Utilisateur { $name }
sla-period = Période
nav-tokens = Jetons d’API
tokens-title = Mes jetons d’API
tokens-intro = Un jeton agit en votre nom depuis un script ou un autre outil (Authorization: Bearer …), avec les seules permissions que vous lui donnez, et jamais plus que ce que votre rôle et vos clients permettent au moment de son usage.
tokens-mine = Vos jetons
tokens-none = Vous n’avez aucun jeton d’API.
tokens-permissions = Permissions
tokens-all-my-tenants = Tous mes clients
tokens-expired = Expiré
tokens-never = Jamais
tokens-tenants-help = Aucun coché : tous vos clients, tels qu’ils sont au moment de l’usage du jeton.
tokens-days = Valable (jours)
tokens-days-help = Vide : jusqu’à sa révocation.
tokens-back = Retour à mes jetons
permission-read_desk = lire les alertes et incidents
permission-triage_alerts = trier les alertes
permission-work_incidents = traiter les incidents
permission-comment = commenter
permission-manage_suppressions = gérer les suppressions
permission-manage_sla = gérer les contrats SLA
permission-read_users = voir les utilisateurs
permission-manage_users = gérer les utilisateurs

nav-reports = Rapports
reports-title = Rapports mensuels
reports-kept = Rapports des mois passés
reports-none = Aucun rapport n’a encore été produit : le rapport d’un mois est produit le premier jour du mois suivant.
reports-make = Un rapport pour un autre mois
reports-download = Télécharger le PDF
report-language = Langue
report-language-default = Celle du client
col-month = Mois
col-made = Produit le
col-download = Télécharger

# The notification log (/ui/notifications) and the timeline's deliveries.
nav-notifications = Notifications
notify-title = Journal des notifications
notify-platform = (plateforme)
notify-filter-all = Toutes
notify-status-pending = En attente
notify-status-sending = En cours d’envoi
notify-status-sent = Envoyée
notify-status-dead = Abandonnée
notify-event-alert = Alerte
notify-event-sla_warning = Avertissement SLA
notify-event-sla_breach = Dépassement du SLA
notify-event-nis2 = Échéance NIS2
notify-event-question = Question au client
notify-event-answer = Réponse du client
notify-event-report = Rapport mensuel
notify-event-test = Message de test
notify-channel-email = e-mail
notify-channel-webhook = webhook
notify-col-event = Événement
notify-col-channel = Canal
notify-col-recipient = Destinataire
notify-col-level = Escalade
notify-col-attempts = Tentatives
notify-col-error = Dernière erreur
notify-level = niveau { $level }
notify-level-team = niveau { $level } · { $team }
notify-retry = Réessayer
notify-retry-label = Renvoyer la notification { $id } à { $recipient }
notify-none = Aucune notification ne correspond à ce filtre.
notify-no-dead = Aucune notification abandonnée : toutes ont été remises ou sont encore en cours d’essai.
notify-count = { $count ->
    [one] 1 notification, la plus récente d’abord
   *[other] { $count } notifications, les plus récentes d’abord
}
timeline-notified = a notifié { $recipient } par { $channel } : { $event }{ $level ->
    [0] {""}
   *[other] , niveau d’escalade { $level }
}{ $shared ->
    [yes] {" "}(visible par le client)
   *[no] {""}
}
# NIS2 on the incident page and the NIS2 cases page.
nav-nis2 = NIS2
nis2-title = NIS2
nis2-list-title = Dossiers NIS2
nis2-list-intro = Vos incidents notifiés au titre de NIS2 (article 23) : chaque étape de notification avec son échéance et son état, et le projet de son rapport.
nis2-list-intro-soc = Tous les dossiers NIS2 de vos clients dont les délais courent, la prise de connaissance la plus récente d’abord : chaque étape avec son échéance et son état, et le projet de son rapport.
nis2-list-none = Aucun dossier NIS2 n’a de délai en cours.
nis2-not-started = Pas encore de dossier NIS2 : évaluez l’importance de l’incident ou enregistrez le moment de la prise de connaissance pour l’ouvrir.
nis2-state = État de la notification
nis2-detected = Premier signal
nis2-aware-at = Prise de connaissance (heure de Bruxelles)
nis2-not-aware = Pas encore déterminée : aucun délai ne court.
nis2-aware-by = { $time }, fixée par { $name } : { $reason }
nis2-proposed = Proposition du moteur
nis2-confirmed = Verdict confirmé
nis2-confirmed-by = { $verdict }, par { $name } le { $time }
nis2-trust-service = Service de confiance d’un prestataire de services de confiance touché (notification sous 24 h)
nis2-report-language = Langue des rapports
nis2-clocks = Échéances de notification
nis2-due-at = Échéance
nis2-drafts = Projets de rapport
nis2-drafts-help = Chaque projet est produit à l’instant à partir du dossier, dans la langue des rapports du dossier, marqué TLP:AMBER ; chaque téléchargement est inscrit au journal d’audit.
nis2-approvals = Approbations
nis2-version = Version
nis2-language = Langue
nis2-approved-by = Approuvé par
nis2-approval-pending = Approuvé, en attente de transmission
nis2-approval-stale = Périmé : le rapport a changé depuis son approbation ; approuvez-le à nouveau
nis2-approval-submitted = Transmis (n° { $id })
nis2-submissions = Transmissions
nis2-stages = Étapes
nis2-submitted-at = Transmis le (heure de Bruxelles)
nis2-channel = Canal
nis2-reference = Référence de l’autorité
nis2-submitted-by = Enregistré par
nis2-lateness-reason = Motif du retard
nis2-no-liability = La notification n’accroît pas en soi la responsabilité de l’entité (NIS2, art. 23, § 1). vigie propose ; une personne nommée décide, et chaque décision est auditée.
nis2-assess-title = Évaluation de l’importance
nis2-engine-verdict = Verdict du moteur sur les faits enregistrés
nis2-precautionary = Indéterminé : une alerte précoce par précaution est recommandée tant que des données manquent.
nis2-missing = Données manquantes :
nis2-findings = Critères évalués
nis2-criterion = Critère
nis2-criterion-text = Ce qu’il dit
nis2-source = Source
nis2-result = Résultat
nis2-advisory = indicatif
nis2-skipped = Paquets de règles non appliqués :
nis2-assess-help = « A causé ou est susceptible de causer » : indiquez la valeur réelle et, si elle peut croître, la valeur prévisible. Inconnu est une réponse, jamais un « non ».
nis2-fact = Fait
nis2-actual = Réel
nis2-projected = Prévisible
nis2-assess-submit = Enregistrer les faits et évaluer
nis2-confirm-title = Confirmer, rejeter ou retirer l’importance
nis2-verdict = Verdict
nis2-reason = Motif
nis2-confirm-help = Confirmer la proposition du moteur ne demande pas de motif ; tout autre verdict (ou un verdict sans proposition) en demande un. « Non significatif » rejette le dossier.
nis2-confirm-submit = Enregistrer ma décision
nis2-withdraw-help = Importance retirée après le début des notifications : les délais s’arrêtent et une mise à jour indiquant que l’incident n’est finalement pas significatif est due.
nis2-withdraw-confirm = Je confirme que l’incident n’est finalement pas significatif
nis2-withdraw-submit = Retirer l’importance
nis2-awareness-title = Moment de la prise de connaissance
nis2-awareness-help = Les délais courent à partir de la prise de connaissance : pas avant le premier signal, pas dans le futur ; après une transmission, elle ne peut qu’avancer.
nis2-awareness-submit = Fixer la prise de connaissance
nis2-record-title = Champs des rapports
nis2-text-lang = Langue des nouveaux textes
nis2-record-header = En-tête
nis2-field-title = Titre du rapport (vide : celui de l’incident)
nis2-field-reporter = Personne qui notifie
nis2-field-contact = Contact 24/7 (vide : celui du profil)
nis2-field-authority_ref = Référence de l’autorité
nis2-field-summary = Résumé : quoi, quand, quel service
nis2-field-support_requested = Assistance demandée au CSIRT
nis2-field-suspected_malicious = Acte illicite ou malveillant soupçonné
nis2-field-cross_border = Impact transfrontière possible
nis2-field-member_states = États membres concernés
nis2-member-states-help = Codes à deux lettres, séparés par des virgules (BE, FR, NL).
nis2-field-affected = Services et utilisateurs touchés, durée
nis2-field-recipients = Destinataires informés, autres autorités notifiées
nis2-field-expected_end = Fin de traitement prévue, prochain rapport
nis2-field-severity = Gravité de la menace (NIS CG)
nis2-field-impact_severity = Gravité de l’impact (NIS CG)
nis2-field-outlook = Évolution attendue
nis2-field-root_cause_category = Catégorie de cause (NIS CG)
nis2-field-iocs = Indicateurs de compromission
nis2-iocs-help = Un par ligne : type et valeur, éventuellement un label TLP (ip 203.0.113.7 TLP:RED).
nis2-field-mitigations = Mesures d’atténuation
nis2-mitigations-help = Une par ligne : applied (appliquée), ongoing (en cours) ou planned (prévue), deux-points, la mesure (ongoing: comptes réinitialisés).
nis2-field-csirt_answers = Réponses aux questions du CSIRT
nis2-field-detailed_description = Description détaillée
nis2-field-root_cause = Type de menace ou cause profonde
nis2-field-lessons_learned = Enseignements et suivi
nis2-field-timeline = Chronologie
nis2-timeline-help = Un par ligne : date et heure de Bruxelles, puis ce qui s’est passé (2026-03-29 10:30 chiffrement détecté).
nis2-record-help = L’enregistrement remplace tous les champs des rapports ; les approbations antérieures deviennent périmées.
nis2-record-submit = Enregistrer les champs des rapports
nis2-case-title = Service de confiance, fin du traitement, demande du CSIRT
nis2-handled-at = Traitement terminé le
nis2-requested-at = Rapport intermédiaire demandé par le CSIRT le
nis2-request-due-at = Échéance donnée par le CSIRT (vide : la demander à l’autorité)
nis2-case-help = La fin du traitement départage le rapport final et le rapport d’avancement ; une demande du CSIRT ouvre un rapport intermédiaire.
nis2-approve-title = Approuver un rapport
nis2-stage = Étape
nis2-approve-help = Vous approuvez le projet actuel de l’étape dans cette langue et sous ce label : son contenu est figé par son SHA-256. Une transmission exige l’approbation de chacune de ses étapes ; toute modification ultérieure du dossier rend l’approbation périmée.
nis2-approve-submit = Approuver le projet
nis2-submit-title = Enregistrer une transmission
nis2-submit-help = Une transmission peut couvrir plusieurs étapes (une alerte précoce avec la notification). Chacune doit être approuvée dans cette langue et sous ce label ; une étape dont l’échéance est passée demande le motif du retard.
nis2-submit-submit = Enregistrer la transmission
nis2-channel-platform = Plateforme de l’autorité
nis2-channel-email = Courriel
nis2-channel-phone = Téléphone (suivi écrit requis)
nis2-not-given = (non indiqué)
nis2-tri-yes = Oui
nis2-tri-no = Non
nis2-tri-unknown = Inconnu
nis2-verdict-significant = Significatif
nis2-verdict-not_significant = Non significatif
nis2-verdict-undetermined = Indéterminé
nis2-verdict-excluded = Exclu (maintenance programmée)
nis2-state-detected = Détecté
nis2-state-triage = En cours d’évaluation
nis2-state-not_significant = Non significatif
nis2-state-undetermined = Indéterminé
nis2-state-significant = Significatif, prise de connaissance à fixer
nis2-state-awareness_set = Prise de connaissance fixée, délais en cours
nis2-state-early_warning_sent = Alerte précoce transmise
nis2-state-notification_sent = Notification transmise
nis2-state-intermediate_requested = Rapport intermédiaire demandé
nis2-state-progress_sent = Rapport d’avancement transmis
nis2-state-final_sent = Rapport final transmis
nis2-state-closed = Clôturé
nis2-state-downgraded = Importance retirée
nis2-refused = Non enregistré. { $field } : { $detail }
nis2-bad-line = { $field }, ligne { $line } : « { $value } » est illisible.
nis2-fact-severe_disruption_or_financial_loss = Perturbation opérationnelle grave ou perte financière, causée ou possible
nis2-fact-considerable_damage_to_others = Dommage considérable à d’autres personnes, causé ou possible
nis2-fact-severe_disruption_possible = Peut causer une perturbation opérationnelle grave
nis2-fact-financial_loss_eur = Perte financière directe (EUR)
nis2-fact-turnover_eur = Chiffre d’affaires annuel de l’exercice précédent (EUR)
nis2-fact-trade_secret_exfiltration = Secrets d’affaires exfiltrés ou possiblement exfiltrés
nis2-fact-deaths = Décès causés ou possibles
nis2-fact-health_damage = Atteinte considérable à la santé d’une personne
nis2-fact-unauthorised_access_success = Accès non autorisé réussi aux réseaux et systèmes d’information
nis2-fact-suspected_malicious = Acte illicite ou malveillant soupçonné
nis2-fact-recurring_incidents_6_months = Incidents de même cause apparente en 6 mois
nis2-fact-recurring_same_root_cause = Ces incidents ont la même cause apparente
nis2-fact-recurring_financial_loss_eur = Leur perte financière directe cumulée (EUR)
nis2-fact-outage_full_minutes = Minutes d’indisponibilité totale du service
nis2-fact-degraded_minutes = Minutes de service dégradé
nis2-fact-dns_avg_response_ms = Temps de réponse DNS moyen (ms)
nis2-fact-users_total = Utilisateurs du service dans l’UE
nis2-fact-users_affected = Utilisateurs touchés (estimation maximale plausible)
nis2-fact-data_compromise = Intégrité, confidentialité ou authenticité des données compromise
nis2-fact-data_compromise_users = Utilisateurs dont les données ont été compromises
nis2-fact-physical_access_compromised = Accès physique à des zones restreintes compromis
nis2-fact-weekly_unavailability_minutes = Minutes d’indisponibilité dans la semaine civile (services de confiance)
nis2-fact-scheduled_maintenance_explains_all = L’interruption est entièrement une maintenance programmée
