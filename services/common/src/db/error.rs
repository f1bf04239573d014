use axum::http::StatusCode;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::ApiError;

/// A failure of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had: the database is down or saturated.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Query(#[from] DieselError),
}

impl DbError {
    /// Whether this is a violation of a unique constraint (a duplicate).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
        )
    }
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "The database is not answering; try again shortly.",
                )
                .with_retry_after(1)
            }
            DbError::Query(DieselError::NotFound) => ApiError::not_found("not_found", "No such resource."),
            DbError::Query(DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info)) => {
                tracing::warn!(detail = %info.message(), "database connection lost");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "The database connection was lost; try again shortly.",
                )
                .with_retry_after(1)
            }
            DbError::Query(other) => ApiError::internal(other),
        }
    }
}
