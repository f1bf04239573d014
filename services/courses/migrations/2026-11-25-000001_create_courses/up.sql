-- One migration set for SQLite and PostgreSQL: ids are application-assigned
-- UUID strings and timestamps are UTC.
CREATE TABLE courses (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    teacher_id TEXT NOT NULL,
    teacher_name TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    -- Seats taken, kept in step with `enrollments` inside each enrollment's
    -- transaction. The conditional increment on this row is what serialises
    -- enrollments into one course; the CHECK is the last line of defence.
    enrolled INTEGER NOT NULL DEFAULT 0 CHECK (enrolled >= 0 AND enrolled <= capacity),
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX courses_by_teacher ON courses (teacher_id);

CREATE TABLE enrollments (
    course_id TEXT NOT NULL REFERENCES courses (id),
    student_id TEXT NOT NULL,
    -- Copied from the token at enrollment so a roster needs no call to auth.
    student_name TEXT NOT NULL,
    student_email TEXT NOT NULL,
    enrolled_at TIMESTAMP NOT NULL,
    PRIMARY KEY (course_id, student_id)
);

CREATE INDEX enrollments_by_student ON enrollments (student_id);
