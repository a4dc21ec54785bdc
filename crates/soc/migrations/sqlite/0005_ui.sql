-- The web application's per-user state: the language a user chose (restored at login) and
-- named saved views of the alert queue (a filter as a query string). Both belong to the user
-- and go with it.

CREATE TABLE user_prefs (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    language   TEXT,
    updated_at INTEGER NOT NULL
);

CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    query      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, name)
);

-- The alert queue opens on the newest alerts of one status ("new"): without this index a
-- queue with few alerts of that status walks the whole alerts table by time.
CREATE INDEX alerts_status_created ON alerts (status, created_at, id);

-- The dashboard counts open incidents per tenant and severity from this index alone. It is
-- partial (open incidents only, written as literals) so that only a query naming exactly
-- these statuses uses it: the incident list, which binds its statuses, keeps its own plan.
CREATE INDEX incidents_open ON incidents (tenant_id, severity)
    WHERE status IN ('new', 'acknowledged', 'in_progress', 'on_hold');

-- The dashboard's "SLA at risk" looks at the most severe open incidents, newest first.
CREATE INDEX incidents_open_severity ON incidents (severity, created_at, id, tenant_id)
    WHERE status IN ('new', 'acknowledged', 'in_progress', 'on_hold');
