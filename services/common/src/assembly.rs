//! How a service is put together, written once: its database opened and
//! migrated, its token verifier from the public keys, the shared routes and
//! layers around its own, the listener bound. A service's `lib.rs` is then
//! its state and its routes.

use std::sync::Arc;

use anyhow::Context;
use axum::body::Bytes;
use diesel_migrations::EmbeddedMigrations;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::{load_public_keys, PublicKey, TokenVerifier};
use crate::config::CommonArgs;
use crate::db::{self, Database, DbOptions};
use crate::http::{finish_router, MetricsReaders, Plumbing};
use crate::openapi;
use crate::server::{self, Server};

/// What tells one service apart when it is assembled.
pub struct Assembly {
    /// `auth`, `courses` or `grades`: names the default database.
    pub name: &'static str,
    pub default_port: u16,
    /// The service's embedded migrations (a function: they cannot be
    /// copied out of a constant).
    pub migrations: fn() -> EmbeddedMigrations,
    /// The title of its OpenAPI document (`course-service`, ...).
    pub title: &'static str,
    /// What it owns and promises: its OpenAPI document's description.
    pub description: &'static str,
}

impl Assembly {
    /// The service's database, migrated (see [`db::connect`]).
    pub fn open_database(&self, common: &CommonArgs) -> anyhow::Result<Database> {
        self.open_database_with(common, common.db_pool_size)
    }

    /// The same, with a pool of `pool_size` (one for a command-line tool).
    pub fn open_database_with(&self, common: &CommonArgs, pool_size: u32) -> anyhow::Result<Database> {
        let url = common.database_url_or(self.name);
        db::connect(&DbOptions::new(&url, pool_size), (self.migrations)())
            .with_context(|| format!("opening the database {}", db::redacted(&url)))
    }

    /// The configured public keys.
    pub fn public_keys(&self, common: &CommonArgs) -> anyhow::Result<Vec<PublicKey>> {
        let path = &common.jwt_public_key;
        load_public_keys(path).with_context(|| format!("reading public keys from {}", path.display()))
    }

    /// A verifier of the configured public keys (a warning when there are
    /// none: every token will then be refused).
    pub fn verifier(&self, common: &CommonArgs) -> anyhow::Result<Arc<TokenVerifier>> {
        let keys = self.public_keys(common)?;
        if keys.is_empty() {
            let path = common.jwt_public_key.display();
            tracing::warn!(%path, "no public key found: every token will be refused");
        }
        Ok(Arc::new(TokenVerifier::new(&keys)))
    }

    /// The service's routes inside the shared ones and layers, on a bound
    /// listener, with the OpenAPI document made from them. `verifier`
    /// admits admins to `/metrics`.
    pub fn serve(
        &self,
        common: &CommonArgs,
        database: Database,
        verifier: Arc<TokenVerifier>,
        routes: OpenApiRouter,
    ) -> anyhow::Result<Server> {
        let (routes, api) = routes.split_for_parts();
        let about = openapi::About {
            title: self.title,
            description: self.description,
            default_port: self.default_port,
        };
        let document = openapi::to_json(&openapi::document(api, &about));
        db::statistics::keep_fresh(&database);
        let plumbing = Plumbing {
            db: database,
            sqlite_file: db::sqlite_file(&common.database_url_or(self.name)),
            openapi: Bytes::from(document),
            metrics: crate::metrics::recorder(),
            metrics_readers: MetricsReaders {
                verifier,
                scrape_token: common.metrics_token.clone(),
            },
            cors_origins: common.cors_origins.clone(),
            max_body_bytes: common.max_body_bytes,
            request_timeout: common.request_timeout(),
        };
        let router = finish_router(routes, plumbing);
        let addr = common.bind_or(self.default_port);
        let listener = server::bind(addr).with_context(|| format!("binding {addr}"))?;
        let server = Server::new(listener, router, common.connection_limits());
        Ok(match common.tls()? {
            Some(tls) => server.with_tls(tls),
            None => server,
        })
    }
}
