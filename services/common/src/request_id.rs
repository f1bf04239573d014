//! One id per request, `X-Request-Id`: taken from the caller when it sends
//! one (the browser, a proxy, another service), made up otherwise, sent back
//! on the answer, named in every log line of the request, and forwarded on
//! the calls the request makes to another service, so one grade upload can
//! be followed from grade-service into course-service's log.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

pub const HEADER: &str = "x-request-id";

tokio::task_local! {
    static CURRENT: HeaderValue;
}

/// Makes the request's id the current one while its handler runs (the
/// calls it makes to other services run in the same task).
pub async fn scope(request: Request, next: Next) -> Response {
    match request.headers().get(HEADER).cloned() {
        Some(id) => CURRENT.scope(id, next.run(request)).await,
        None => next.run(request).await,
    }
}

/// The id of the request being handled, to forward.
pub fn current() -> Option<HeaderValue> {
    CURRENT.try_with(HeaderValue::clone).ok()
}

/// The id of `request`, for its span.
pub fn of(request: &Request) -> &str {
    request
        .headers()
        .get(HEADER)
        .and_then(|id| id.to_str().ok())
        .unwrap_or("-")
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    use super::*;

    /// What a handler would forward, as its answer.
    async fn forwarded() -> String {
        let nested = async { current() };
        nested
            .await
            .map_or_else(|| "none".to_owned(), |id| id.to_str().unwrap().to_owned())
    }

    async fn ask(request: axum::http::Request<Body>) -> String {
        let app = Router::new()
            .route("/", get(forwarded))
            .layer(axum::middleware::from_fn(scope));
        let answer = app.oneshot(request).await.unwrap();
        let bytes = axum::body::to_bytes(answer.into_body(), 1024).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn the_handler_forwards_its_requests_id_and_none_outside_a_request() {
        let with_id = axum::http::Request::get("/")
            .header(HEADER, "desk-7")
            .body(Body::empty())
            .unwrap();
        assert_eq!(ask(with_id).await, "desk-7");
        assert_eq!(
            ask(axum::http::Request::get("/").body(Body::empty()).unwrap()).await,
            "none"
        );
        assert!(current().is_none());
    }
}
