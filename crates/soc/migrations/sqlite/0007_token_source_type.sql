-- vigie SOC state, SQLite schema version 7: the source type an ingest token declares for
-- every event sent with it (`vigie token create --source-type`); NULL: none.
ALTER TABLE tokens ADD COLUMN source_type TEXT;
