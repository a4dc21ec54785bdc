-- vigie SOC state, SQLite schema version 2: the SOC desk.
-- Users with roles and tenants, server-side sessions, alert dedup and triage, suppressions,
-- incidents (timeline, observables, tasks, comments), SLA contracts and breaches, and the
-- hash-chained audit log. Times are INTEGER microseconds since the Unix epoch (UTC).

ALTER TABLE users ADD COLUMN disabled_at INTEGER;

-- The tenants a user works for. Platform admins have none (they see every tenant).
CREATE TABLE user_tenants (
    user_id   INTEGER NOT NULL REFERENCES users (id),
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    PRIMARY KEY (user_id, tenant_id)
);
CREATE INDEX user_tenants_tenant ON user_tenants (tenant_id);

-- Only SHA-256(session secret) is kept. csrf is the token the client echoes in X-CSRF-Token.
CREATE TABLE sessions (
    secret_hash BLOB    PRIMARY KEY CHECK (length(secret_hash) = 32),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    csrf        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    ended_at    INTEGER
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Dedup and triage state of an alert. `alert_members` maps every raised alert id
-- (alert_id(rule, event)) to the alert it was folded into, so a replay is ignored.
ALTER TABLE alerts ADD COLUMN group_key TEXT;
ALTER TABLE alerts ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE alerts ADD COLUMN first_seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN last_seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN status TEXT NOT NULL DEFAULT 'new'
    CHECK (status IN ('new', 'acknowledged', 'escalated', 'false_positive', 'suppressed'));
ALTER TABLE alerts ADD COLUMN status_reason TEXT;
ALTER TABLE alerts ADD COLUMN suppression_id INTEGER;
ALTER TABLE alerts ADD COLUMN incident_id INTEGER;
UPDATE alerts SET first_seen = event_received_at, last_seen = event_received_at;
CREATE INDEX alerts_dedup ON alerts (tenant_id, rule_id, group_key, last_seen);
CREATE INDEX alerts_incident ON alerts (incident_id);

CREATE TABLE alert_members (
    member_id TEXT PRIMARY KEY,
    alert_id  TEXT NOT NULL REFERENCES alerts (id)
);
INSERT INTO alert_members (member_id, alert_id) SELECT id, id FROM alerts;

-- Per-tenant suppression: alerts of rule_id (and group_key, when set) are recorded with
-- status 'suppressed' until expires_at.
CREATE TABLE suppressions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    rule_id     TEXT    NOT NULL,
    group_key   TEXT,
    reason      TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    hits        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX suppressions_rule ON suppressions (tenant_id, rule_id);

-- Feedback from triage, per tenant and rule.
CREATE TABLE rule_stats (
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id),
    rule_id         TEXT    NOT NULL,
    acknowledged    INTEGER NOT NULL DEFAULT 0,
    escalated       INTEGER NOT NULL DEFAULT 0,
    false_positives INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, rule_id)
);

CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id),
    title           TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    severity        INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 4),
    rsit_class      TEXT,
    rsit_type       TEXT,
    tlp             TEXT    NOT NULL,
    assignee_id     INTEGER REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    acknowledged_at INTEGER,
    resolved_at     INTEGER,
    closed_at       INTEGER,
    merged_into     INTEGER REFERENCES incidents (id)
);
-- status is in the index so a filtered, newest-first list never reads rows it skips.
CREATE INDEX incidents_tenant_created ON incidents (tenant_id, created_at, id, status);
CREATE INDEX incidents_created ON incidents (created_at, id);
CREATE INDEX incidents_status ON incidents (tenant_id, status, created_at, id);
CREATE INDEX incidents_severity ON incidents (severity, created_at, id);
CREATE INDEX incidents_tenant_severity ON incidents (tenant_id, severity, created_at, id);
-- Covers the SLA summary (MTTA/MTTR over a time range) without touching the table.
CREATE INDEX incidents_sla ON incidents (created_at, tenant_id, severity, acknowledged_at,
                                       resolved_at, merged_into);

CREATE TABLE observables (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    kind        TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    PRIMARY KEY (incident_id, kind, value)
);

CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    title       TEXT    NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    created_at  INTEGER NOT NULL
);
CREATE INDEX tasks_incident ON tasks (incident_id);

CREATE TABLE comments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    author      TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX comments_incident ON comments (incident_id);

-- Every change of an incident, in order. detail is JSON.
CREATE TABLE timeline (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    detail      TEXT    NOT NULL
);
CREATE INDEX timeline_incident ON timeline (incident_id, id);

-- SLA contract of a tenant: calendar ('24x7' or 'business') and targets per severity (JSON
-- object severity -> {"acknowledge_minutes": n, "resolve_minutes": n}).
CREATE TABLE sla_contracts (
    tenant_id  INTEGER PRIMARY KEY REFERENCES tenants (id),
    calendar   TEXT    NOT NULL CHECK (calendar IN ('24x7', 'business')),
    targets    TEXT    NOT NULL,
    warn_ratio REAL    NOT NULL DEFAULT 0.8,
    updated_at INTEGER NOT NULL
);

CREATE TABLE sla_breaches (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('acknowledge', 'resolve')),
    due_at      INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (incident_id, kind)
);

-- The audit log: a hash chain. hash = SHA-256 over (seq, at, actor, tenant, action, object,
-- payload_hash, prev_hash), see crates/soc/src/audit.rs. Append only.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    actor        TEXT    NOT NULL,
    tenant_id    INTEGER,
    action       TEXT    NOT NULL,
    object       TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    payload_hash BLOB    NOT NULL,
    prev_hash    BLOB    NOT NULL,
    hash         BLOB    NOT NULL
);
CREATE INDEX audit_tenant ON audit_log (tenant_id, seq);
