//! The shared server library: everything two services would otherwise write
//! twice. A service adds only its own routes and tables.

pub mod assembly;
pub mod auth;
pub mod conditional;
pub mod config;
pub mod csv_table;
pub mod db;
pub mod demo;
pub mod encoding;
pub mod error;
pub mod extract;
pub mod http;
pub mod import;
pub mod metrics;
pub mod openapi;
pub mod peer;
pub mod request_id;
pub mod server;
pub mod telemetry;
pub mod tls;
pub mod wire_errors;

pub use error::ApiError;
