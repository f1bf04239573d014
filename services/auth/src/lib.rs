//! auth-service: users, PBKDF2 password hashes, and Ed25519-signed tokens.
//!
//! `build` returns a bound, migrated server so that tests start the real
//! thing on port 0.

pub mod cli;

mod accounts;
mod commands;
mod credentials;
mod domain;
mod error;
mod import;
mod models;
mod password;
mod routes;
mod schema;
mod seed;
mod sessions;
mod signin;
mod state;
mod store;

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use diesel_migrations::{embed_migrations, EmbeddedMigrations};
use service_common::assembly::Assembly;
use service_common::auth::{Jwk, JwkSet, PublicKey, TokenSigner, TokenVerifier};
use service_common::server::Server;

use crate::cli::{ServeArgs, DEFAULT_PORT};
use crate::password::PasswordHasher;
use crate::signin::{AccountLimits, ClientAddresses, FailureLedger, SignInPolicy};
use crate::state::{AppState, TemporaryLifetimes};

pub use crate::commands::{create_user_offline, write_key_pair};
pub use crate::domain::NewUserValues;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");
pub(crate) const SERVICE: Assembly = Assembly {
    name: "auth",
    default_port: DEFAULT_PORT,
    migrations: || MIGRATIONS,
    title: "auth-service",
    description: "Owns users, password hashes (PBKDF2-HMAC-SHA256, PHC strings) and the Ed25519 signing key. Issues the EdDSA-signed JWTs that course-service and grade-service verify locally with the public keys, so sessions outlive an auth outage. Authenticated routes take `Authorization: Bearer <jwt>`.",
};
/// How often sessions ended by other replicas are read from the database.
const REVOCATION_READ_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Builds the state: database (migrated), keys, hasher, sign-in limits.
async fn build_state(args: &ServeArgs) -> anyhow::Result<AppState> {
    let database = SERVICE.open_database(&args.common)?;
    let signer = TokenSigner::from_private_pem(&read_private_key(&args.jwt_private_key)?)
        .with_context(|| format!("reading the private key {}", args.jwt_private_key.display()))?;
    let keys = public_keys(signer.public_key(), SERVICE.public_keys(&args.common)?);
    let jwks = JwkSet {
        keys: keys.iter().map(Jwk::from).collect(),
    };
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let policy = SignInPolicy {
        failures_per_pair: args.login_failures_per_pair,
        failures_per_account: args.login_failures_per_account,
        failures_per_address: args.login_failures_per_client,
        attempts_per_account_minute: args.login_attempts_per_account,
        ..SignInPolicy::default()
    };
    let queue_wait = std::time::Duration::try_from_secs_f64(args.login_queue_seconds)
        .context("--login-queue-seconds must be a positive number")?;
    let verifier = Arc::new(TokenVerifier::new(&keys));
    // Other replicas of auth store sessions they end in the shared
    // database; this one reads them from there.
    sessions::follow_database(database.clone(), &verifier.revocations(), REVOCATION_READ_INTERVAL);
    Ok(AppState {
        db: database,
        verifier,
        signer: Arc::new(signer),
        hasher: PasswordHasher::start(threads, args.pbkdf2_iterations, queue_wait).await?,
        account_limits: AccountLimits::new(policy.attempts_per_account_minute, policy.in_flight_per_account),
        ledger: Arc::new(FailureLedger::new(policy)),
        client_addresses: Arc::new(ClientAddresses::new(args.trusted_proxies.clone())),
        jwks: Arc::new(jwks),
        lifetimes: TemporaryLifetimes::from_hours(args.setup_code_hours, args.temporary_password_hours)?,
    })
}

fn read_private_key(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| {
        format!(
            "no private key at {}: create one with `auth-service keygen`",
            path.display()
        )
    })
}

/// The signing key's public half first, then every configured key (for
/// tokens signed before a rotation).
fn public_keys(own: &PublicKey, configured: Vec<PublicKey>) -> Vec<PublicKey> {
    let mut keys = vec![own.clone()];
    for key in configured {
        if !keys.iter().any(|k| k.kid == key.kid) {
            keys.push(key);
        }
    }
    keys
}

/// Opens everything, seeds the demo data if asked, and binds the listener.
pub async fn build(args: ServeArgs) -> anyhow::Result<Server> {
    let state = build_state(&args).await?;
    if args.common.seed_demo {
        seed::seed_demo_users(&state).await?;
    }
    let (database, verifier) = (state.db.clone(), state.verifier.clone());
    SERVICE.serve(&args.common, database, verifier, routes::router(state))
}
