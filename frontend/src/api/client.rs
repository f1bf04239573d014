//! One service's HTTP client: its replicas, the request budget, failover.
//!
//! Every call has one deadline for all its attempts, so a hung replica can
//! never hold a panel longer than [`REQUEST_BUDGET_MS`]. A replica that does
//! not answer (network error, timeout) or answers 5xx is left for the next
//! one in the list, and the client starts from the last replica that
//! answered, so a dead first replica costs one failed attempt, not one per call.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures_util::future::{select, Either};
use gloo_net::http::{Headers, Method, RequestBuilder};
use gloo_timers::future::TimeoutFuture;
use shared_types::ErrorBody;

use super::error::{ApiError, Service};

/// The longest a panel waits for any one call, failover included.
pub const REQUEST_BUDGET_MS: f64 = 3_000.0;

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
    pub fn into_error(self, service: Service) -> ApiError {
        match serde_json::from_str::<ErrorBody>(&self.text) {
            Ok(body) => ApiError::Rejected {
                status: self.status,
                code: body.error,
                message: body.message,
            },
            Err(_) => ApiError::Rejected {
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
}

impl ServiceClient {
    pub fn new(service: Service, bases: Vec<String>) -> Self {
        let bases: Vec<String> = bases.into_iter().map(|b| b.trim_end_matches('/').to_owned()).collect();
        Self {
            service,
            bases: bases.into(),
            preferred: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Sends one call, failing over between replicas within the budget.
    ///
    /// Any answer that is not a 5xx is returned as it is, errors included;
    /// `Err` means no replica gave a usable answer in time.
    pub async fn send(&self, method: Method, path: &str, token: Option<&str>, body: &Body) -> Result<Reply, ApiError> {
        let started = js_sys::Date::now();
        let count = self.bases.len();
        let first = self.preferred.load(Ordering::Relaxed) % count.max(1);
        let mut last_answer: Option<Reply> = None;
        for step in 0..count {
            let remaining = REQUEST_BUDGET_MS - (js_sys::Date::now() - started);
            if remaining < 1.0 {
                break;
            }
            let index = (first + step) % count;
            let url = format!("{}{}", self.bases[index], path);
            match attempt(&url, method.clone(), token, body, remaining as u32).await {
                Some(reply) if reply.status < 500 => {
                    self.preferred.store(index, Ordering::Relaxed);
                    return Ok(reply);
                }
                Some(reply) => last_answer = Some(reply),
                None => {}
            }
        }
        // Start the next call from another replica: this one just failed.
        self.preferred.store((first + 1) % count.max(1), Ordering::Relaxed);
        match last_answer {
            // A 5xx with our JSON error body is a real answer, such as grade
            // upload's 503 `courses_unavailable`: report what it says.
            Some(reply) if serde_json::from_str::<ErrorBody>(&reply.text).is_ok() => Ok(reply),
            _ => Err(ApiError::Unavailable(self.service)),
        }
    }

    /// Whether some replica answers `GET /healthz` with 200 within the budget.
    pub async fn is_healthy(&self) -> bool {
        matches!(self.send(Method::GET, "/healthz", None, &Body::Empty).await, Ok(r) if r.status == 200)
    }

    /// Reads a successful answer as JSON.
    pub fn decode<T: serde::de::DeserializeOwned>(&self, reply: &Reply) -> Result<T, ApiError> {
        serde_json::from_str(&reply.text).map_err(|_| ApiError::BadAnswer(self.service))
    }
}

/// One request to one replica; `None` when it did not answer in time.
async fn attempt(url: &str, method: Method, token: Option<&str>, body: &Body, timeout_ms: u32) -> Option<Reply> {
    let controller = web_sys::AbortController::new().ok();
    let signal = controller.as_ref().map(|c| c.signal());
    let mut builder = RequestBuilder::new(url)
        .method(method)
        .abort_signal(signal.as_ref())
        .header("accept", "application/json");
    if let Some(token) = token {
        builder = builder.header("authorization", &format!("Bearer {token}"));
    }
    let request = match body {
        Body::Empty => builder.build(),
        Body::Json(json) => builder.header("content-type", "application/json").body(json.as_str()),
        Body::Csv(csv) => builder.header("content-type", "text/csv").body(csv.as_str()),
    }
    .ok()?;

    let exchange = Box::pin(async move {
        let response = request.send().await.ok()?;
        let status = response.status();
        let headers = response.headers();
        let text = response.text().await.ok()?;
        Some(Reply { status, text, headers })
    });
    match select(exchange, TimeoutFuture::new(timeout_ms)).await {
        Either::Left((reply, _)) => reply,
        Either::Right(_) => {
            // Stop the browser's request too, so it does not hold a connection.
            if let Some(controller) = controller {
                controller.abort();
            }
            None
        }
    }
}
