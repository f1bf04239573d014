//! One service's HTTP client: its replicas, the request budget, failover.
//!
//! Every call has one deadline for reaching a service and its first byte,
//! for all its attempts, so a hung replica can never hold a panel longer
//! than [`REQUEST_BUDGET_MS`](crate::service::REQUEST_BUDGET_MS) (plus the link's own round trips); a slow
//! answer is another matter (see [`super::transfer`]). A replica that does
//! not answer (network error, timeout) or answers 5xx is left for the next
//! one in the list, and the client starts from the last replica that
//! answered, so a dead first replica costs one failed attempt, not one per call.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use gloo_net::http::{Headers, Method};
use leptos::prelude::*;
use shared_types::ErrorBody;

use super::error::CallError;
use super::transfer::{self, Outcome, Outgoing};
use crate::service::{Service, REQUEST_BUDGET_MS};

/// What a call sends after its headers.
pub enum Body {
    Empty,
    Json(String),
    Csv(String),
}

/// A service's answer, whatever its status.
pub struct Reply {
    pub status: u16,
    pub text: String,
    pub headers: Headers,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The answer as an error, from the JSON error body every service sends.
    pub fn into_error(self, service: Service) -> CallError {
        match serde_json::from_str::<ErrorBody>(&self.text) {
            Ok(body) => CallError::Rejected {
                status: self.status,
                code: body.error,
                message: body.message,
            },
            Err(_) => CallError::Rejected {
                status: self.status,
                code: format!("http_{}", self.status),
                message: format!("The {} answered with status {}.", service.label(), self.status),
            },
        }
    }
}

/// A client for one service: cheap to clone, shared by every panel.
#[derive(Clone)]
pub struct ServiceClient {
    service: Service,
    bases: Arc<[String]>,
    preferred: Arc<AtomicUsize>,
    arriving: ArcRwSignal<Option<u64>>,
}

impl ServiceClient {
    pub fn new(service: Service, bases: Vec<String>) -> Self {
        let bases: Vec<String> = bases.into_iter().map(|b| b.trim_end_matches('/').to_owned()).collect();
        Self {
            service,
            bases: bases.into(),
            preferred: Arc::new(AtomicUsize::new(0)),
            arriving: ArcRwSignal::new(None),
        }
    }

    /// Bytes of an answer from this service that has been arriving for a
    /// while (a slow connection), or `None` when nothing is.
    pub fn arriving(&self) -> ArcReadSignal<Option<u64>> {
        self.arriving.read_only()
    }

    /// Sends one call, failing over between replicas while no replica has
    /// answered within the budget.
    ///
    /// Any answer that is not a 5xx is returned as it is, errors included;
    /// `Err` means no replica gave a usable answer in time, or an answer
    /// stopped arriving.
    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: &Body) -> Result<Reply, CallError> {
        let started = js_sys::Date::now();
        let count = self.bases.len();
        let first = self.preferred.load(Ordering::Relaxed) % count.max(1);
        let mut last_answer: Option<Reply> = None;
        // This call's mark on the shared `arriving`, so that it clears only
        // what it set, not the progress of another call still arriving.
        let mark = std::cell::Cell::new(None::<u64>);
        let on_bytes = |bytes: u64| {
            mark.set(Some(bytes));
            self.arriving.set(Some(bytes));
        };
        for step in 0..count {
            let spent = js_sys::Date::now() - started;
            if spent + 1.0 > REQUEST_BUDGET_MS + transfer::link_allowance_ms() {
                break;
            }
            let index = (first + step) % count;
            let url = format!("{}{}", self.bases[index], path);
            let request = outgoing(&method, &url, token, body);
            let outcome = transfer::send(request, started, REQUEST_BUDGET_MS, &on_bytes).await;
            if let Some(last) = mark.take() {
                if self.arriving.get_untracked() == Some(last) {
                    self.arriving.set(None);
                }
            }
            match outcome {
                Outcome::Answered { status, text, headers } => {
                    let reply = Reply { status, text, headers };
                    if reply.status < 500 {
                        self.preferred.store(index, Ordering::Relaxed);
                        return Ok(reply);
                    }
                    last_answer = Some(reply);
                }
                // The replica is up and was answering: another replica
                // would start the whole transfer again on the same link.
                Outcome::Stalled { received } => {
                    return Err(CallError::Stalled {
                        service: self.service,
                        received,
                    })
                }
                Outcome::NoAnswer => {}
            }
        }
        // Start the next call from another replica: this one just failed.
        self.preferred.store((first + 1) % count.max(1), Ordering::Relaxed);
        match last_answer {
            // A 5xx with our JSON error body is a real answer, such as grade
            // upload's 503 `courses_unavailable`: report what it says.
            Some(reply) if serde_json::from_str::<ErrorBody>(&reply.text).is_ok() => Ok(reply),
            _ => Err(CallError::Unavailable(self.service)),
        }
    }

    /// Whether some replica answers `GET /healthz` with 200 within the budget.
    pub async fn is_healthy(&self) -> bool {
        matches!(self.send(Method::GET, "/healthz", None, &Body::Empty).await, Ok(r) if r.status == 200)
    }

    /// Reads a successful answer as JSON.
    pub fn decode<T: serde::de::DeserializeOwned>(&self, reply: &Reply) -> Result<T, CallError> {
        serde_json::from_str(&reply.text).map_err(|_| CallError::BadAnswer(self.service))
    }
}

/// The request for one attempt.
fn outgoing<'a>(method: &'a Method, url: &'a str, token: Option<&str>, body: &'a Body) -> Outgoing<'a> {
    let mut headers = vec![("accept", "application/json".to_owned())];
    if let Some(token) = token {
        headers.push(("authorization", format!("Bearer {token}")));
    }
    let body = match body {
        Body::Empty => None,
        Body::Json(json) => {
            headers.push(("content-type", "application/json".to_owned()));
            Some(json.as_str())
        }
        Body::Csv(csv) => {
            headers.push(("content-type", "text/csv".to_owned()));
            Some(csv.as_str())
        }
    };
    Outgoing {
        method: method.as_str(),
        url,
        headers,
        body,
    }
}
