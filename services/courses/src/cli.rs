//! The command line of course-service.

use clap::{Args, Parser};
use service_common::config::{CommonArgs, RevocationArgs};

/// Default port of course-service.
pub const DEFAULT_PORT: u16 = 8082;

#[derive(Debug, Parser)]
#[command(
    name = "course-service",
    version,
    about = "The course catalogue, enrollments and rosters of the enrollment system."
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

    /// How long a serialized catalogue may be served again, in milliseconds
    /// (0 disables). Writes through this process clear it at once.
    #[arg(long, env = "CATALOGUE_CACHE_MS", default_value_t = 500)]
    pub catalogue_cache_ms: u64,

    /// How long the audit trail keeps an event, in days; older events are
    /// removed at start and then once a day (0 keeps every event).
    #[arg(long, env = "AUDIT_RETENTION_DAYS", default_value_t = 1825)]
    pub audit_retention_days: u32,

    /// Where grade-service answers (replicas comma separated, tried in
    /// turn): its completions feed is followed for prerequisites. Without
    /// it, requisites are checked against the completions the registrar
    /// records alone.
    #[arg(long, env = "GRADES_URL", value_delimiter = ',')]
    pub grades_url: Vec<String>,

    /// The secret presented to grade-service's completions feed (the same
    /// `COMPLETIONS_TOKEN` grade-service is given).
    #[arg(long, env = "COMPLETIONS_TOKEN", hide_env_values = true)]
    pub completions_token: Option<shared_types::Secret>,

    /// How often the completions feed is read, in milliseconds.
    #[arg(long, env = "COMPLETIONS_EVERY_MS", default_value_t = 2000)]
    pub completions_every_ms: u64,
}
