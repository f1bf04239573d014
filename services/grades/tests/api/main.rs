//! grade-service's tests, one binary: the real service on port 0 with a
//! temporary database (SQLite, and PostgreSQL when it is reachable), over
//! HTTP.

mod bad_input;
mod basics;
mod completions;
mod concurrency;
mod export;
mod openapi;
mod operations;
mod outages;
mod support;
mod tokens;
mod uploads;
