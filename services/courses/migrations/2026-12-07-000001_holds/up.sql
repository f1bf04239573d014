-- Holds on a student's registration (unpaid fees, advising required): an
-- active hold (not lifted) blocks taking a place (enroll, join a list,
-- promotion), never dropping. Lifted holds stay, with who lifted them and
-- when: the record of what blocked a student and for how long.
CREATE TABLE holds (
    id TEXT PRIMARY KEY NOT NULL,
    student_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    placed_by TEXT NOT NULL,
    placed_at TIMESTAMP NOT NULL,
    lifted_by TEXT,
    lifted_at TIMESTAMP
);

-- Every placement reads the student's holds in the statement that counts
-- their credits; this index answers it from the student alone.
CREATE INDEX holds_by_student ON holds (student_id, lifted_at);
