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

    /// Failed logins allowed per email within the throttle window.
    #[arg(long, env = "LOGIN_FAILURES_PER_EMAIL", default_value_t = 5)]
    pub login_failures_per_email: u32,

    /// Failed logins allowed per client address within the throttle window.
    #[arg(long, env = "LOGIN_FAILURES_PER_CLIENT", default_value_t = 50)]
    pub login_failures_per_client: u32,
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
