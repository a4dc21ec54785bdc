-- vigie SOC state, SQLite schema version 4: API tokens owned by a user, and the SLA-clock
-- time of each incident's acknowledgement and resolution (for MTTA/MTTR on the contract's
-- calendar). Times are INTEGER microseconds since the Unix epoch (UTC).

-- A user's own API token (secret `vgu_` + 64 hex digits; only its SHA-256 is kept). It acts
-- as the user with only `permissions` (JSON array of permission names) and, when `tenants`
-- (JSON array of tenant ids) is set, only over those of the user's current tenants.
CREATE TABLE user_tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    label       TEXT    NOT NULL,
    secret_hash BLOB    NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
    permissions TEXT    NOT NULL,
    tenants     TEXT,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    revoked_at  INTEGER
);
CREATE INDEX user_tokens_user ON user_tokens (user_id);

-- Time on the SLA clock (the tenant's contract calendar, 24x7 without a contract, on-hold
-- spans left out) from creation to the first acknowledgement and to the last resolution,
-- fixed when the incident reaches that state. NULL until then.
ALTER TABLE incidents ADD COLUMN ack_clock_us INTEGER;
ALTER TABLE incidents ADD COLUMN resolve_clock_us INTEGER;

-- The SLA summary groups by tenant, severity and category (RSIT class) and averages both the
-- wall-clock and the SLA-clock times over this covering index.
DROP INDEX incidents_sla;
CREATE INDEX incidents_sla ON incidents (created_at, tenant_id, severity, rsit_class,
                                       acknowledged_at, resolved_at, ack_clock_us,
                                       resolve_clock_us, merged_into);
