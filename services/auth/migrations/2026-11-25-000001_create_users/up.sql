-- One migration set for SQLite and PostgreSQL: ids are application-assigned
-- UUID strings and timestamps are UTC.
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    -- Comma-separated role names, e.g. 'teacher,admin'.
    roles TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
