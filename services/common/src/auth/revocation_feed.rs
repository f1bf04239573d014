//! Pulls the list of ended sessions from auth-service into a verifier's
//! [`Revocations`], every few seconds, and keeps what it has while auth is
//! away.

use std::sync::{Arc, Weak};
use std::time::Duration;

use shared_types::auth::RevocationList;

use super::revocations::Revocations;

/// A fetch gives up after this long; the next one comes at the next tick.
const FETCH_TIMEOUT: Duration = Duration::from_secs(2);

/// Starts the task that refreshes `revocations` from `auth_urls` (replicas
/// of auth, tried in turn) every `every`. The task ends when the
/// revocations are dropped with the service that held them.
pub fn spawn_revocation_feed(
    revocations: &Arc<Revocations>,
    auth_urls: Vec<String>,
    every: Duration,
    ca: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let auth_urls: Vec<String> = auth_urls
        .into_iter()
        .map(|url| url.trim().trim_end_matches('/').to_owned())
        .filter(|url| !url.is_empty())
        .collect();
    if auth_urls.is_empty() {
        tracing::warn!("no --auth-url: sessions ended at auth are honoured here only when their tokens expire");
        return Ok(());
    }
    let revocations = Arc::downgrade(revocations);
    let http = crate::tls::client(ca, FETCH_TIMEOUT)?;
    tokio::spawn(refresh_forever(
        revocations,
        auth_urls,
        every.max(Duration::from_millis(100)),
        http,
    ));
    Ok(())
}

async fn refresh_forever(
    revocations: Weak<Revocations>,
    auth_urls: Vec<String>,
    every: Duration,
    http: reqwest::Client,
) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut reachable = true;
    // The tag of the last list applied: an unchanged list is a 304.
    let mut held: Option<String> = None;
    loop {
        ticks.tick().await;
        let Some(revocations) = revocations.upgrade() else {
            return;
        };
        match fetch(&http, &auth_urls, held.as_deref()).await {
            Ok(Fetched::Unchanged) => reachable = true,
            Ok(Fetched::List { list, etag }) => {
                revocations.apply(&list, chrono::Utc::now().timestamp());
                held = etag;
                if !reachable {
                    tracing::info!(held = revocations.len(), "the list of ended sessions is fresh again");
                }
                reachable = true;
            }
            Err(err) => {
                if reachable {
                    tracing::warn!(error = %err, held = revocations.len(), "cannot refresh the list of ended sessions; keeping the one held");
                }
                reachable = false;
            }
        }
    }
}

enum Fetched {
    Unchanged,
    List { list: RevocationList, etag: Option<String> },
}

/// The whole list (it holds only the last hour's revocations): a cursor
/// could skip one whose commit landed after a later one was read.
async fn fetch(http: &reqwest::Client, auth_urls: &[String], held: Option<&str>) -> anyhow::Result<Fetched> {
    let mut last_error = None;
    for url in auth_urls {
        let attempt = async {
            let mut request = http.get(format!("{url}/auth/revocations"));
            if let Some(etag) = held {
                request = request.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            let response = request.send().await?;
            if response.status() == reqwest::StatusCode::NOT_MODIFIED {
                return anyhow::Ok(Fetched::Unchanged);
            }
            let response = response.error_for_status()?;
            let etag = response
                .headers()
                .get(reqwest::header::ETAG)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let list = response.json::<RevocationList>().await?;
            anyhow::Ok(Fetched::List { list, etag })
        };
        match attempt.await {
            Ok(fetched) => return Ok(fetched),
            Err(err) => last_error = Some(err.context(format!("GET {url}/auth/revocations"))),
        }
    }
    Err(last_error.unwrap_or_else(|| anyhow::anyhow!("no auth-service address")))
}
