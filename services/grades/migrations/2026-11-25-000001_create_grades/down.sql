DROP TABLE grade_changes;
DROP TABLE grades;
