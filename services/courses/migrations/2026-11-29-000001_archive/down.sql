ALTER TABLE courses DROP COLUMN archived_at;
