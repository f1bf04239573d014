DROP TABLE registration_events;
