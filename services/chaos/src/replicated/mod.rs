//! The replicated deployment (`make cluster`) and its faults in `make chaos`.

pub mod control_plane;
pub mod deployment;
pub mod faults;
pub mod topology;
