-- The completions feed reads grades in the order they changed: course-service
-- follows it from where it left off.
CREATE INDEX grades_by_change ON grades (updated_at, course_id, student_id);
