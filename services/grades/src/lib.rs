//! grade-service: students' grades, teachers' uploads, and the history of
//! every change.
//!
//! `build` returns a bound, migrated server so that tests start the real
//! thing on port 0.

pub mod cli;

mod access;

mod courses_client;
mod error;
mod models;
mod routes;
mod schema;
mod seed;
mod state;
mod store;
mod upload;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use service_common::auth::{load_public_keys, TokenVerifier};
use service_common::db::{self, DbOptions};
use service_common::http::{finish_router, Plumbing};
use service_common::server::{self, Server};

use crate::cli::{ServeArgs, DEFAULT_PORT};
use crate::courses_client::CoursesClient;
use crate::state::AppState;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");
const OPENAPI: &str = include_str!("../openapi.json");
const SERVICE: &str = "grades";

/// Opens the database (migrated), loads the public keys, seeds the demo
/// data if asked, and binds the listener.
pub async fn build(args: ServeArgs) -> anyhow::Result<Server> {
    let common = &args.common;
    let url = common.database_url_or(SERVICE);
    let database = db::connect(&DbOptions::new(&url, common.db_pool_size), MIGRATIONS)
        .with_context(|| format!("opening the database {}", db::redacted(&url)))?;
    let keys = load_public_keys(&common.jwt_public_key)
        .with_context(|| format!("reading public keys from {}", common.jwt_public_key.display()))?;
    if keys.is_empty() {
        tracing::warn!(path = %common.jwt_public_key.display(), "no public key found: every token will be refused");
    }
    if common.seed_demo {
        seed::seed_demo_grades(&database).await?;
    }
    let courses = CoursesClient::new(args.courses_url.clone(), Duration::from_millis(args.courses_timeout_ms))?;
    let verifier = Arc::new(TokenVerifier::new(&keys));
    args.revocations.follow(&verifier);
    let state = AppState {
        db: database.clone(),
        verifier,
        courses,
    };
    let plumbing = Plumbing {
        db: database,
        sqlite_file: db::sqlite_file(&url),
        openapi: OPENAPI,
        cors_origins: common.cors_origins.clone(),
        max_body_bytes: common.max_body_bytes,
        request_timeout: common.request_timeout(),
    };
    let router = finish_router(routes::router(state), plumbing);
    let addr = common.bind_or(DEFAULT_PORT);
    let listener = server::bind(addr).with_context(|| format!("binding {addr}"))?;
    Ok(Server::new(listener, router, common.connection_limits()))
}
