//! grade-service: students' grades, teachers' uploads, and the history of
//! every change.
//!
//! `build` returns a bound, migrated server so that tests start the real
//! thing on port 0.

pub mod cli;

mod access;

mod courses_client;
mod error;
mod export;
mod models;
mod routes;
mod schema;
mod seed;
mod state;
mod store;
mod upload;

use std::time::Duration;

use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use service_common::assembly::Assembly;
use service_common::server::Server;

use crate::cli::{ServeArgs, DEFAULT_PORT};
use crate::courses_client::CoursesClient;
use crate::state::AppState;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");
const SERVICE: Assembly = Assembly {
    name: "grades",
    default_port: DEFAULT_PORT,
    migrations: || MIGRATIONS,
    title: "grade-service",
    description: "Owns grades (4.0 scale: 4.0, 3.5, 3.0, 2.5, 2.0, 1.5, 1.0, 0.0 as JSON numbers) and their change history. Writes are checked with course-service (`--courses-url`, about 2 s timeout, forwarding the caller's token); when it is down they answer 503 `courses_unavailable` at once, while a student's own grades are still served from this service's database. Every route but the shared ones needs `Authorization: Bearer <jwt>` issued by auth-service, verified locally (EdDSA).",
};

/// Opens the database (migrated), loads the public keys, seeds the demo
/// data if asked, and binds the listener.
pub async fn build(args: ServeArgs) -> anyhow::Result<Server> {
    let common = &args.common;
    let database = SERVICE.open_database(common)?;
    let verifier = SERVICE.verifier(common)?;
    args.revocations.follow(&verifier, common.tls_ca.as_deref())?;
    if common.seed_demo {
        seed::seed_demo_grades(&database).await?;
    }
    let courses = CoursesClient::new(
        args.courses_url.clone(),
        Duration::from_millis(args.courses_timeout_ms),
        common.tls_ca.as_deref(),
    )?;
    let state = AppState {
        db: database.clone(),
        verifier: verifier.clone(),
        courses,
        completions_token: args.completions_token.clone(),
    };
    SERVICE.serve(common, database, verifier, routes::router(state))
}
