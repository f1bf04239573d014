//! The services' OpenAPI documents, generated from the handlers'
//! `#[utoipa::path]` attributes and the `shared-types` DTOs (as crates.io
//! does), with what every service shares written once here: the bearer
//! scheme, the error answers many routes give, the shared routes, and the
//! rules every route keeps. Each service's snapshot test holds its document
//! as a file, so a change to a route or a wire type shows in review.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{OpenApi, Server};
use utoipa::{OpenApi as _, ToResponse};

use shared_types::health::Health;
use shared_types::ErrorBody;

/// The name routes refer to the bearer scheme by.
const BEARER: &str = "bearerAuth";

const BEARER_DESCRIPTION: &str = "A JWT issued by auth-service's `POST /auth/login`, signed with Ed25519 \
(`alg: EdDSA`, `kid` header naming the key). Claims: `sub`, `email`, `name`, `roles`, `iat`, `exp` (1 hour), \
`iss` = `enroll-auth`, `aud` = `enroll`, `jti`. Verified locally with the public key(s); see `GET /auth/keys`.";

/// What every service promises of every route, after its own description.
const EVERY_ROUTE: &str = "Every non-2xx response has the body `{\"error\", \"message\"}` (ErrorBody); \
an unknown route answers 404 `route_not_found`, a wrong method 405 `method_not_allowed`. Bad input never \
gives a 500. Every JSON answer to a GET carries a weak `ETag`; with `If-None-Match` naming it, an unchanged \
answer is `304` with no body. Answers are gzip- or brotli-compressed when `Accept-Encoding` allows.";

/// No usable token: `unauthorized` (no or malformed `Authorization: Bearer`
/// header), `invalid_token` (bad signature, issuer, audience or algorithm),
/// `token_expired`, `session_ended` (the session was ended at auth: signed
/// out, password changed or reset, account disabled).
#[derive(ToResponse)]
pub struct Unauthorized(pub ErrorBody);

/// `forbidden`: signed in, but without the role this route needs (see its
/// description).
#[derive(ToResponse)]
pub struct Forbidden(pub ErrorBody);

/// `payload_too_large`: the body is larger than the service accepts.
#[derive(ToResponse)]
pub struct PayloadTooLarge(pub ErrorBody);

/// `unsupported_media_type`: the body's Content-Type is not one the route
/// accepts (see its requestBody).
#[derive(ToResponse)]
pub struct UnsupportedMediaType(pub ErrorBody);

/// `database_unavailable` (this service's database is not answering) or
/// `timeout` (the request outlived the service's request timeout and was
/// abandoned).
#[derive(ToResponse)]
#[response(headers(("Retry-After" = u32, description = "Seconds to wait before retrying.")))]
pub struct Unavailable(pub ErrorBody);

/// Bad request: `malformed_json`, `invalid_body`.
#[derive(ToResponse)]
pub struct BadJson(pub ErrorBody);

/// Bad request: `invalid_path`.
#[derive(ToResponse)]
pub struct InvalidPath(pub ErrorBody);

/// `course_not_found`.
#[derive(ToResponse)]
pub struct CourseNotFound(pub ErrorBody);

/// `{"status": "ok"}`.
#[derive(ToResponse)]
pub struct Healthy(pub Health);

/// Not modified: `If-None-Match` names the current `ETag`; no body.
#[derive(ToResponse)]
pub struct NotModified;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        crate::http::healthz,
        crate::http::readyz,
        crate::http::openapi_document,
        crate::http::metrics_text
    ),
    components(
        schemas(ErrorBody, Health),
        responses(
            Unauthorized,
            Forbidden,
            PayloadTooLarge,
            UnsupportedMediaType,
            Unavailable,
            BadJson,
            InvalidPath,
            CourseNotFound,
            Healthy,
            NotModified
        )
    )
)]
struct Shared;

/// What tells one service's document apart.
pub struct About {
    /// `course-service`, ...
    pub title: &'static str,
    /// What the service owns and promises, before the rules every route keeps.
    pub description: &'static str,
    pub default_port: u16,
}

/// The whole document of a service: its own routes (from its router) with
/// the shared routes, answers and scheme, bearer tokens required unless a
/// route says otherwise.
pub fn document(service: OpenApi, about: &About) -> OpenApi {
    let mut document = service;
    document.merge(Shared::openapi());
    document.info.title = about.title.to_owned();
    document.info.version = env!("CARGO_PKG_VERSION").to_owned();
    document.info.description = Some(format!("{} {EVERY_ROUTE}", about.description));
    document.info.license = None;
    document.info.contact = None;
    document.servers = Some(vec![Server::new(format!("http://127.0.0.1:{}", about.default_port))]);
    let scheme = HttpBuilder::new()
        .scheme(HttpAuthScheme::Bearer)
        .bearer_format("JWT")
        .description(Some(BEARER_DESCRIPTION))
        .build();
    document
        .components
        .get_or_insert_with(Default::default)
        .add_security_scheme(BEARER, SecurityScheme::Http(scheme));
    document.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
    drop_unused_responses(&mut document);
    document
}

/// The shared answers a service's routes never give (auth has no course to
/// miss) are left out of its document.
fn drop_unused_responses(document: &mut OpenApi) {
    let paths = serde_json::to_string(&document.paths).expect("paths serialize");
    if let Some(components) = document.components.as_mut() {
        components
            .responses
            .retain(|name, _| paths.contains(&format!("\"#/components/responses/{name}\"")));
    }
}

/// The document as served and as kept in the snapshot: pretty JSON with a
/// final newline.
pub fn to_json(document: &OpenApi) -> String {
    let mut text = document.to_pretty_json().expect("an OpenAPI document serializes");
    text.push('\n');
    text
}
