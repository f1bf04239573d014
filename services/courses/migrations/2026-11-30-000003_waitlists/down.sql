ALTER TABLE courses DROP COLUMN waitlisted;
DROP TABLE waitlist_entries;
