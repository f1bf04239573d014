use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use service_common::auth::revocation_digest as digest;
use service_common::db::TextUuid;
use shared_types::auth::{Revocation, User, CLOCK_LEEWAY_SECONDS, TOKEN_TTL_SECONDS};
use shared_types::Claims;
use shared_types::Role;
use uuid::Uuid;

use crate::schema::{revocations, users};

/// A row of `users`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub roles: String,
    pub created_at: NaiveDateTime,
    pub disabled: bool,
    pub must_change_password: bool,
    pub session_epoch: i64,
    /// Until when a password the user did not choose works.
    pub temporary_until: Option<NaiveDateTime>,
}

/// Roles as stored: comma-separated names, in a fixed order.
pub fn roles_to_column(roles: &[Role]) -> String {
    let mut sorted = roles.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

fn roles_from_column(column: &str) -> Vec<Role> {
    column.split(',').filter_map(|r| r.parse().ok()).collect()
}

impl UserRow {
    pub fn roles(&self) -> Vec<Role> {
        roles_from_column(&self.roles)
    }

    /// The user as the API shows it. Ids are written by this service only,
    /// so an unparsable one is a corrupted row and shows as the nil id.
    pub fn to_user(&self) -> User {
        User {
            id: self.id,
            email: self.email.clone(),
            name: self.name.clone(),
            roles: self.roles(),
            disabled: self.disabled,
            must_change_password: self.must_change_password,
            temporary_until: self.temporary_until.map(|at| at.and_utc()),
        }
    }

    /// Whether the password is one its user did not choose and its time
    /// has passed (it then opens nothing, not even the choice of a new one).
    pub fn temporary_password_expired(&self, now: NaiveDateTime) -> bool {
        self.must_change_password && self.temporary_until.is_some_and(|until| until <= now)
    }
}

/// A row of `revocations`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = revocations)]
pub struct RevocationRow {
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub id: Uuid,
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub user_id: Uuid,
    pub token_id: Option<String>,
    pub session_epoch: i64,
    pub revoked_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

impl RevocationRow {
    /// The end of one token (sign-out): it matters until the token has
    /// expired, leeway included.
    pub fn one_token(claims: &Claims) -> Self {
        Self::new(claims.sub, Some(claims.jti), claims.session_epoch, claims.exp)
    }

    /// The end of every session of `user` issued before `session_epoch`:
    /// it matters for as long as a token issued now would.
    pub fn all_sessions(user: Uuid, session_epoch: i64) -> Self {
        Self::new(user, None, session_epoch, Utc::now().timestamp() + TOKEN_TTL_SECONDS)
    }

    fn new(user: Uuid, token: Option<Uuid>, session_epoch: i64, token_expiry: i64) -> Self {
        let expires_at = DateTime::from_timestamp(token_expiry + CLOCK_LEEWAY_SECONDS, 0).unwrap_or_default();
        Self {
            id: Uuid::new_v4(),
            user_id: user,
            token_id: token.map(|t| t.to_string()),
            session_epoch,
            revoked_at: Utc::now().naive_utc(),
            expires_at: expires_at.naive_utc(),
        }
    }

    /// The revocation as verifiers see it (ids by digest); `None` for a
    /// corrupted row.
    pub fn to_revocation(&self) -> Option<Revocation> {
        Some(Revocation {
            user: digest(&self.user_id),
            token: match &self.token_id {
                Some(id) => Some(digest(&Uuid::parse_str(id).ok()?)),
                None => None,
            },
            session_epoch: self.session_epoch,
            expires_at: self.expires_at.and_utc().timestamp(),
        })
    }
}
