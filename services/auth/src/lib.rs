//! auth-service: users, PBKDF2 password hashes, and Ed25519-signed tokens.
//!
//! `build` returns a bound, migrated server so that tests start the real
//! thing on port 0.

pub mod cli;

mod accounts;
mod credentials;
mod domain;
mod error;
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
use service_common::auth::{load_public_keys, Jwk, JwkSet, PublicKey, TokenSigner, TokenVerifier};
use service_common::db::{self, DbOptions};
use service_common::http::{finish_router, Plumbing};
use service_common::server::{self, Server};

use crate::cli::{ServeArgs, DEFAULT_PORT};
use crate::password::PasswordHasher;
use crate::signin::{AccountLimits, ClientAddresses, FailureLedger, SignInPolicy};
use crate::state::AppState;

pub use crate::domain::NewUserValues;

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");
const OPENAPI: &str = include_str!("../openapi.json");
const SERVICE: &str = "auth";
/// How often sessions ended by other replicas are read from the database.
const REVOCATION_READ_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);

/// Builds the state: database (migrated), keys, hasher, sign-in limits.
async fn build_state(args: &ServeArgs) -> anyhow::Result<AppState> {
    let url = args.common.database_url_or(SERVICE);
    let database = db::connect(&DbOptions::new(&url, args.common.db_pool_size), MIGRATIONS)
        .with_context(|| format!("opening the database {}", db::redacted(&url)))?;
    let signer = TokenSigner::from_private_pem(&read_private_key(&args.jwt_private_key)?)
        .with_context(|| format!("reading the private key {}", args.jwt_private_key.display()))?;
    let keys = public_keys(signer.public_key(), &args.common.jwt_public_key)?;
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
fn public_keys(own: &PublicKey, configured: &Path) -> anyhow::Result<Vec<PublicKey>> {
    let mut keys = vec![own.clone()];
    for key in
        load_public_keys(configured).with_context(|| format!("reading public keys from {}", configured.display()))?
    {
        if !keys.iter().any(|k| k.kid == key.kid) {
            keys.push(key);
        }
    }
    Ok(keys)
}

/// Opens everything, seeds the demo data if asked, and binds the listener.
pub async fn build(args: ServeArgs) -> anyhow::Result<Server> {
    let state = build_state(&args).await?;
    if args.common.seed_demo {
        seed::seed_demo_users(&state).await?;
    }
    let url = args.common.database_url_or(SERVICE);
    let plumbing = Plumbing {
        db: state.db.clone(),
        sqlite_file: db::sqlite_file(&url),
        openapi: OPENAPI,
        cors_origins: args.common.cors_origins.clone(),
        max_body_bytes: args.common.max_body_bytes,
        request_timeout: args.common.request_timeout(),
    };
    let router = finish_router(routes::router(state), plumbing);
    let addr = args.common.bind_or(DEFAULT_PORT);
    let listener = server::bind(addr).with_context(|| format!("binding {addr}"))?;
    Ok(Server::new(listener, router, args.common.connection_limits()))
}

/// `auth-service create-user`: stores a user without a running server.
pub async fn create_user_offline(args: &ServeArgs, values: NewUserValues) -> anyhow::Result<shared_types::auth::User> {
    let url = args.common.database_url_or(SERVICE);
    let database = db::connect(&DbOptions::new(&url, 1), MIGRATIONS)
        .with_context(|| format!("opening the database {}", db::redacted(&url)))?;
    let hasher = PasswordHasher::start(1, args.pbkdf2_iterations, std::time::Duration::from_secs(60)).await?;
    accounts::create_account(&database, &hasher, values)
        .await
        .map_err(|e| anyhow::anyhow!(service_common::ApiError::from(e).message))
}

/// `auth-service keygen`: writes a fresh key pair.
pub fn write_key_pair(private_key: &Path, public_dir: &Path, force: bool) -> anyhow::Result<String> {
    if private_key.exists() && !force {
        anyhow::bail!(
            "{} already exists; pass --force to replace it (tokens signed with it stop working once its public key is removed)",
            private_key.display()
        );
    }
    let pair = service_common::auth::generate_key_pair()?;
    if let Some(dir) = private_key.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::create_dir_all(public_dir)?;
    write_private(private_key, &pair.private_pem)?;
    let public_file = public_dir.join(format!("{}.pem", pair.kid));
    std::fs::write(&public_file, &pair.public_pem)?;
    Ok(pair.kid)
}

#[cfg(unix)]
fn write_private(path: &Path, pem: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(pem.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, pem: &str) -> anyhow::Result<()> {
    Ok(std::fs::write(path, pem)?)
}
