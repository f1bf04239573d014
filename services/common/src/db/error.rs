use axum::http::StatusCode;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::ApiError;

/// A failure of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had: the database is down or saturated.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database answers, but the line for it did not reach this
    /// request in time: its place, and the seconds until it would have.
    #[error("database busy: place {place} in line")]
    Busy { place: usize, retry_after: u64 },
    #[error(transparent)]
    Query(#[from] DieselError),
}

/// A service's error type, one of whose variants is a [`DbError`].
pub trait HoldsDbError: Sized {
    fn db_error(&self) -> Option<&DbError>;
}

/// Says what a duplicate means in the domain ("that email is taken"),
/// once, instead of a match on the database error at each insert.
pub trait DuplicateMeans<T, E> {
    /// `duplicate` in place of a unique-constraint violation; any other
    /// error is kept.
    fn duplicate_means(self, duplicate: E) -> Result<T, E>;
}

impl<T, E: HoldsDbError> DuplicateMeans<T, E> for Result<T, E> {
    fn duplicate_means(self, duplicate: E) -> Result<T, E> {
        self.map_err(|err| match err.db_error() {
            Some(db) if db.is_unique_violation() => duplicate,
            _ => err,
        })
    }
}

impl DbError {
    /// Whether PostgreSQL ended the transaction for contention (see
    /// `is_contention`): run again, it goes through.
    pub fn is_contention(&self) -> bool {
        matches!(self, DbError::Query(DieselError::DatabaseError(kind, info)) if is_contention(kind, info.message()))
    }

    /// Whether this is a violation of a unique constraint (a duplicate).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
        )
    }

    /// Whether the database is away (answered 503), not the query at fault;
    /// a line too long to reach this request in time counts too (what can
    /// be served from an earlier read is, rather than a 503).
    pub fn is_outage(&self) -> bool {
        match self {
            DbError::Unavailable(_) | DbError::Busy { .. } => true,
            DbError::Query(DieselError::DatabaseError(kind, info)) => is_outage(kind, info.message()),
            DbError::Query(_) => false,
        }
    }
}

/// Whether a database error is the database being away or unable to take
/// writes, rather than a fault in the query: a lost connection, a server
/// shutting down (SQLSTATE 57P01 and friends arrive as messages), a standby
/// after a failover (25006), or a SQLite file whose disk is full or that
/// became read-only. These are answered 503, never 500.
fn is_outage(kind: &DatabaseErrorKind, message: &str) -> bool {
    const OUTAGE_MESSAGES: [&str; 10] = [
        "terminating connection",
        "server closed the connection",
        "no connection to the server",
        "could not receive data",
        "could not send data",
        "the database system is",
        "database or disk is full",
        "readonly database",
        "disk I/O error",
        "unable to open database file",
    ];
    matches!(
        kind,
        DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::ReadOnlyTransaction
    ) || OUTAGE_MESSAGES.iter().any(|m| message.contains(m))
}

/// Whether PostgreSQL ended a transaction so that another could go on: a
/// deadlock between two requests (SQLSTATE 40P01, which diesel reports by
/// its message) or a serialization failure (40001). Nothing is wrong with
/// the request; sent again, it goes through. Answered 503 with
/// `Retry-After`, never 500.
fn is_contention(kind: &DatabaseErrorKind, message: &str) -> bool {
    matches!(kind, DatabaseErrorKind::SerializationFailure) || message.contains("deadlock detected")
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
            DbError::Busy { place, retry_after } => {
                tracing::info!(place, retry_after, "database busy");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    format!(
                        "Many requests are ahead of this one (it was number {place} in line); try again in {retry_after} s."
                    ),
                )
                .with_retry_after(retry_after)
            }
            DbError::Query(DieselError::NotFound) => ApiError::not_found("not_found", "No such resource."),
            DbError::Query(DieselError::DatabaseError(kind, info)) if is_outage(&kind, info.message()) => {
                tracing::warn!(?kind, detail = %info.message(), "database unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "The database is not answering; try again shortly.",
                )
                .with_retry_after(1)
            }
            DbError::Query(DieselError::DatabaseError(kind, info)) if is_contention(&kind, info.message()) => {
                tracing::warn!(?kind, detail = %info.message(), "transaction given up to contention");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    "The database gave this request up to another one it was waiting on; try again.",
                )
                .with_retry_after(1)
            }
            DbError::Query(other) => ApiError::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contention_is_retryable_and_never_a_500() {
        assert!(is_contention(
            &DatabaseErrorKind::SerializationFailure,
            "could not serialize access"
        ));
        assert!(is_contention(&DatabaseErrorKind::Unknown, "deadlock detected"));
        assert!(!is_contention(
            &DatabaseErrorKind::CheckViolation,
            "new row violates check constraint"
        ));
        let deadlock = DbError::Query(DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("deadlock detected".to_owned()),
        ));
        let answer = ApiError::from(deadlock);
        assert_eq!(
            (answer.status, answer.code.as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable")
        );
    }
}
