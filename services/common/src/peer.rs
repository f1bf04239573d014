//! Calling another service of ours on the caller's behalf (their own token
//! forwarded): grade-service asks course-service who teaches a course,
//! course-service asks auth-service for the teachers of an import.
//!
//! Every call has a short timeout, so a slow, hung or cut-off peer costs a
//! request at most that long. With several addresses (replicas), a network
//! error or a 5xx moves on to the next one. The request's id goes along
//! (see `request_id`), and each call is counted by outcome.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::request_id;

/// What asking a peer can end in, besides an answer.
#[derive(Debug, thiserror::Error)]
pub enum PeerError {
    /// No replica answered, or each failed (5xx, unreadable answer).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A replica answered with this 4xx: about the request, not the peer.
    #[error("refused with {0}")]
    Refused(StatusCode),
}

/// A client of one service, by the addresses of its replicas.
#[derive(Clone)]
pub struct PeerClient {
    /// The service called, as it appears in the metrics.
    target: &'static str,
    http: reqwest::Client,
    bases: Vec<String>,
}

impl PeerClient {
    /// `ca`: the authority the target's certificates are signed by (the
    /// deployment's), when it serves HTTPS.
    pub fn new(
        target: &'static str,
        bases: Vec<String>,
        timeout: Duration,
        ca: Option<&std::path::Path>,
    ) -> anyhow::Result<Self> {
        let http = crate::tls::client_builder(ca)?
            .timeout(timeout)
            // A cut-off host never answers the SYN: give up on the connect
            // well before the overall timeout.
            .connect_timeout(timeout.min(Duration::from_millis(1000)))
            .build()?;
        let bases = bases
            .into_iter()
            .map(|b| b.trim().trim_end_matches('/').to_owned())
            .filter(|b| !b.is_empty())
            .collect::<Vec<_>>();
        anyhow::ensure!(!bases.is_empty(), "the address of {target}-service is missing");
        Ok(Self { target, http, bases })
    }

    /// `GET path` as the caller whose token this is. In a span of its own,
    /// inside the request's: a line logged here says which call, for
    /// which request.
    #[tracing::instrument(name = "peer_call", skip(self, token), fields(target = self.target))]
    pub async fn get_json<T: DeserializeOwned>(&self, path: &str, token: &str) -> Result<T, PeerError> {
        let started = Instant::now();
        let answer = self.ask(path, token).await;
        let outcome = match &answer {
            Ok(_) => "ok",
            Err(PeerError::Unavailable(_)) => "unavailable",
            Err(PeerError::Refused(StatusCode::NOT_FOUND)) => "not_found",
            Err(PeerError::Refused(StatusCode::FORBIDDEN)) => "forbidden",
            Err(PeerError::Refused(_)) => "refused",
        };
        crate::metrics::record_call(self.target, outcome, started.elapsed());
        answer
    }

    async fn ask<T: DeserializeOwned>(&self, path: &str, token: &str) -> Result<T, PeerError> {
        let mut last_failure = String::new();
        for base in &self.bases {
            let url = format!("{base}{path}");
            let mut request = self.http.get(&url).bearer_auth(token);
            if let Some(id) = request_id::current() {
                request = request.header(request_id::HEADER, id);
            }
            let response = match request.send().await {
                Ok(response) => response,
                Err(e) => {
                    tracing::warn!(%url, error = %e, "no answer");
                    last_failure = e.to_string();
                    continue;
                }
            };
            match response.status() {
                status if status.is_success() => {
                    return response
                        .json::<T>()
                        .await
                        .map_err(|e| PeerError::Unavailable(format!("unreadable answer from {url}: {e}")));
                }
                // A timeout or a throttle is about that replica, not the
                // request: the next one may answer.
                status
                    if status.is_client_error()
                        && status != StatusCode::REQUEST_TIMEOUT
                        && status != StatusCode::TOO_MANY_REQUESTS =>
                {
                    return Err(PeerError::Refused(status))
                }
                status => {
                    tracing::warn!(%url, %status, "failed");
                    last_failure = format!("{url} answered {status}");
                }
            }
        }
        Err(PeerError::Unavailable(last_failure))
    }
}
