-- Failed sign-ins counted per subject within a window, shared by every
-- replica of auth-service. A subject is `pair:<email> <address>`,
-- `account:<email>`, `address:<address>`, or `known:<email> <address>` (an
-- address the account signed in from, remembered for a month).
CREATE TABLE login_failures (
    subject TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    window_ends_at TIMESTAMP NOT NULL
);

CREATE INDEX login_failures_window_ends_at ON login_failures (window_ends_at);
