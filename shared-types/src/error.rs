use serde::{Deserialize, Serialize};

/// The body of every non-2xx response of every service.
///
/// `error` is a stable snake_case code a program can match on; `message` is a
/// sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}
