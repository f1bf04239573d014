-- Terms: every course belongs to one. A term's registration window says
-- when its courses may be enrolled in and dropped, and its credit limit how
-- many credits a student may hold in it.
CREATE TABLE terms (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    registration_opens_at TIMESTAMP NOT NULL,
    add_drop_closes_at TIMESTAMP NOT NULL,
    max_credits INTEGER NOT NULL DEFAULT 18 CHECK (max_credits >= 0),
    created_at TIMESTAMP NOT NULL,
    CHECK (starts_on <= ends_on),
    CHECK (registration_opens_at < add_drop_closes_at)
);

-- The term of the courses that existed before terms did: it spans all time,
-- its window never closes and its credit limit is the highest there is (a
-- student holding many courses is refused nothing they were not refused
-- before), so nothing changes for them. A term an admin creates that has
-- started becomes the current one.
INSERT INTO terms (id, code, title, starts_on, ends_on, registration_opens_at, add_drop_closes_at, max_credits, created_at)
VALUES ('00000000-0000-4000-8000-000000000001', 'STANDING', 'Standing term', '1970-01-01', '9999-12-31',
        '1970-01-01 00:00:00', '9999-12-31 00:00:00', 60, '1970-01-01 00:00:00');

ALTER TABLE courses ADD COLUMN term_id TEXT NOT NULL DEFAULT '00000000-0000-4000-8000-000000000001';
ALTER TABLE courses ADD COLUMN credits INTEGER NOT NULL DEFAULT 3 CHECK (credits >= 0 AND credits <= 30);
CREATE INDEX courses_by_term ON courses (term_id, code);

-- The credits an enrollment counts, as the course had them when the
-- student enrolled: a drop gives back exactly what was taken.
ALTER TABLE enrollments ADD COLUMN credits INTEGER NOT NULL DEFAULT 0;
UPDATE enrollments SET credits = (SELECT credits FROM courses WHERE courses.id = enrollments.course_id);

-- One row per student and term: the credits held, kept in step with
-- `enrollments` inside each enrollment's transaction. Its guarded
-- increment (`credits + n <= limit`) is what serialises one student's
-- enrollments in a term, as the course row's does a course's seats.
CREATE TABLE student_terms (
    student_id TEXT NOT NULL,
    term_id TEXT NOT NULL REFERENCES terms (id),
    credits INTEGER NOT NULL DEFAULT 0 CHECK (credits >= 0),
    -- An admin's limit for this student, with the reason it was granted.
    max_credits INTEGER NULL CHECK (max_credits IS NULL OR max_credits >= 0),
    max_credits_reason TEXT NULL,
    PRIMARY KEY (student_id, term_id)
);

INSERT INTO student_terms (student_id, term_id, credits)
SELECT enrollments.student_id, courses.term_id, SUM(enrollments.credits)
FROM enrollments JOIN courses ON courses.id = enrollments.course_id
GROUP BY enrollments.student_id, courses.term_id;
