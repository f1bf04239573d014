-- What a course code requires (every section of it, every term): a
-- prerequisite passed before, or a corequisite held in the same term or
-- passed before, with at least a grade (in tenths of the 4.0 scale).
CREATE TABLE course_requisites (
    course_code TEXT NOT NULL,
    required_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    min_grade_tenths INTEGER NOT NULL,
    PRIMARY KEY (course_code, required_code)
);

-- The courses students have completed, as this service knows them: from
-- grade-service's feed (origin `grades:<section id>`, one per graded
-- section) or recorded by the registrar (origin `registrar`). Requisites
-- are checked against these rows alone, so enrolling never waits on
-- grade-service.
CREATE TABLE completions (
    student_id TEXT NOT NULL,
    course_code TEXT NOT NULL,
    origin TEXT NOT NULL,
    grade_tenths INTEGER NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (student_id, course_code, origin)
);

-- How far the feed of grades has been read: one row.
CREATE TABLE completion_feed (
    id INTEGER PRIMARY KEY NOT NULL,
    read_up_to TIMESTAMP NOT NULL,
    synced_at TIMESTAMP NOT NULL
);
