//! Authorisation as a type: a handler that takes `Student` cannot run for
//! anyone else.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use shared_types::{Claims, Role, Secret};

use super::verifier::{TokenError, TokenVerifier};
use crate::ApiError;

/// A caller holding the `student` role.
#[derive(Debug, Clone)]
pub struct Student(pub Caller);

/// A caller holding the `teacher` role.
#[derive(Debug, Clone)]
pub struct Teacher(pub Caller);

/// A caller holding the `admin` role.
#[derive(Debug, Clone)]
pub struct Admin(pub Caller);

/// Any caller with a valid token: who they are, and the token itself, to
/// forward to another service on their behalf (which then applies its own
/// rules to the same person). The role extractors above hold one.
#[derive(Debug, Clone)]
pub struct Caller {
    pub claims: Claims,
    pub token: Secret,
}

impl Caller {
    pub fn has_role(&self, role: Role) -> bool {
        self.claims.has_role(role)
    }
}

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    Arc<TokenVerifier>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(parts)?;
        let claims = verified(token, &Arc::<TokenVerifier>::from_ref(state))?;
        Ok(Caller {
            claims,
            token: token.into(),
        })
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

/// The token's claims, or the 401 that says why not.
fn verified(token: &str, verifier: &TokenVerifier) -> Result<Claims, ApiError> {
    verifier.verify(token).map_err(|err| {
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

macro_rules! role_extractor {
    ($name:ident, $role:expr, $who:literal) => {
        impl<S> FromRequestParts<S> for $name
        where
            S: Send + Sync,
            Arc<TokenVerifier>: FromRef<S>,
        {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
                let caller = Caller::from_request_parts(parts, state).await?;
                if caller.has_role($role) {
                    Ok($name(caller))
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
