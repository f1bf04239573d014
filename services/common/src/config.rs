//! Flags every service takes, each also read from its environment variable
//! (see the contract: `--bind`, `--database-url`, `--jwt-public-key`,
//! `--cors-origins`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

/// Flags shared by every service. A service flattens this into its own
/// command line.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "BIND")]
    pub bind: Option<SocketAddr>,

    /// `postgres://...` for PostgreSQL, anything else is a SQLite file path
    /// (default `data/<service>.db`).
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// PEM file with an Ed25519 public key, or a directory of them (every
    /// key in it is accepted, so keys can rotate).
    #[arg(long, env = "JWT_PUBLIC_KEY", default_value = "data/keys")]
    pub jwt_public_key: PathBuf,

    /// Browser origins allowed to call this service, comma separated.
    #[arg(
        long,
        env = "CORS_ORIGINS",
        value_delimiter = ',',
        default_value = "http://127.0.0.1:8080,http://localhost:8080"
    )]
    pub cors_origins: Vec<String>,

    /// Insert the demo data when the database is empty.
    /// `SEED_DEMO=1` works as well as `true` (`0`, `false`, `no` or `off` keep it off).
    #[arg(long, env = "SEED_DEMO", value_parser = clap::builder::BoolishValueParser::new())]
    pub seed_demo: bool,

    /// Largest request body accepted, in bytes (413 past it).
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 256 * 1024)]
    pub max_body_bytes: usize,

    /// Time a request may take before it is answered 503, in milliseconds.
    #[arg(long, env = "REQUEST_TIMEOUT_MS", default_value_t = 10_000)]
    pub request_timeout_ms: u64,

    /// Seconds a client may take to send a request's headers, counted from
    /// the moment its connection is idle: a client that opens a connection
    /// and sends nothing, or trickles its headers, is disconnected.
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECONDS", default_value_t = 10)]
    pub header_read_timeout_seconds: u64,

    /// Connections served at once; past it a new connection is answered 503
    /// and closed (also capped by the open-files limit).
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,

    /// A secret a scraper (Prometheus' `authorization` credentials) sends
    /// as `Authorization: Bearer <it>` to read `/metrics`; an admin's token
    /// is accepted as well. Without it, only admins read the metrics.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<shared_types::Secret>,

    /// PEM certificate chain: with `--tls-key`, the service serves HTTPS
    /// (the replicated deployment; one machine stays plain on loopback).
    #[arg(long, env = "TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of `--tls-cert`.
    #[arg(long, env = "TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// PEM certificate authority that the service's calls to other
    /// services (auth's list of ended sessions, course-service for grades
    /// and imports) must be signed by; without it, the system's roots.
    #[arg(long, env = "TLS_CA")]
    pub tls_ca: Option<PathBuf>,

    /// Database connections kept open.
    #[arg(long, env = "DB_POOL_SIZE", default_value_t = 8)]
    pub db_pool_size: u32,
}

impl CommonArgs {
    /// The address to listen on, or the service's default one.
    pub fn bind_or(&self, default_port: u16) -> SocketAddr {
        self.bind
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], default_port)))
    }

    /// The database URL, or the service's default SQLite file.
    pub fn database_url_or(&self, service: &str) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("data/{service}.db"))
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    pub fn connection_limits(&self) -> crate::server::ConnectionLimits {
        crate::server::ConnectionLimits {
            header_read_timeout: Duration::from_secs(self.header_read_timeout_seconds.max(1)),
            max_connections: self.max_connections.max(1),
        }
    }

    /// The listener's TLS settings, when the service serves HTTPS.
    pub fn tls(&self) -> anyhow::Result<Option<std::sync::Arc<rustls::ServerConfig>>> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => crate::tls::server_config(cert, key).map(Some),
            _ => Ok(None),
        }
    }
}

/// Where a service that verifies tokens learns of sessions ended at auth
/// (sign-out, password change, disabled account).
#[derive(Debug, Clone, Args)]
pub struct RevocationArgs {
    /// auth-service, whose list of ended sessions this service pulls; comma
    /// separated replicas are tried in turn.
    #[arg(
        long,
        env = "AUTH_URL",
        value_delimiter = ',',
        default_value = "http://127.0.0.1:8081"
    )]
    pub auth_url: Vec<String>,

    /// How often that list is pulled, in milliseconds. An ended session is
    /// refused here within this plus one fetch (at most 2 s).
    #[arg(long, env = "REVOCATION_POLL_MS", default_value_t = 3000)]
    pub revocation_poll_ms: u64,
}

impl RevocationArgs {
    /// Starts pulling into `verifier`'s list of ended sessions, from auth
    /// signed by `ca` when it serves HTTPS.
    pub fn follow(&self, verifier: &crate::auth::TokenVerifier, ca: Option<&std::path::Path>) -> anyhow::Result<()> {
        crate::auth::spawn_revocation_feed(
            &verifier.revocations(),
            self.auth_url.clone(),
            Duration::from_millis(self.revocation_poll_ms),
            ca,
        )
    }
}
