DROP TABLE revocations;
ALTER TABLE users DROP COLUMN session_epoch;
ALTER TABLE users DROP COLUMN must_change_password;
ALTER TABLE users DROP COLUMN disabled;
