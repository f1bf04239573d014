use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared_types::auth::User;
use shared_types::Role;
use uuid::Uuid;

use crate::schema::users;

/// A row of `users`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub roles: String,
    pub created_at: NaiveDateTime,
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
            id: Uuid::parse_str(&self.id).unwrap_or_default(),
            email: self.email.clone(),
            name: self.name.clone(),
            roles: self.roles(),
        }
    }
}
