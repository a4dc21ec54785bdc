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
