DROP INDEX courses_by_seats_changed_at;
ALTER TABLE courses DROP COLUMN seats_changed_at;
