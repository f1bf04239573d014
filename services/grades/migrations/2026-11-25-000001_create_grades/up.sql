-- One migration set for SQLite and PostgreSQL: ids are application-assigned
-- UUID strings and timestamps are UTC.

-- The current grade of a student in a course, with what is needed to show
-- it (course code and title, student name) and the course's teacher, so that
-- reads never need course-service.
CREATE TABLE grades (
    course_id TEXT NOT NULL,
    student_id TEXT NOT NULL,
    course_code TEXT NOT NULL,
    course_title TEXT NOT NULL,
    teacher_id TEXT NOT NULL,
    student_name TEXT NOT NULL,
    -- Tenths of a grade point: 40 is 4.0.
    grade_tenths INTEGER NOT NULL CHECK (grade_tenths IN (0, 10, 15, 20, 25, 30, 35, 40)),
    -- Bumped by every change; writers update only the revision they read.
    revision INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (course_id, student_id)
);

CREATE INDEX grades_by_student ON grades (student_id);
CREATE INDEX grades_by_teacher ON grades (teacher_id);

-- Every change of a grade: who, when, old and new value.
CREATE TABLE grade_changes (
    id TEXT PRIMARY KEY NOT NULL,
    course_id TEXT NOT NULL,
    student_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    old_grade_tenths INTEGER,
    new_grade_tenths INTEGER NOT NULL,
    changed_by TEXT NOT NULL,
    changed_by_name TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    UNIQUE (course_id, student_id, revision)
);
