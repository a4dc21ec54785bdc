-- The rule status says whom each row concerns, and a file may hold several documents.
-- audience: 'everyone' (a shared rule), 'tenant' (the Sigma filter of tenant_id), 'platform'
-- (seen by the platform only: a filter folder that names no tenant). path is relative to the
-- rules directory. The table is rewritten at every start of the server, so its rows are not
-- carried over.
DROP TABLE rule_status;

CREATE TABLE rule_status (
    position    INTEGER PRIMARY KEY,
    path        TEXT    NOT NULL,
    audience    TEXT    NOT NULL CHECK (audience IN ('everyone', 'tenant', 'platform')),
    tenant_id   INTEGER REFERENCES tenants (id),
    rule_id     TEXT,
    title       TEXT,
    severity    INTEGER CHECK (severity BETWEEN 0 AND 4),
    loaded      INTEGER NOT NULL CHECK (loaded IN (0, 1)),
    reason      TEXT,
    CHECK ((audience = 'tenant') = (tenant_id IS NOT NULL))
);

CREATE INDEX rule_status_by_path ON rule_status (path, position);
