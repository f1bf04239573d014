-- When a course's seat count last changed (an enrollment, a drop, its
-- creation): open tabs ask for the counts changed since a moment they
-- hold (`GET /courses/seats?since=`), not for the whole catalogue.
ALTER TABLE courses ADD COLUMN seats_changed_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE courses SET seats_changed_at = created_at;
CREATE INDEX courses_by_seats_changed_at ON courses (seats_changed_at);
