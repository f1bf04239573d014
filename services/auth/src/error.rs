//! The errors of auth-service, mapped once to the JSON error body.

use axum::http::StatusCode;
use service_common::db::DbError;
use service_common::ApiError;
use shared_types::ValueError;

use crate::password::HasherBusy;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("too many failed logins")]
    Throttled { retry_after: u64 },
    #[error("email taken")]
    EmailTaken,
    #[error("user not found")]
    UserNotFound,
    #[error("account disabled")]
    AccountDisabled,
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("the setup code or temporary password expired")]
    TemporaryPasswordExpired { at: chrono::NaiveDateTime },
    #[error("new password same as the current one")]
    PasswordUnchanged,
    #[error("an admin may not disable their own account")]
    CannotDisableSelf,
    #[error("the account changed during the request")]
    AccountChanged,
    #[error(transparent)]
    InvalidValue(#[from] ValueError),
    /// Refused as the shared plumbing words it (a bad import file).
    #[error("{0}")]
    Refused(#[from] ApiError),
    #[error(transparent)]
    HasherBusy(#[from] HasherBusy),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl service_common::db::HoldsDbError for Error {
    fn db_error(&self) -> Option<&DbError> {
        match self {
            Error::Db(db) => Some(db),
            _ => None,
        }
    }
}

impl From<diesel::result::Error> for Error {
    fn from(err: diesel::result::Error) -> Self {
        Error::Db(DbError::Query(err))
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        match err {
            Error::InvalidCredentials => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "The email or the password is wrong.",
            ),
            Error::Throttled { retry_after } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!("Too many sign-in attempts for this account from here; try again in {retry_after} seconds."),
            )
            .with_retry_after(retry_after),
            Error::EmailTaken => ApiError::conflict("email_taken", "A user with this email already exists."),
            Error::UserNotFound => ApiError::not_found("user_not_found", "This user no longer exists."),
            Error::AccountDisabled => ApiError::new(
                StatusCode::FORBIDDEN,
                "account_disabled",
                "This account is disabled; ask an administrator.",
            ),
            Error::PasswordChangeRequired => ApiError::new(
                StatusCode::FORBIDDEN,
                "password_change_required",
                "Your password was reset: choose a new one (POST /auth/password) before signing in.",
            ),
            Error::TemporaryPasswordExpired { at } => ApiError::new(
                StatusCode::FORBIDDEN,
                "temporary_password_expired",
                format!(
                    "This setup code or temporary password expired on {} UTC; ask an administrator for a new one.",
                    at.format("%Y-%m-%d %H:%M")
                ),
            ),
            Error::PasswordUnchanged => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "password_unchanged",
                "The new password must differ from the current one.",
            ),
            Error::AccountChanged => ApiError::conflict(
                "account_changed",
                "Your account was changed (by an administrator or another session) while this was in progress; sign in again.",
            ),
            Error::CannotDisableSelf => ApiError::conflict(
                "cannot_disable_self",
                "You cannot disable your own account; another admin can.",
            ),
            Error::InvalidValue(e) => e.into(),
            Error::Refused(e) => e,
            Error::HasherBusy(HasherBusy { retry_after }) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "auth_busy",
                format!("Many people are signing in right now; try again in {retry_after} seconds."),
            )
            .with_retry_after(retry_after),
            Error::Db(e) if e.is_unique_violation() => {
                ApiError::conflict("email_taken", "A user with this email already exists.")
            }
            Error::Db(e) => e.into(),
            Error::Internal(e) => ApiError::internal(format!("{e:#}")),
        }
    }
}

service_common::answer_errors_as_json!(Error);

pub type Result<T, E = Error> = std::result::Result<T, E>;
