DROP TABLE meeting_times;
