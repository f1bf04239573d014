//! What crosses the wire between the browser and the services, and between
//! services: request and response bodies, roles, token claims, the error body,
//! and the domain values both sides must agree on (grades, emails, capacity).
//!
//! No server dependencies: this crate also compiles for `wasm32-unknown-unknown`.

pub mod audit;
pub mod auth;
pub mod catalogue;
pub mod courses;
pub mod error;
pub mod grades;
pub mod health;
pub mod holds;
pub mod import;
pub mod metrics_text;
#[cfg(feature = "openapi")]
mod openapi;
pub mod password;
pub mod requisites;
pub mod search;
pub mod secret;
pub mod spreadsheet;
pub mod terms;
pub mod values;

pub use auth::{Claims, Role};
pub use error::ErrorBody;
pub use secret::Secret;
pub use values::{Capacity, CreditLimit, Credits, Email, Grade, ValueError};
