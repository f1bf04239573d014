-- Students waiting for a seat of a full course, in the order they joined
-- (ties by student id). A seat freed by a drop or a capacity raise goes,
-- in that same transaction, to the first of them who still fits.
CREATE TABLE waitlist_entries (
    course_id TEXT NOT NULL REFERENCES courses (id),
    student_id TEXT NOT NULL,
    -- Copied from the token, as for an enrollment: a promotion needs no
    -- call to auth.
    student_name TEXT NOT NULL,
    student_email TEXT NOT NULL,
    joined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (course_id, student_id)
);

CREATE INDEX waitlist_in_order ON waitlist_entries (course_id, joined_at, student_id);
CREATE INDEX waitlists_by_student ON waitlist_entries (student_id);

-- The list's length, kept in step in the transactions that change it, so
-- the catalogue reads it as it reads the seats.
ALTER TABLE courses ADD COLUMN waitlisted INTEGER NOT NULL DEFAULT 0 CHECK (waitlisted >= 0);
