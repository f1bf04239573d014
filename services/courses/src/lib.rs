//! course-service: the catalogue, enrollments that never overbook, rosters.
//!
//! `build` returns a bound, migrated server so that tests start the real
//! thing on port 0.

pub mod cli;

mod catalogue_cache;
mod domain;
mod error;
mod full_courses;
mod import;
mod meeting_store;
mod meetings;
mod models;
mod placing;
mod prepared_body;
mod routes;
mod schema;
mod seat_feed;
mod seats;
mod seats_pg;
mod seed;
mod state;
mod store;
mod term_store;
mod terms;

use std::sync::Arc;
use std::time::Duration;

use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use service_common::assembly::Assembly;
use service_common::peer::PeerClient;
use service_common::server::Server;

use crate::catalogue_cache::CatalogueCache;
use crate::cli::{ServeArgs, DEFAULT_PORT};
use crate::state::AppState;

/// How long a course import waits for auth-service's list of teachers.
const AUTH_TIMEOUT: Duration = Duration::from_secs(3);

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");
const SERVICE: Assembly = Assembly {
    name: "courses",
    default_port: DEFAULT_PORT,
    migrations: || MIGRATIONS,
    title: "course-service",
    description: "Owns the course catalogue and enrollments (rosters). Seat capacity holds under any concurrency. Student names and emails are copied from the token at enrollment, so rosters need no call to auth-service. Every route but the shared ones needs `Authorization: Bearer <jwt>` issued by auth-service, verified locally (EdDSA).",
};

/// Opens the database (migrated), loads the public keys, seeds the demo
/// data if asked, and binds the listener.
pub async fn build(args: ServeArgs) -> anyhow::Result<Server> {
    let common = &args.common;
    let database = SERVICE.open_database(common)?;
    let verifier = SERVICE.verifier(common)?;
    args.revocations.follow(&verifier);
    if common.seed_demo {
        seed::seed_demo_courses(&database).await?;
    }
    let state = AppState {
        db: database.clone(),
        verifier,
        catalogue: Arc::new(CatalogueCache::new(Duration::from_millis(args.catalogue_cache_ms))),
        seat_feed: Arc::default(),
        full_courses: Arc::default(),
        auth: PeerClient::new("auth", args.revocations.auth_url.clone(), AUTH_TIMEOUT)
            .inspect_err(|e| tracing::warn!(error = %e, "course imports are off"))
            .ok(),
    };
    SERVICE.serve(common, database, routes::router(state))
}
