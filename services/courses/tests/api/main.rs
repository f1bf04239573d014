//! course-service's tests, one binary: the real service on port 0 with a
//! temporary database (SQLite, and PostgreSQL when it is reachable), over
//! HTTP.

mod archive_and_import;
mod audit;
mod bad_input;
mod basics;
mod calendar;
mod catalogue_search;
mod concurrency;
mod connections;
mod course_edits;
mod holds;
mod model;
mod openapi;
mod operations;
mod requisites;
mod schedule;
mod seats;
mod sections;
mod settle;
mod support;
mod terms;
mod tls;
mod transfer;
mod waitlist;
