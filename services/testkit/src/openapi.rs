//! Checks of a service's generated OpenAPI document: it matches the copy
//! kept in the repository (so a change to a route or a wire type shows in
//! review), and every path and method it documents is answered.

use std::path::Path;

use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Set to rewrite the kept copies from what the services now generate.
pub const UPDATE: &str = "UPDATE_OPENAPI";

/// Fails when `served` differs from the file at `kept`, naming the first
/// differing line. With `UPDATE_OPENAPI=1` the file is rewritten instead.
pub fn assert_matches_kept_copy(served: &str, kept: &Path) {
    if std::env::var(UPDATE).is_ok_and(|v| v == "1") {
        std::fs::write(kept, served).expect("the kept copy is writable");
        return;
    }
    let expected = std::fs::read_to_string(kept).unwrap_or_default();
    if expected == served {
        return;
    }
    let first_difference = expected
        .lines()
        .zip(served.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| expected.lines().count().min(served.lines().count()));
    panic!(
        "{} is not what the service generates (first difference at line {}: kept {:?}, served {:?}); \
         review the change and run `{UPDATE}=1 cargo test` to keep it",
        kept.display(),
        first_difference + 1,
        expected.lines().nth(first_difference),
        served.lines().nth(first_difference),
    );
}

/// What calling every operation of a document found.
#[derive(Debug, Default)]
pub struct RouteCheck {
    pub called: usize,
    /// `METHOD /path: status body` of each answered with 404
    /// `route_not_found` or 405.
    pub unrouted: Vec<String>,
}

/// Calls every documented path (ids filled with the nil UUID) with every
/// documented method, without a token, and lists those answered with 404
/// `route_not_found` or 405: the document names a route the service lacks.
pub async fn call_every_operation(http: &reqwest::Client, base: &str, document: &Value) -> RouteCheck {
    let paths = document["paths"].as_object().expect("the document has paths");
    let mut unrouted = Vec::new();
    let mut called = 0;
    for (path, item) in paths {
        let url = format!("{base}{}", fill_parameters(path));
        for method in item.as_object().expect("a path item").keys() {
            let Ok(method) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                continue;
            };
            if !matches!(
                method,
                Method::GET | Method::POST | Method::PUT | Method::PATCH | Method::DELETE
            ) {
                continue;
            }
            let mut request = http.request(method.clone(), &url);
            if matches!(method, Method::POST | Method::PUT | Method::PATCH) {
                request = request.header("content-type", "application/json").body("{}");
            }
            let response = request.send().await.expect("the service answers");
            let status = response.status();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            called += 1;
            if status == StatusCode::METHOD_NOT_ALLOWED
                || (status == StatusCode::NOT_FOUND && body["error"] == "route_not_found")
            {
                unrouted.push(format!("{method} {path}: {status} {body}"));
            }
        }
    }
    RouteCheck { called, unrouted }
}

/// The whole check of a running service's document at `base`: it is the
/// copy kept at `kept`, it documents at least `at_least` operations, and
/// every one is routed (and the routing check itself finds a path and a
/// method the service lacks).
pub async fn check_service_document(base: &str, kept: &Path, at_least: usize) {
    let http = crate::http_client();
    let served = http
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .expect("the document is served")
        .text()
        .await
        .expect("a text body");
    assert_matches_kept_copy(&served, kept);
    let document: Value = serde_json::from_str(&served).expect("the document is JSON");
    let check = call_every_operation(&http, base, &document).await;
    assert!(
        check.unrouted.is_empty(),
        "documented but not routed: {:#?}",
        check.unrouted
    );
    assert!(
        check.called >= at_least,
        "only {} operations documented, expected at least {at_least}",
        check.called
    );

    let wrong = serde_json::json!({"paths": {
        "/healthz": {"delete": {}},
        "/no/such/{id}": {"get": {}},
    }});
    let check = call_every_operation(&http, base, &wrong).await;
    assert_eq!(check.unrouted.len(), 2, "{:#?}", check.unrouted);
}

/// `/courses/{id}/roster` -> `/courses/00000000-.../roster`.
fn fill_parameters(path: &str) -> String {
    let mut filled = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        filled.push_str(&rest[..open]);
        filled.push_str(&uuid::Uuid::nil().to_string());
        rest = &rest[close..];
    }
    filled.push_str(rest);
    filled
}

#[cfg(test)]
mod tests {
    use super::fill_parameters;

    #[test]
    fn parameters_are_filled_with_the_nil_uuid() {
        let nil = "00000000-0000-0000-0000-000000000000";
        assert_eq!(fill_parameters("/healthz"), "/healthz");
        assert_eq!(
            fill_parameters("/grades/courses/{course_id}/students/{student_id}"),
            format!("/grades/courses/{nil}/students/{nil}")
        );
    }
}
