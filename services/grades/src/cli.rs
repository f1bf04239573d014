//! The command line of grade-service.

use clap::{Args, Parser};
use service_common::config::{CommonArgs, RevocationArgs};

/// Default port of grade-service.
pub const DEFAULT_PORT: u16 = 8083;

#[derive(Debug, Parser)]
#[command(
    name = "grade-service",
    version,
    about = "Grades, uploads and grade history of the enrollment system."
)]
pub struct Cli {
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Flags of the server.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    #[command(flatten)]
    pub revocations: RevocationArgs,

    /// Where course-service answers; several addresses (comma separated) are
    /// tried in turn on a network error or a 5xx.
    #[arg(
        long,
        env = "COURSES_URL",
        value_delimiter = ',',
        default_value = "http://127.0.0.1:8082"
    )]
    pub courses_url: Vec<String>,

    /// Longest wait for course-service, in milliseconds.
    #[arg(long, env = "COURSES_TIMEOUT_MS", default_value_t = 2000)]
    pub courses_timeout_ms: u64,

    /// The secret course-service presents to read `GET /grades/completions`
    /// (give it the same `COMPLETIONS_TOKEN`); without it, only admins read
    /// the feed.
    #[arg(long, env = "COMPLETIONS_TOKEN", hide_env_values = true)]
    pub completions_token: Option<shared_types::Secret>,
}
