-- NIS2 Article 23 per incident: the entity profile of each tenant (versioned), the case of
-- each incident (awareness, facts, verdicts, reporting state, report fields) and the
-- submissions with their frozen content.

CREATE TABLE nis2_profiles (
    tenant_id INTEGER NOT NULL REFERENCES tenants (id),
    version   INTEGER NOT NULL,
    profile   TEXT    NOT NULL,
    set_by    TEXT    NOT NULL,
    set_at    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, version)
);

CREATE TABLE nis2_cases (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents (id),
    tenant_id   INTEGER NOT NULL REFERENCES tenants (id),
    aware_at    INTEGER,
    closed      INTEGER NOT NULL DEFAULT 0,
    data        TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX nis2_cases_open ON nis2_cases (tenant_id, closed, aware_at);

CREATE TABLE nis2_submissions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id     INTEGER NOT NULL REFERENCES incidents (id),
    tenant_id       INTEGER NOT NULL REFERENCES tenants (id),
    stages          TEXT    NOT NULL,
    submitted_at    INTEGER NOT NULL,
    channel         TEXT    NOT NULL,
    reference       TEXT,
    submitted_by    TEXT    NOT NULL,
    language        TEXT    NOT NULL,
    tlp             TEXT    NOT NULL,
    lateness_reason TEXT,
    content         TEXT    NOT NULL,
    content_sha256  TEXT    NOT NULL,
    recorded_at     INTEGER NOT NULL
);
CREATE INDEX nis2_submissions_incident ON nis2_submissions (incident_id, submitted_at);
