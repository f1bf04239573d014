-- An archived course has left the catalogue: no one enrolls in it or
-- drops it, and its roster and grades stay as they are.
ALTER TABLE courses ADD COLUMN archived_at TIMESTAMP NULL;
