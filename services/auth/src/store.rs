//! Queries on the users table, written once for both backends.

use chrono::Utc;
use diesel::prelude::*;
use service_common::db::Database;
use service_common::{db_run, db_write};
use shared_types::{Email, Role};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::models::{roles_to_column, UserRow};
use crate::schema::users;

/// A user about to be stored, with its values already checked.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: Uuid,
    pub email: Email,
    pub name: String,
    pub password_hash: String,
    pub roles: Vec<Role>,
}

pub async fn find_by_email(db: &Database, email: &Email) -> Result<Option<UserRow>> {
    let email = email.as_str().to_owned();
    db_run!(db, |conn| users::table
        .filter(users::email.eq(&email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
        .map_err(Error::from))
}

pub async fn find_by_id(db: &Database, id: Uuid) -> Result<Option<UserRow>> {
    let id = id.to_string();
    db_run!(db, |conn| users::table
        .find(&id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
        .map_err(Error::from))
}

/// Users ordered by name, optionally only those holding `role`.
pub async fn list(db: &Database, role: Option<Role>) -> Result<Vec<UserRow>> {
    db_run!(db, |conn| {
        let mut query = users::table
            .select(UserRow::as_select())
            .order((users::name, users::email))
            .into_boxed();
        if let Some(role) = role {
            // Role names are not substrings of one another, so a LIKE on the
            // comma-separated column matches exactly the holders.
            query = query.filter(users::roles.like(format!("%{}%", role.as_str())));
        }
        query.load(conn).map_err(Error::from)
    })
}

/// Stores a user; a taken email is [`Error::EmailTaken`].
pub async fn insert(db: &Database, user: NewUser) -> Result<UserRow> {
    let row = UserRow {
        id: user.id.to_string(),
        email: user.email.into_string(),
        name: user.name,
        password_hash: user.password_hash,
        roles: roles_to_column(&user.roles),
        created_at: Utc::now().naive_utc(),
    };
    let stored = row.clone();
    db_write!(db, |conn| diesel::insert_into(users::table)
        .values(&row)
        .execute(conn)
        .map_err(Error::from))
    .map_err(|e| match e {
        Error::Db(db) if db.is_unique_violation() => Error::EmailTaken,
        other => other,
    })?;
    Ok(stored)
}

pub async fn count(db: &Database) -> Result<i64> {
    db_run!(db, |conn| users::table.count().get_result(conn).map_err(Error::from))
}
