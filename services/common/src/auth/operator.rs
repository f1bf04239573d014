//! Routes read by an admin or by a machine of the deployment holding a
//! configured token: `/metrics` (a scraper), grade-service's completions
//! feed (course-service).

use axum::http::{header, HeaderMap};
use shared_types::{Role, Secret};
use subtle::ConstantTimeEq;

use super::TokenVerifier;
use crate::ApiError;

/// Who may read a route for operators or machines: an admin's valid token,
/// or the configured `machine_token` (compared in constant time; an empty
/// one configured admits nobody).
pub struct AdminOrMachine<'a> {
    pub verifier: &'a TokenVerifier,
    pub machine_token: Option<&'a Secret>,
    /// What the route holds and the machine that reads it, for the
    /// refusals ("the metrics", "the metrics token").
    pub what: &'a str,
    pub token_name: &'a str,
}

impl AdminOrMachine<'_> {
    pub fn admit(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        let (what, token_name) = (self.what, self.token_name);
        let Some(presented) = presented else {
            return Err(ApiError::unauthorized(format!(
                "To read {what}, send an admin's token or {token_name} as 'Authorization: Bearer <token>'."
            )));
        };
        if let Some(expected) = self.machine_token.filter(|t| !t.expose().is_empty()) {
            if bool::from(expected.expose().as_bytes().ct_eq(presented.as_bytes())) {
                return Ok(());
            }
        }
        match self.verifier.verify(presented) {
            Ok(claims) if claims.has_role(Role::Admin) => Ok(()),
            Ok(_) => Err(ApiError::forbidden(format!(
                "Only admins (or the holder of {token_name}) may read {what}."
            ))),
            Err(_) => Err(ApiError::unauthorized(format!(
                "The token is neither an admin's valid token nor {token_name}."
            ))),
        }
    }
}
