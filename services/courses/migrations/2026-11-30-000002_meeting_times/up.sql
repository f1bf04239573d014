-- When and where a course meets each week. Times are minutes after
-- midnight (the same integers on both databases); days are ISO 8601, 1 for
-- Monday. An enrollment is refused when one of the course's meetings
-- shares a minute with one of a course the student holds in the term.
CREATE TABLE meeting_times (
    course_id TEXT NOT NULL REFERENCES courses (id),
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    room TEXT NOT NULL DEFAULT '',
    CHECK (0 <= starts_at AND starts_at < ends_at AND ends_at <= 1440),
    PRIMARY KEY (course_id, weekday, starts_at)
);
