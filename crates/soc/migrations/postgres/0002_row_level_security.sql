-- vigie SOC state, PostgreSQL schema version 2: tenant isolation below the SQL.
--
-- Every tenant-owned table shows a transaction only the rows of the tenants its reach names
-- (crates/soc/src/state/sql.rs, `Reach`), read from two settings the store sets with
-- set_config(.., true) at the start of each transaction, so they end with it:
--   vigie.tenants  the scope's tenant ids, comma-separated ('' for none)
--   vigie.all      '1' for the platform scope and for the named cross-tenant paths
--                  (`CrossTenant`: the access layer's lookups by secret hash, the pipeline,
--                  the audit chain, the SLA timer, the operator)
-- A query outside such a transaction (or that set neither) sees no row and may write none.
-- FORCE applies the policies to the tables' owner too; only a superuser or a BYPASSRLS role
-- passes them, so the application connects as a role that is neither (docs/cluster.md).
--
-- Not tenant-owned, so without policies: the identity records (users, user_tenants,
-- sessions, user_tokens, user_prefs, saved_views: a user may work for several tenants or
-- none, and the access layer finds them by secret hash or name before any scope exists),
-- the chain's head (audit_head: a number and a hash) and schema_version.

CREATE FUNCTION vigie_all() RETURNS BOOLEAN
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT COALESCE(current_setting('vigie.all', true), '') = '1' $$;

CREATE FUNCTION vigie_tenants() RETURNS BIGINT[]
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT COALESCE(
              string_to_array(NULLIF(current_setting('vigie.tenants', true), ''), ',')::BIGINT[],
              '{}'::BIGINT[]) $$;

-- Tables with a tenant column: the row's tenant is in reach. A NULL tenant (a platform
-- token, a platform-wide audit entry) only with vigie.all.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON tenants
    USING (vigie_all() OR id = ANY (vigie_tenants()));

ALTER TABLE tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON tokens
    USING (vigie_all() OR tenant_id = ANY (vigie_tenants()));

ALTER TABLE alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON alerts
    USING (vigie_all() OR tenant_id = ANY (vigie_tenants()));

ALTER TABLE suppressions ENABLE ROW LEVEL SECURITY;
ALTER TABLE suppressions FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON suppressions
    USING (vigie_all() OR tenant_id = ANY (vigie_tenants()));

ALTER TABLE rule_stats ENABLE ROW LEVEL SECURITY;
ALTER TABLE rule_stats FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON rule_stats
    USING (vigie_all() OR tenant_id = ANY (vigie_tenants()));

ALTER TABLE incidents ENABLE ROW LEVEL SECURITY;
ALTER TABLE incidents FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON incidents
    USING (vigie_all() OR tenant_id = ANY (vigie_tenants()));

ALTER TABLE sla_contracts ENABLE ROW LEVEL SECURITY;
ALTER TABLE sla_contracts FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON sla_contracts
    USING (vigie_all() OR tenant_id = ANY (vigie_tenants()));

ALTER TABLE nis2_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE nis2_profiles FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON nis2_profiles
    USING (vigie_all() OR tenant_id = ANY (vigie_tenants()));

ALTER TABLE nis2_cases ENABLE ROW LEVEL SECURITY;
ALTER TABLE nis2_cases FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON nis2_cases
    USING (vigie_all() OR tenant_id = ANY (vigie_tenants()));

ALTER TABLE nis2_submissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE nis2_submissions FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON nis2_submissions
    USING (vigie_all() OR tenant_id = ANY (vigie_tenants()));

-- Rule status: the shared rules are everyone's; a tenant's filter is its own.
ALTER TABLE rule_status ENABLE ROW LEVEL SECURITY;
ALTER TABLE rule_status FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON rule_status
    USING (vigie_all() OR audience = 'everyone' OR tenant_id = ANY (vigie_tenants()))
    WITH CHECK (vigie_all());

-- Rows of an alert or an incident: visible with their parent (whose own policy applies).
ALTER TABLE alert_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE alert_members FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON alert_members
    USING (vigie_all() OR EXISTS (SELECT 1 FROM alerts a WHERE a.id = alert_members.alert_id));

ALTER TABLE observables ENABLE ROW LEVEL SECURITY;
ALTER TABLE observables FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON observables
    USING (vigie_all() OR EXISTS (SELECT 1 FROM incidents i WHERE i.id = observables.incident_id));

ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON tasks
    USING (vigie_all() OR EXISTS (SELECT 1 FROM incidents i WHERE i.id = tasks.incident_id));

ALTER TABLE comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE comments FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON comments
    USING (vigie_all() OR EXISTS (SELECT 1 FROM incidents i WHERE i.id = comments.incident_id));

ALTER TABLE timeline ENABLE ROW LEVEL SECURITY;
ALTER TABLE timeline FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON timeline
    USING (vigie_all() OR EXISTS (SELECT 1 FROM incidents i WHERE i.id = timeline.incident_id));

ALTER TABLE sla_breaches ENABLE ROW LEVEL SECURITY;
ALTER TABLE sla_breaches FORCE ROW LEVEL SECURITY;
CREATE POLICY in_reach ON sla_breaches
    USING (vigie_all() OR EXISTS (SELECT 1 FROM incidents i WHERE i.id = sla_breaches.incident_id));

-- The audit log: read by the audit path (and within a scope, a tenant's own entries);
-- appended to by every change, an entry naming a tenant only within reach of it. No policy
-- for UPDATE or DELETE: none passes (and the application role is not granted them).
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY read_in_reach ON audit_log FOR SELECT
    USING (vigie_all() OR tenant_id = ANY (vigie_tenants()));
CREATE POLICY append_in_reach ON audit_log FOR INSERT
    WITH CHECK (vigie_all() OR tenant_id IS NULL OR tenant_id = ANY (vigie_tenants()));
