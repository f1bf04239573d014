-- Account management: an admin can disable an account or reset its
-- password (the user then chooses a new one before signing in again).
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
-- Raised each time all of a user's sessions end; every token carries the
-- epoch it was issued in, and older epochs are refused.
ALTER TABLE users ADD COLUMN session_epoch BIGINT NOT NULL DEFAULT 0;

-- Sessions ended before their tokens expire, which every service pulls
-- (`GET /auth/revocations`). With `token_id`, that token; without it,
-- every token of the user from a session epoch below `session_epoch`. A row
-- matters until `expires_at`, when every token it could refuse has expired.
CREATE TABLE revocations (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    token_id TEXT,
    session_epoch BIGINT NOT NULL,
    revoked_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE INDEX revocations_revoked_at ON revocations (revoked_at);
CREATE INDEX revocations_expires_at ON revocations (expires_at);
