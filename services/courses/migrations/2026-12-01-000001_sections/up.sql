-- Sections: a row of `courses` is one section of a course, with its own
-- capacity, seat counter, teacher, meetings, roster and waitlist. The
-- sections of a course share its term, code, title, description and
-- credits (the API keeps them equal) and differ by `section` ('01', 'A').
-- A code is unique per term and section, no longer across all time, so
-- the table is rebuilt: SQLite cannot drop a column's UNIQUE. Its child
-- tables are rebuilt with it, pointing at the new table, so that the same
-- statements run on both databases with foreign keys enforced throughout.
CREATE TABLE sections (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    teacher_id TEXT NOT NULL,
    teacher_name TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    -- Seats taken, kept in step with `enrollments` inside each enrollment's
    -- transaction. The guarded increment (`enrolled < capacity`) is what
    -- serialises a section's enrollments; only an admin's override (an
    -- enrollment with an `override_reason`) takes a seat past capacity.
    enrolled INTEGER NOT NULL DEFAULT 0 CHECK (enrolled >= 0),
    created_at TIMESTAMP NOT NULL,
    seats_changed_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00',
    archived_at TIMESTAMP NULL,
    term_id TEXT NOT NULL DEFAULT '00000000-0000-4000-8000-000000000001' REFERENCES terms (id),
    credits INTEGER NOT NULL DEFAULT 3 CHECK (credits >= 0 AND credits <= 30),
    waitlisted INTEGER NOT NULL DEFAULT 0 CHECK (waitlisted >= 0),
    section TEXT NOT NULL DEFAULT '01',
    UNIQUE (term_id, code, section)
);

INSERT INTO sections (id, code, title, description, teacher_id, teacher_name, capacity, enrolled, created_at,
                      seats_changed_at, archived_at, term_id, credits, waitlisted, section)
SELECT id, code, title, description, teacher_id, teacher_name, capacity, enrolled, created_at,
       seats_changed_at, archived_at, term_id, credits, waitlisted, '01'
FROM courses;

CREATE TABLE enrollments_v2 (
    course_id TEXT NOT NULL REFERENCES sections (id),
    student_id TEXT NOT NULL,
    student_name TEXT NOT NULL,
    student_email TEXT NOT NULL,
    enrolled_at TIMESTAMP NOT NULL,
    credits INTEGER NOT NULL DEFAULT 0,
    -- An admin's enrollment past capacity, a conflict, the credit limit or
    -- the window: why, as they gave it.
    override_reason TEXT NULL,
    PRIMARY KEY (course_id, student_id)
);

INSERT INTO enrollments_v2 (course_id, student_id, student_name, student_email, enrolled_at, credits)
SELECT course_id, student_id, student_name, student_email, enrolled_at, credits FROM enrollments;

CREATE TABLE meeting_times_v2 (
    course_id TEXT NOT NULL REFERENCES sections (id),
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    room TEXT NOT NULL DEFAULT '',
    CHECK (0 <= starts_at AND starts_at < ends_at AND ends_at <= 1440),
    PRIMARY KEY (course_id, weekday, starts_at)
);

INSERT INTO meeting_times_v2 (course_id, weekday, starts_at, ends_at, room)
SELECT course_id, weekday, starts_at, ends_at, room FROM meeting_times;

CREATE TABLE waitlist_entries_v2 (
    course_id TEXT NOT NULL REFERENCES sections (id),
    student_id TEXT NOT NULL,
    student_name TEXT NOT NULL,
    student_email TEXT NOT NULL,
    joined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (course_id, student_id)
);

INSERT INTO waitlist_entries_v2 (course_id, student_id, student_name, student_email, joined_at)
SELECT course_id, student_id, student_name, student_email, joined_at FROM waitlist_entries;

DROP TABLE waitlist_entries;
DROP TABLE meeting_times;
DROP TABLE enrollments;
DROP TABLE courses;

-- Both databases carry the references along with a renamed table.
ALTER TABLE sections RENAME TO courses;
ALTER TABLE enrollments_v2 RENAME TO enrollments;
ALTER TABLE meeting_times_v2 RENAME TO meeting_times;
ALTER TABLE waitlist_entries_v2 RENAME TO waitlist_entries;

CREATE INDEX courses_by_teacher ON courses (teacher_id);
CREATE INDEX courses_by_seats_changed_at ON courses (seats_changed_at);
CREATE INDEX enrollments_by_student ON enrollments (student_id);
CREATE INDEX waitlist_in_order ON waitlist_entries (course_id, joined_at, student_id);
CREATE INDEX waitlists_by_student ON waitlist_entries (student_id);

-- A time ticket: when this student may start registering for the term, if
-- later than the term's window opens (a registrar spreads the rush).
ALTER TABLE student_terms ADD COLUMN registration_opens_at TIMESTAMP NULL;
