//! auth-service's tests, one binary: the real service on port 0 with a
//! temporary database (SQLite, and PostgreSQL when it is reachable), over
//! HTTP.

mod accounts;
mod basics;
mod database;
mod ended_sessions_everywhere;
mod import;
mod keys_with_openssl;
mod openapi;
mod operations;
mod signin;
mod support;
mod temporary_secrets;
