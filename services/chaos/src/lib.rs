//! The fault-tolerance suite's parts: hosts (network namespaces), the
//! nodes and the replicated deployment started on them, the faults, and
//! the checks. `make chaos` runs them (`main.rs`); `make cluster` and the
//! cluster benchmark start the replicated deployment from here.

pub mod cluster;
pub mod database_faults;
pub mod durability;
pub mod faults;
pub mod hosts;
pub mod pg_server;
pub mod prerequisites;
pub mod probes;
pub mod replicated;
pub mod report;
pub mod sabotage;
pub mod selftest;
pub mod slow_clients;
pub mod sqlite_disk;
pub mod trust;
