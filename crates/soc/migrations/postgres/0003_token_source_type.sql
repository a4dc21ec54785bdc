-- vigie SOC state, PostgreSQL schema version 3 (SQLite version 7): the source type an
-- ingest token declares for every event sent with it; NULL: none. The table's row-level
-- security and grants cover the new column.
ALTER TABLE tokens ADD COLUMN source_type TEXT COLLATE "C";
