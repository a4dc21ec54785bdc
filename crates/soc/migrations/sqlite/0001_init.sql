-- vigie SOC state, SQLite schema version 1.
-- Times are INTEGER microseconds since the Unix epoch (UTC), so ORDER BY is chronological.

CREATE TABLE tenants (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- tenant_id NULL = a platform token. Only SHA-256(secret) is kept.
CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id   INTEGER REFERENCES tenants (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('ingest', 'read', 'admin')),
    label       TEXT    NOT NULL,
    secret_hash BLOB    NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX tokens_tenant ON tokens (tenant_id);

-- password_hash is an Argon2id PHC string.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);

-- severity is Severity::rank (0 informational .. 4 critical).
CREATE TABLE rule_status (
    path        TEXT    PRIMARY KEY,
    rule_id     TEXT,
    title       TEXT,
    severity    INTEGER CHECK (severity BETWEEN 0 AND 4),
    loaded      INTEGER NOT NULL CHECK (loaded IN (0, 1)),
    reason      TEXT
);

-- id = alert_id(rule_id, event_id): a replayed alert hits the primary key and is ignored.
-- severity is Severity::rank; event is the JSON snapshot of the event.
CREATE TABLE alerts (
    id                 TEXT    PRIMARY KEY,
    tenant_id          INTEGER NOT NULL REFERENCES tenants (id),
    rule_id            TEXT    NOT NULL,
    rule_title         TEXT    NOT NULL,
    severity           INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 4),
    event_id           TEXT    NOT NULL,
    event_received_at  INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    event              TEXT    NOT NULL
);
CREATE INDEX alerts_tenant_created ON alerts (tenant_id, created_at, id);
CREATE INDEX alerts_created ON alerts (created_at, id);
CREATE INDEX alerts_rule ON alerts (rule_id, created_at);
CREATE INDEX alerts_severity ON alerts (severity, created_at);
