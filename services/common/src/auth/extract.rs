//! Authorisation as a type: a handler that takes `Student` cannot run for
//! anyone else.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use shared_types::{Claims, Role};

use super::verifier::{TokenError, TokenVerifier};
use crate::ApiError;

/// Any caller with a valid token.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Claims);

/// A caller holding the `student` role.
#[derive(Debug, Clone)]
pub struct Student(pub Claims);

/// A caller holding the `teacher` role.
#[derive(Debug, Clone)]
pub struct Teacher(pub Claims);

/// A caller holding the `admin` role.
#[derive(Debug, Clone)]
pub struct Admin(pub Claims);

/// The caller's raw bearer token, for forwarding to another service on the
/// caller's behalf. It proves nothing by itself: take it beside a verifying
/// extractor (`CurrentUser`, `Teacher`, ...).
#[derive(Debug, Clone)]
pub struct BearerToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BearerToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        bearer_token(parts).map(|t| BearerToken(t.to_owned()))
    }
}

fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthorized("Sign in first: this request needs a bearer token."))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("The Authorization header is not readable."))?;
    let (scheme, token) = value
        .split_once(' ')
        .ok_or_else(|| ApiError::unauthorized("The Authorization header must be 'Bearer <token>'."))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized(
            "The Authorization header must be 'Bearer <token>'.",
        ));
    }
    Ok(token.trim())
}

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    Arc<TokenVerifier>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts)?;
        let verifier = Arc::<TokenVerifier>::from_ref(state);
        verifier.verify(token).map(CurrentUser).map_err(|err| {
            tracing::debug!(%err, "token refused");
            match err {
                TokenError::Expired => ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "token_expired",
                    "Your session has expired; sign in again.",
                ),
                TokenError::Revoked => ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "session_ended",
                    "This session was ended (signed out, password changed or account disabled); sign in again.",
                ),
                _ => ApiError::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "The token is not valid; sign in again.",
                ),
            }
        })
    }
}

macro_rules! role_extractor {
    ($name:ident, $role:expr, $who:literal) => {
        impl<S> FromRequestParts<S> for $name
        where
            S: Send + Sync,
            Arc<TokenVerifier>: FromRef<S>,
        {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
                let CurrentUser(claims) = CurrentUser::from_request_parts(parts, state).await?;
                if claims.has_role($role) {
                    Ok($name(claims))
                } else {
                    Err(ApiError::forbidden(concat!("Only ", $who, " may do this.")))
                }
            }
        }
    };
}

role_extractor!(Student, Role::Student, "students");
role_extractor!(Teacher, Role::Teacher, "teachers");
role_extractor!(Admin, Role::Admin, "admins");
