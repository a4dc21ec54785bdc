-- vigie SOC state, SQLite schema version 8: comments are internal (the SOC's staff only) or
-- shared with the client; a shared comment of the SOC may be a question to the client, and
-- a client's comment may answer one (`answers`: the question's id).
--
-- Until now every comment was shown to the client. Comments written by the SOC's staff
-- become internal (the safe side: a note meant for colleagues is not shown again); those a
-- client wrote (a tenant-role user, or a tenant's own token) stay shared.
ALTER TABLE comments ADD COLUMN visibility TEXT NOT NULL DEFAULT 'internal'
    CHECK (visibility IN ('internal', 'shared'));
ALTER TABLE comments ADD COLUMN kind TEXT NOT NULL DEFAULT 'note'
    CHECK (kind IN ('note', 'question', 'answer'));
ALTER TABLE comments ADD COLUMN answers INTEGER REFERENCES comments (id);
UPDATE comments SET visibility = 'shared'
 WHERE substr(author, 1, instr(author || '/', '/') - 1)
       IN (SELECT 'user:' || username FROM users WHERE role IN ('tenant_admin', 'tenant_user'))
    OR author IN (SELECT 'token:' || id FROM tokens WHERE tenant_id IS NOT NULL);
CREATE INDEX comments_questions ON comments (incident_id) WHERE kind = 'question';
