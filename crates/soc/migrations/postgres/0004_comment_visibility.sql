-- vigie SOC state, PostgreSQL schema version 4 (SQLite version 8): comments are internal
-- (the SOC's staff only) or shared with the client; a shared comment of the SOC may be a
-- question to the client, and a client's comment may answer one (`answers`: the question).
--
-- Until now every comment was shown to the client. Comments written by the SOC's staff
-- become internal (the safe side); those a client wrote (a tenant-role user, or a tenant's
-- own token) stay shared. The table's row-level security and grants cover the new columns.
ALTER TABLE comments ADD COLUMN visibility TEXT COLLATE "C" NOT NULL DEFAULT 'internal'
    CHECK (visibility IN ('internal', 'shared'));
ALTER TABLE comments ADD COLUMN kind TEXT COLLATE "C" NOT NULL DEFAULT 'note'
    CHECK (kind IN ('note', 'question', 'answer'));
ALTER TABLE comments ADD COLUMN answers BIGINT REFERENCES comments (id);
-- Row-level security applies to the schema owner too (FORCE): reach every row for this
-- transaction only.
SELECT set_config('vigie.all', '1', true);
UPDATE comments SET visibility = 'shared'
 WHERE split_part(author, '/', 1)
       IN (SELECT 'user:' || username FROM users WHERE role IN ('tenant_admin', 'tenant_user'))
    OR author IN (SELECT 'token:' || id FROM tokens WHERE tenant_id IS NOT NULL);
CREATE INDEX comments_questions ON comments (incident_id) WHERE kind = 'question';
SELECT set_config('vigie.all', '', true);
