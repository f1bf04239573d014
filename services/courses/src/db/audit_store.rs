//! The audit trail's rows: written beside the change they record, in its
//! transaction ([`Audit::record`]); a refusal's in one of its own (see
//! `audit_log`); read per student and per section; pruned past retention.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};
use service_common::db::{Database, TextUuid};
use service_common::{db_run, db_write};
use shared_types::audit::{AuditAction, AuditEvent, AuditOutcome};
use uuid::Uuid;

use crate::db::schema::{courses, registration_events};
use crate::domain::EnrollingStudent;
use crate::error::{Error, Result};

/// A row of `registration_events`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = registration_events)]
pub struct EventRow {
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub id: Uuid,
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    #[diesel(deserialize_as = TextUuid, serialize_as = TextUuid)]
    pub student_id: Uuid,
    pub student_name: String,
    pub course_id: Option<String>,
    pub action: String,
    pub outcome: String,
    pub code: String,
    pub detail: String,
}

/// Who tried what, for whom: an event without its outcome yet.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// `None` for the settle step.
    pub actor: Option<Uuid>,
    pub student: Uuid,
    pub student_name: String,
    pub course: Option<Uuid>,
    pub action: AuditAction,
}

impl Attempt {
    /// A student's own attempt on a section.
    pub fn by_student(student: &EnrollingStudent, course: Uuid, action: AuditAction) -> Self {
        Self {
            actor: Some(student.id),
            student: student.id,
            student_name: student.name.clone(),
            course: Some(course),
            action,
        }
    }

    /// What came of it: `code` and `detail` as [`AuditEvent`] has them.
    pub fn outcome(&self, outcome: AuditOutcome, code: &str, detail: impl Into<String>) -> EventRow {
        EventRow {
            // Time-ordered, so the id is the reading cursor.
            id: Uuid::now_v7(),
            at: Utc::now().naive_utc(),
            actor_id: self.actor.map(|id| id.to_string()),
            student_id: self.student,
            student_name: self.student_name.clone(),
            course_id: self.course.map(|id| id.to_string()),
            action: self.action.as_str().to_owned(),
            outcome: outcome.as_str().to_owned(),
            code: code.to_owned(),
            detail: detail.into(),
        }
    }

    pub fn accepted(&self, code: &str, detail: impl Into<String>) -> EventRow {
        self.outcome(AuditOutcome::Accepted, code, detail)
    }
}

impl EventRow {
    /// The row as the API sends it, with its section's code and name if
    /// the section exists.
    pub fn to_event(&self, section: Option<(String, String)>) -> AuditEvent {
        let (course_code, section) = section.unzip();
        AuditEvent {
            id: self.id,
            at: self.at.and_utc(),
            actor_id: self.actor_id.as_deref().and_then(|id| Uuid::parse_str(id).ok()),
            student_id: self.student_id,
            student_name: self.student_name.clone(),
            course_id: self.course_id.as_deref().and_then(|id| Uuid::parse_str(id).ok()),
            course_code,
            section,
            // Written by this service from these enums only.
            action: AuditAction::parse(&self.action).unwrap_or(AuditAction::Enroll),
            outcome: AuditOutcome::parse(&self.outcome).unwrap_or(AuditOutcome::Refused),
            code: self.code.clone(),
            detail: self.detail.clone(),
        }
    }
}

/// Writing a row of the trail in the caller's transaction.
pub trait Audit {
    fn record(&mut self, row: &EventRow) -> Result<()>;

    /// Several rows in one statement.
    fn record_all(&mut self, rows: &[EventRow]) -> Result<()>;
}

macro_rules! audit_for {
    ($connection:ty) => {
        impl Audit for $connection {
            fn record(&mut self, row: &EventRow) -> Result<()> {
                diesel::insert_into(registration_events::table)
                    .values(row.clone())
                    .execute(self)?;
                Ok(())
            }

            fn record_all(&mut self, rows: &[EventRow]) -> Result<()> {
                if !rows.is_empty() {
                    diesel::insert_into(registration_events::table)
                        .values(rows.to_vec())
                        .execute(self)?;
                }
                Ok(())
            }
        }
    };
}

audit_for!(SqliteConnection);
audit_for!(PgConnection);

/// Whose trail is read.
#[derive(Debug, Clone, Copy)]
pub enum Trail {
    Student(Uuid),
    Section(Uuid),
}

/// A page of a trail, newest first: at most `limit` events older than the
/// event `before` (from the newest if none), each with its section's code
/// and name.
pub async fn trail(db: &Database, of: Trail, before: Option<Uuid>, limit: i64) -> Result<Vec<AuditEvent>> {
    let before = before.map(|id| id.to_string());
    let rows: Vec<(EventRow, Option<(String, String)>)> = db_run!(db, |conn| {
        let mut query = registration_events::table
            .left_join(courses::table)
            .select((EventRow::as_select(), (courses::code, courses::section).nullable()))
            .order(registration_events::id.desc())
            .limit(limit)
            .into_boxed();
        query = match of {
            Trail::Student(id) => query.filter(registration_events::student_id.eq(id.to_string())),
            Trail::Section(id) => query.filter(registration_events::course_id.eq(id.to_string())),
        };
        if let Some(before) = &before {
            query = query.filter(registration_events::id.lt(before));
        }
        query.load(conn).map_err(Error::from)
    })?;
    Ok(rows.into_iter().map(|(row, section)| row.to_event(section)).collect())
}

/// Removes the events recorded before `cutoff`; how many.
pub async fn prune(db: &Database, cutoff: NaiveDateTime) -> Result<usize> {
    db_write!(db, |conn| diesel::delete(
        registration_events::table.filter(registration_events::at.lt(cutoff))
    )
    .execute(conn)
    .map_err(Error::from))
}
