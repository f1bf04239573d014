-- The audit trail of registration: one row for every attempt to take,
-- give back or wait for a place (accepted or refused), every promotion
-- from a waitlist, every override, every hold placed or lifted. An
-- accepted attempt's row is written in the transaction of the change it
-- records; a refused one's in a transaction of its own. Rows are never
-- changed; `course-service prune-audit` removes those past retention.
-- The id is a UUIDv7: its text sorts by time, and it is the reading
-- cursor.
CREATE TABLE registration_events (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT,
    student_id TEXT NOT NULL,
    -- As the student's token or the enrollment named them then ('' when
    -- the attempt did not say: a hold is placed by id).
    student_name TEXT NOT NULL,
    course_id TEXT,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    code TEXT NOT NULL,
    detail TEXT NOT NULL
);

CREATE INDEX registration_events_by_student ON registration_events (student_id, id);
CREATE INDEX registration_events_by_course ON registration_events (course_id, id);
