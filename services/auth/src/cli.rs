//! The command line: serve (the default), `keygen` and `create-user`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use service_common::config::CommonArgs;

/// Default port of auth-service.
pub const DEFAULT_PORT: u16 = 8081;

#[derive(Debug, Parser)]
#[command(
    name = "auth-service",
    version,
    about = "Users, password hashes and signed tokens for the enrollment system."
)]
pub struct Cli {
    #[command(flatten)]
    pub serve: ServeArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags of the server.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// PKCS#8 PEM file with the Ed25519 private key tokens are signed with.
    #[arg(long, env = "JWT_PRIVATE_KEY", default_value = "data/jwt-private.pem")]
    pub jwt_private_key: PathBuf,

    /// PBKDF2-HMAC-SHA256 iterations for new hashes (at least 600,000).
    #[arg(long, env = "PBKDF2_ITERATIONS", default_value_t = crate::password::MIN_ITERATIONS)]
    pub pbkdf2_iterations: u32,

    /// Failed sign-ins of one account from one address within 15 minutes
    /// before that address is refused for that account.
    #[arg(long, env = "LOGIN_FAILURES_PER_PAIR", default_value_t = 5)]
    pub login_failures_per_pair: u32,

    /// Failed sign-ins of one account from all addresses within an hour
    /// before only addresses it has signed in from may try.
    #[arg(long, env = "LOGIN_FAILURES_PER_ACCOUNT", default_value_t = 100)]
    pub login_failures_per_account: u32,

    /// Failed sign-ins from one client address within 15 minutes before its
    /// attempts are slowed (never refused: a campus shares one address).
    #[arg(long, env = "LOGIN_FAILURES_PER_CLIENT", default_value_t = 50)]
    pub login_failures_per_client: u32,

    /// Sign-in attempts, successes included, of one account per minute.
    #[arg(long, env = "LOGIN_ATTEMPTS_PER_ACCOUNT", default_value_t = 60)]
    pub login_attempts_per_account: u32,

    /// Most seconds a sign-in waits in the hashing queue; past that it is
    /// answered 503 `auth_busy` with the time to come back.
    #[arg(long, env = "LOGIN_QUEUE_SECONDS", default_value_t = 2.0)]
    pub login_queue_seconds: f64,

    /// Hours a setup code (from a user import, or issued anew by an admin)
    /// works; after it an admin issues a new one.
    #[arg(long, env = "SETUP_CODE_HOURS", default_value_t = 168.0)]
    pub setup_code_hours: f64,

    /// Hours a temporary password set by an admin's reset works.
    #[arg(long, env = "TEMPORARY_PASSWORD_HOURS", default_value_t = 24.0)]
    pub temporary_password_hours: f64,

    /// Proxies whose `X-Forwarded-For` names the client, comma separated.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a fresh Ed25519 key pair: the private key, and the public key
    /// into the directory every service reads.
    Keygen {
        /// Where the private key goes.
        #[arg(long, default_value = "data/jwt-private.pem")]
        private_key: PathBuf,
        /// Directory the public key goes into, named after its key id.
        #[arg(long, default_value = "data/keys")]
        public_dir: PathBuf,
        /// Replace an existing private key.
        #[arg(long)]
        force: bool,
    },
    /// Create a user directly in the database (e.g. the first admin).
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// The password; prefer the environment variable, which stays out of
        /// the shell history.
        #[arg(long, env = "NEW_USER_PASSWORD", hide_env_values = true)]
        password: String,
        /// Roles, comma separated: student, teacher, admin.
        #[arg(long = "roles", value_delimiter = ',', required = true)]
        roles: Vec<String>,
    },
}
