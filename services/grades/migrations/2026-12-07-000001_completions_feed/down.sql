DROP INDEX grades_by_change;
