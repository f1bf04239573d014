//! Queries on the users table, written once for both backends.

use std::collections::HashMap;

use chrono::Utc;
use diesel::prelude::*;
use service_common::db::{Database, DuplicateMeans, TextUuid};
use service_common::{db_run, db_write};
use shared_types::{Email, Role};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::models::{roles_to_column, RevocationRow, UserRow};
use crate::schema::{revocations, users};

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
impl NewUser {
    /// Its row, created at `now`; with `temporary_until`, an account whose
    /// first secret was not chosen by its user and works until then.
    pub fn into_row(self, now: chrono::NaiveDateTime, temporary_until: Option<chrono::NaiveDateTime>) -> UserRow {
        UserRow {
            id: self.id,
            email: self.email.into_string(),
            name: self.name,
            password_hash: self.password_hash,
            roles: roles_to_column(&self.roles),
            created_at: now,
            disabled: false,
            must_change_password: temporary_until.is_some(),
            session_epoch: 0,
            temporary_until,
        }
    }
}

pub async fn insert(db: &Database, user: NewUser) -> Result<UserRow> {
    let row = user.into_row(Utc::now().naive_utc(), None);
    let stored = row.clone();
    db_write!(db, |conn| diesel::insert_into(users::table)
        .values(row.clone())
        .execute(conn)
        .map_err(Error::from))
    .duplicate_means(Error::EmailTaken)?;
    Ok(stored)
}

pub async fn count(db: &Database) -> Result<i64> {
    db_run!(db, |conn| users::table.count().get_result(conn).map_err(Error::from))
}

/// A change to an account, and whether it ends every session of the
/// user: both happen in one transaction, so that neither happens without
/// the other.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    pub user: Uuid,
    pub password_hash: Option<String>,
    pub must_change_password: Option<bool>,
    /// Until when the new password works (`Some(None)`: no limit, a
    /// password its user chose).
    pub temporary_until: Option<Option<chrono::NaiveDateTime>>,
    pub disabled: Option<bool>,
    pub end_sessions: bool,
    /// The account as the change's caller saw it: the change happens only
    /// if it is still so (enabled, same password, same sessions), else
    /// [`Error::AccountChanged`]. A password change checks the current
    /// password long before it writes; an admin may disable or reset the
    /// account meanwhile, and that must win.
    pub only_if_unchanged_since: Option<UserRow>,
}

impl AccountChange {
    /// A password its user did not choose (an admin's reset, a setup
    /// code): it works for `lifetime`, only to choose their own, and every
    /// session of theirs ends.
    pub fn temporary_password(user: Uuid, password_hash: String, lifetime: chrono::TimeDelta) -> Self {
        Self {
            user,
            password_hash: Some(password_hash),
            must_change_password: Some(true),
            temporary_until: Some(Some(Utc::now().naive_utc() + lifetime)),
            end_sessions: true,
            ..Self::default()
        }
    }
}

/// Applies `change`: the user as stored after it, with the revocation that
/// ended their sessions if it did; `None` if there is no such user.
pub async fn change_account(db: &Database, change: AccountChange) -> Result<Option<(UserRow, Option<RevocationRow>)>> {
    db_write!(db, |conn| {
        let id = change.user.to_string();
        let found = users::table
            .find(&id)
            .select(UserRow::as_select())
            .first(conn)
            .optional()?;
        if found.is_none() {
            return Ok(None);
        }
        if let Some(seen) = &change.only_if_unchanged_since {
            // A write that matches only the account as it was seen: it
            // also locks the row (PostgreSQL) for the rest of the change;
            // SQLite's IMMEDIATE transaction holds the whole database.
            let still = diesel::update(
                users::table
                    .find(&id)
                    .filter(users::password_hash.eq(&seen.password_hash))
                    .filter(users::session_epoch.eq(seen.session_epoch))
                    .filter(users::disabled.eq(false)),
            )
            .set(users::session_epoch.eq(users::session_epoch))
            .execute(conn)?;
            if still == 0 {
                return Err(Error::AccountChanged);
            }
        }
        if let Some(hash) = &change.password_hash {
            diesel::update(users::table.find(&id))
                .set(users::password_hash.eq(hash))
                .execute(conn)?;
        }
        if let Some(must) = change.must_change_password {
            diesel::update(users::table.find(&id))
                .set(users::must_change_password.eq(must))
                .execute(conn)?;
        }
        if let Some(until) = change.temporary_until {
            diesel::update(users::table.find(&id))
                .set(users::temporary_until.eq(until))
                .execute(conn)?;
        }
        if let Some(disabled) = change.disabled {
            diesel::update(users::table.find(&id))
                .set(users::disabled.eq(disabled))
                .execute(conn)?;
        }
        if change.end_sessions {
            diesel::update(users::table.find(&id))
                .set(users::session_epoch.eq(users::session_epoch + 1))
                .execute(conn)?;
        }
        let user = users::table.find(&id).select(UserRow::as_select()).first(conn)?;
        let ended = change
            .end_sessions
            .then(|| RevocationRow::all_sessions(change.user, user.session_epoch));
        if let Some(row) = &ended {
            diesel::insert_into(revocations::table)
                .values(row.clone())
                .execute(conn)?;
        }
        Ok(Some((user, ended)))
    })
}

pub async fn insert_revocation(db: &Database, row: RevocationRow) -> Result<()> {
    db_write!(db, |conn| diesel::insert_into(revocations::table)
        .values(row.clone())
        .execute(conn)
        .map(|_| ())
        .map_err(Error::from))
}

/// Revocations stamped at or after `since` that still matter at `now`.
pub async fn revocations_since(
    db: &Database,
    since: chrono::NaiveDateTime,
    now: chrono::NaiveDateTime,
) -> Result<Vec<RevocationRow>> {
    db_run!(db, |conn| revocations::table
        .filter(revocations::revoked_at.ge(since))
        .filter(revocations::expires_at.gt(now))
        // A fixed order: an unchanged list is the same body, and tag.
        .order((revocations::revoked_at, revocations::id))
        .select(RevocationRow::as_select())
        .load(conn)
        .map_err(Error::from))
}

/// Forgets revocations whose tokens have all expired.
pub async fn purge_revocations(db: &Database, now: chrono::NaiveDateTime) -> Result<usize> {
    db_write!(db, |conn| diesel::delete(
        revocations::table.filter(revocations::expires_at.le(now))
    )
    .execute(conn)
    .map_err(Error::from))
}

/// The ids of the users among `emails` (already normalised) that exist.
pub async fn ids_by_email(db: &Database, emails: Vec<String>) -> Result<HashMap<String, Uuid>> {
    db_run!(db, |conn| {
        let mut found = HashMap::new();
        // Bounded lists: SQLite caps the parameters of one statement.
        for chunk in emails.chunks(IN_LIST_CHUNK) {
            let rows: Vec<(TextUuid, String)> = users::table
                .filter(users::email.eq_any(chunk))
                .select((users::id, users::email))
                .load(conn)?;
            found.extend(rows.into_iter().map(|(id, email)| (email, id.0)));
        }
        Ok::<_, Error>(found)
    })
}

/// Stores the users of an import in one transaction. An email taken
/// since the caller looked (another import, an admin) fails the whole of
/// it with [`Error::EmailTaken`]: sent again, the file finds that user as
/// existing.
pub async fn insert_imported(db: &Database, new: Vec<UserRow>) -> Result<()> {
    db_write!(db, |conn| {
        for chunk in new.chunks(IN_LIST_CHUNK) {
            diesel::insert_into(users::table).values(chunk.to_vec()).execute(conn)?;
        }
        Ok::<_, Error>(())
    })
    .duplicate_means(Error::EmailTaken)
}

/// Rows per statement of the bulk queries: well under SQLite's limit on
/// bound parameters (32,766) at nine columns a row.
const IN_LIST_CHUNK: usize = 500;
