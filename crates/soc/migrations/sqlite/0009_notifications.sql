-- vigie SOC state, SQLite schema version 9: the notification outbox (crates/soc/src/notify.rs).
-- One row per e-mail or webhook call: queued with a dedup key (a sweep that runs twice
-- queues it once), claimed by a sender under a lease, retried with backoff, then sent or
-- dead (the dead-letter list). Times in microseconds since the Unix epoch.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    dedup       TEXT NOT NULL UNIQUE,
    tenant_id   INTEGER REFERENCES tenants (id),
    incident_id INTEGER REFERENCES incidents (id),
    event       TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    recipient   TEXT NOT NULL,
    address     TEXT NOT NULL,
    client      INTEGER NOT NULL DEFAULT 0,
    language    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    subject_ref TEXT,
    team        TEXT,
    level       INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'dead')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    lease_until INTEGER,
    sent_at     INTEGER,
    last_error  TEXT
);
CREATE INDEX notifications_due ON notifications (status, due_at);
CREATE INDEX notifications_tenant ON notifications (tenant_id, id);
CREATE INDEX notifications_pages ON notifications (created_at) WHERE team IS NOT NULL;
