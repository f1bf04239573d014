//! The registration rules as values and pure functions: no statement and
//! no connection in here, so each rule is unit-tested in milliseconds and
//! the statements in `db` call the same rule on every path.

pub mod meetings;
pub mod requisites;
pub mod settle;
pub mod terms;
mod values;

pub use values::*;
