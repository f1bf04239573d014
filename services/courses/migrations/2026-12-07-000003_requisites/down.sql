DROP TABLE completion_feed;
DROP TABLE completions;
DROP TABLE course_requisites;
