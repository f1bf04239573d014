//! Conditional GETs: every JSON answer to a GET carries a weak `ETag` (a
//! hash of its body), and a request whose `If-None-Match` names it is
//! answered 304 with no body. A tab that refreshes a list which has not
//! changed then costs a few hundred bytes on the wire, not the list.
//!
//! Weak, because the same JSON travels gzip-, brotli- or un-encoded: the
//! tag names the content, whatever the encoding (RFC 9110 8.8.1).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The weak entity tag of `body`: 128 bits of its SHA-256, so that every
/// replica gives the same content the same tag.
pub fn weak_etag(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    HeaderValue::from_str(&format!("W/\"{hex}\"")).expect("hex in quotes is a valid header value")
}

/// Whether `If-None-Match` of `request` names `etag` (or is `*`), compared
/// weakly as RFC 9110 13.1.2 asks.
pub fn unchanged_for(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let ours = opaque(etag.to_str().unwrap_or_default());
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|tag| tag.trim() == "*" || opaque(tag) == ours)
}

/// Largest answer hashed for its tag; a larger one goes out as it is.
const LARGEST_TAGGED: usize = 16 * 1024 * 1024;

/// Tags every successful JSON answer to a GET that has no tag of its own,
/// and answers 304 when the client already holds it.
pub async fn conditional_get(request: Request, next: Next) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    // Only the tags the client holds are kept, not all its headers.
    let mut asked = HeaderMap::new();
    for tag in request.headers().get_all(header::IF_NONE_MATCH) {
        asked.append(header::IF_NONE_MATCH, tag.clone());
    }
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    // Only bodies of a known, bounded size are read whole to be tagged.
    let bounded = axum::body::HttpBody::size_hint(response.body())
        .upper()
        .is_some_and(|upper| upper <= LARGEST_TAGGED as u64);
    if response.status() != StatusCode::OK || !is_json || !bounded || response.headers().contains_key(header::ETAG) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, LARGEST_TAGGED).await else {
        // A body that failed while being read: it is gone, so say so
        // rather than send half of it.
        return crate::ApiError::internal("the answer could not be read").into_response();
    };
    let etag = weak_etag(&bytes);
    parts.headers.insert(header::ETAG, etag.clone());
    if unchanged_for(&asked, &etag) {
        // The headers a 200 would carry (a list's own, such as whether a
        // roster is complete), without the body.
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_the_content_and_match_weakly_in_any_list() {
        let tag = weak_etag(b"[1,2,3]");
        assert_eq!(tag, weak_etag(b"[1,2,3]"));
        assert_ne!(tag, weak_etag(b"[1,2,4]"));
        let strong = tag.to_str().unwrap().trim_start_matches("W/").to_owned();
        for sent in [
            tag.to_str().unwrap().to_owned(),
            strong,
            format!("\"other\", {}", tag.to_str().unwrap()),
            "*".into(),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&sent).unwrap());
            assert!(unchanged_for(&headers, &tag), "{sent}");
        }
        let mut other = HeaderMap::new();
        other.insert(header::IF_NONE_MATCH, HeaderValue::from_static("W/\"0123\""));
        assert!(!unchanged_for(&other, &tag));
        assert!(!unchanged_for(&HeaderMap::new(), &tag));
    }
}
