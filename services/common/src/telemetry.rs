//! Logs on stderr, filtered by `RUST_LOG` (default `info`): human-readable
//! lines, or one JSON object per line with `LOG_FORMAT=json` for a log
//! shipper. Each line inside a request carries its span: method, URI and
//! request id (see `request_id`).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. Safe to call more than once (tests start
/// several services in one process): later calls do nothing.
pub fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let lines = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let json = std::env::var("LOG_FORMAT").is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    let _ = if json {
        lines.json().try_init()
    } else {
        lines.try_init()
    };
}
