//! The statements: diesel's schema and rows, and the reads and writes of
//! courses, enrollments, waitlists, terms and meetings on both backends.
//! The rules they apply are `domain`'s.

pub mod audit_store;
pub mod hold_store;
pub mod meeting_store;
pub mod models;
pub mod placing;
pub mod requisite_store;
pub mod schema;
pub mod seats;
pub mod seats_pg;
pub mod seed;
pub mod store;
pub mod term_store;
