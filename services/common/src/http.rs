//! The HTTP plumbing every service shares: health and readiness, the OpenAPI
//! document, the metrics, CORS, the body limit, the request timeout,
//! request ids and logs, compression, conditional GETs, and JSON answers
//! for unknown routes.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::PrometheusHandle;
use shared_types::health::Health;
use shared_types::Secret;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::{AdminOrMachine, TokenVerifier};
use crate::db::Database;
use crate::extract::payload_too_large;
use crate::{request_id, ApiError};

/// What the shared routes and layers need to know about a service.
#[derive(Clone)]
pub struct Plumbing {
    pub db: Database,
    /// The SQLite file, whose disappearance makes the service not ready.
    pub sqlite_file: Option<PathBuf>,
    /// The service's OpenAPI document, served at `/openapi.json`.
    pub openapi: Bytes,
    pub metrics: PrometheusHandle,
    pub metrics_readers: MetricsReaders,
    pub cors_origins: Vec<String>,
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
}

#[utoipa::path(
    get,
    path = "/healthz",
    operation_id = "healthz",
    summary = "Liveness",
    description = "Anyone. 200 while the process runs; never touches the database.",
    security(()),
    responses(
        (status = 200, response = crate::openapi::Healthy),
        (status = 304, response = crate::openapi::NotModified),
    )
)]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health { status: "ok".into() })
}

#[utoipa::path(
    get,
    path = "/readyz",
    operation_id = "readyz",
    summary = "Readiness",
    description = "Anyone. 200 when this service's database answers, 503 otherwise.",
    security(()),
    responses(
        (status = 200, response = crate::openapi::Healthy),
        (status = 304, response = crate::openapi::NotModified),
        (status = 503, description = "`database_unavailable`: the database does not answer (sent with `Retry-After: 1`).", body = shared_types::ErrorBody),
    )
)]
pub(crate) async fn readyz(State(plumbing): State<Plumbing>) -> Response {
    if plumbing
        .db
        .is_ready(plumbing.sqlite_file.clone(), Duration::from_secs(2))
        .await
    {
        Json(Health { status: "ok".into() }).into_response()
    } else {
        ApiError::unavailable("database", "The database is not answering.").into_response()
    }
}

#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi",
    summary = "This OpenAPI document",
    description = "Anyone. Generated from the service's handlers and wire types.",
    security(()),
    responses(
        (status = 200, description = "The document.", content_type = "application/json"),
        (status = 304, response = crate::openapi::NotModified),
    )
)]
pub(crate) async fn openapi_document(State(plumbing): State<Plumbing>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], plumbing.openapi).into_response()
}

/// Who may read `/metrics`: an admin (the registration-day view in the
/// app), or a scraper holding the configured token. What it shows (routes
/// and their rates, the pool, refusals by reason) is for operators.
#[derive(Clone)]
pub struct MetricsReaders {
    pub verifier: Arc<TokenVerifier>,
    pub scrape_token: Option<Secret>,
}

impl MetricsReaders {
    fn admit(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        AdminOrMachine {
            verifier: &self.verifier,
            machine_token: self.scrape_token.as_ref(),
            what: "the metrics",
            token_name: "the metrics token",
        }
        .admit(headers)
    }
}

#[utoipa::path(
    get,
    path = "/metrics",
    operation_id = "metrics",
    summary = "Metrics for operators",
    description = "An admin's token, or the service's `--metrics-token` (`METRICS_TOKEN`, for a scraper: Prometheus' `authorization: {credentials: ...}`), as `Authorization: Bearer`; 401 without either, 403 for a token of another role. Prometheus text: `http_requests_total` and `http_request_duration_seconds` by route, method and status; `db_pool_connections` (in use, idle) and `db_checkout_wait_seconds`; and the service's own counters: `enrollment_attempts_total` by outcome, `sign_ins_total` by outcome, `password_hashing_waiting`, `service_calls_total` by target and outcome.",
    responses(
        (status = 200, description = "The metrics.", content_type = "text/plain"),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
    )
)]
pub(crate) async fn metrics_text(State(plumbing): State<Plumbing>, headers: HeaderMap) -> Response {
    if let Err(refused) = plumbing.metrics_readers.admit(&headers) {
        return refused.into_response();
    }
    plumbing.db.record_pool_state();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        plumbing.metrics.render(),
    )
        .into_response()
}

async fn not_found() -> ApiError {
    ApiError::not_found("route_not_found", "There is no such route; see /openapi.json.")
}

/// Answers a request that outlives the timeout with 503 and the JSON body.
/// (tower-http's timeout answers with an empty body.)
async fn enforce_timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "The request took too long and was abandoned; try again.",
        )
        .into_response(),
    }
}

/// Gives every plain-text error that axum produces by itself (405, 413 from
/// the body limit, ...) the JSON error body.
async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let error = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            ApiError::new(status, "method_not_allowed", "This route does not accept that method.")
        }
        StatusCode::PAYLOAD_TOO_LARGE => payload_too_large(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::new(status, "unsupported_media_type", "This body type is not accepted here.")
        }
        other => ApiError::new(other, "error", other.canonical_reason().unwrap_or("Request failed.")),
    };
    let mut fixed = error.into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(value) = response.headers().get(&name) {
            fixed.headers_mut().insert(name, value.clone());
        }
    }
    fixed
}

/// A body refused as too large is left unread, and the server then closes
/// the connection without having said so: a client that sent its next
/// request on that connection saw it fail. `Connection: close` tells the
/// client not to reuse it.
async fn close_after_payload_too_large(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim()).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        // The browser app reads these: when to retry, whether a grade list
        // is complete while course-service is down, the moment a
        // catalogue's seat counts are current at, and how many courses a
        // search matched.
        .expose_headers([
            header::RETRY_AFTER,
            header::HeaderName::from_static(shared_types::grades::ROSTER_COMPLETE_HEADER),
            header::HeaderName::from_static(shared_types::courses::SEATS_AS_OF_HEADER),
            header::HeaderName::from_static(shared_types::catalogue::TOTAL_COUNT_HEADER),
        ])
        .max_age(Duration::from_secs(3600))
}

/// Every answer is private to its caller and says what it is: no cache
/// (a shared or browser cache) keeps a roster or a grade list, and no
/// browser guesses a type the JSON does not declare.
async fn safe_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// Adds the shared routes and layers to a service's own routes.
pub fn finish_router(service_routes: Router, plumbing: Plumbing) -> Router {
    let shared = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/openapi.json", get(openapi_document))
        .route("/metrics", get(metrics_text))
        .with_state(plumbing.clone());
    service_routes
        .merge(shared)
        .route_layer(middleware::from_fn(crate::metrics::track_requests))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            plumbing.request_timeout,
            enforce_timeout,
        ))
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn(close_after_payload_too_large))
        .layer(middleware::from_fn(crate::conditional::conditional_get))
        .layer(middleware::from_fn(safe_headers))
        // gzip or brotli as the client accepts; an answer a handler encoded
        // itself (the cached catalogue) is left as it is.
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .br(true)
                // Brotli's default (quality 11) costs about a second for a
                // large list; quality 4 compresses JSON nearly as well at a
                // small fraction of the time.
                .quality(CompressionLevel::Precise(4)),
        )
        .layer(DefaultBodyLimit::max(plumbing.max_body_bytes))
        .layer(cors(&plumbing.cors_origins))
        .layer(middleware::from_fn(request_id::scope))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            tracing::info_span!(
                "request",
                method = %request.method(),
                uri = %request.uri(),
                request_id = %request_id::of(request),
            )
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}
