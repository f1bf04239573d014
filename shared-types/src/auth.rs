use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Secret;

/// Issuer every token carries and every verifier requires.
pub const TOKEN_ISSUER: &str = "enroll-auth";
/// Audience every token carries and every verifier requires.
pub const TOKEN_AUDIENCE: &str = "enroll";
/// Lifetime of a token in seconds.
pub const TOKEN_TTL_SECONDS: i64 = 3600;
/// Clocks of separate hosts drift a little: a verifier accepts a token this
/// many seconds past its `exp` (and before its `nbf`).
pub const CLOCK_LEEWAY_SECONDS: i64 = 60;

/// What a user may do. A user holds one or more roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Student,
    Teacher,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Student, Role::Teacher, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Student => "student",
            Role::Teacher => "teacher",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name is not one of `student`, `teacher`, `admin`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRole(pub String);

impl fmt::Display for UnknownRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown role '{}': expected student, teacher or admin", self.0)
    }
}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "student" => Ok(Role::Student),
            "teacher" => Ok(Role::Teacher),
            "admin" => Ok(Role::Admin),
            other => Err(UnknownRole(other.to_owned())),
        }
    }
}

/// The claims of a token signed by auth-service (EdDSA).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: Uuid,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub jti: Uuid,
    /// The user's session epoch when the token was issued: ending all of a
    /// user's sessions raises it, and every token with a lower one is
    /// refused (see [`Revocation`]).
    #[serde(default)]
    pub session_epoch: i64,
}

impl Claims {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The one rule for reading a course's roster, grades and their
    /// history: its teacher (still holding the role), or an admin.
    pub fn is_teacher_or_admin_of(&self, course_teacher: Uuid) -> bool {
        (self.has_role(Role::Teacher) && self.sub == course_teacher) || self.has_role(Role::Admin)
    }
}

/// Body of `POST /auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: Secret,
}

/// A user as the API shows it (never with a password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    /// An admin disabled the account: it cannot sign in, and its tokens are
    /// refused everywhere.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub disabled: bool,
    /// An admin reset the password: the user must choose a new one
    /// (`POST /auth/password`) before signing in.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub must_change_password: bool,
    /// With `must_change_password`: until when the setup code or temporary
    /// password works (absent when it has no limit). After it an admin
    /// issues a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_until: Option<chrono::DateTime<chrono::Utc>>,
}

/// Answer of `POST /auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    pub token: Secret,
    pub token_type: String,
    pub expires_in: i64,
    pub user: User,
}

/// Body of `POST /auth/users`. Values are checked by the service (422).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateUserRequest {
    pub email: String,
    pub name: String,
    pub password: Secret,
    pub roles: Vec<String>,
}

/// Body of `POST /auth/password`: the current password proves who asks, so
/// no token is needed (a user whose password was reset has none).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    pub email: String,
    pub current_password: Secret,
    pub new_password: Secret,
}

/// Body of `POST /auth/users/{id}/password-reset` (admin): a temporary
/// password the user must replace at the next sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetRequest {
    pub temporary_password: Secret,
}

/// Answer of `POST /auth/users/{id}/setup-code` (admin): a new one-time
/// setup code, shown only here, and the user as now stored (with its
/// `temporary_until`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupCodeIssued {
    pub user: User,
    pub setup_code: Secret,
}

/// Body of `PATCH /auth/users/{id}` (admin).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateUserRequest {
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// One ended session, or all of a user's sessions so far.
///
/// With `token`, the token whose `jti` has that digest is refused; without
/// it, every token of the user whose `sub` has the digest `user` and whose
/// `session_epoch` is below `session_epoch` is (the user's sessions were
/// all ended, which raised their epoch to it). Either way the entry matters
/// only until `expires_at` (Unix seconds), when every token it could refuse
/// has expired on its own.
///
/// Digests, not ids: the list is public (every verifier pulls it without a
/// credential), and a verifier needs only to match a token it holds, so
/// the list names nobody. A digest is the first 128 bits of SHA-256 over
/// `enroll-revocation:` and the id, in lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revocation {
    pub user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub session_epoch: i64,
    pub expires_at: i64,
}

/// Answer of `GET /auth/revocations`: every revocation that still
/// matters (made at or after `since`, Unix seconds, when given). A verifier
/// always asks for all of them: a cursor could skip a revocation whose
/// commit landed late, and the list holds only the last hour's. `as_of` is
/// when the newest of them was made (0 for none), so that an unchanged
/// list is the same body, and a 304 to `If-None-Match`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevocationList {
    pub as_of: i64,
    pub revocations: Vec<Revocation>,
}
