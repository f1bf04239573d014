DROP TABLE student_terms;
ALTER TABLE enrollments DROP COLUMN credits;
DROP INDEX courses_by_term;
ALTER TABLE courses DROP COLUMN credits;
ALTER TABLE courses DROP COLUMN term_id;
DROP TABLE terms;
