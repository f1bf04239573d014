//! Holds on a student's registration: placed and lifted by an admin, read
//! by the admin and by the student. The rule itself (a hold blocks taking
//! a place) is checked where places are taken (`placing`).

use chrono::Utc;
use diesel::prelude::*;
use service_common::db::Database;
use service_common::{db_run, db_write};
use uuid::Uuid;

use shared_types::audit::AuditAction;

use crate::db::audit_store::{Attempt, Audit};
use crate::db::models::HoldRow;
use crate::db::requisite_store;
use crate::db::schema::holds;
use crate::domain::HoldReason;
use crate::error::{Error, Result};

/// An admin's attempt on a student's holds (for the audit trail).
pub fn attempt(admin: Uuid, student: Uuid, action: AuditAction) -> Attempt {
    Attempt {
        actor: Some(admin),
        student,
        student_name: String::new(),
        course: None,
        action,
    }
}

/// Places a hold on `student` for `reason`, by `admin`.
pub async fn place_hold(db: &Database, student: Uuid, reason: HoldReason, admin: Uuid) -> Result<HoldRow> {
    let row = HoldRow {
        id: Uuid::new_v4(),
        student_id: student,
        reason: reason.into_string(),
        placed_by: admin,
        placed_at: Utc::now().naive_utc(),
        lifted_by: None,
        lifted_at: None,
    };
    let stored = row.clone();
    let event = attempt(admin, student, AuditAction::HoldPlaced).accepted("placed", row.reason.clone());
    db_write!(db, |conn| {
        diesel::insert_into(holds::table).values(stored.clone()).execute(conn)?;
        conn.record(&event)
    })?;
    Ok(row)
}

/// Lifts the student's active hold `hold`, by `admin`
/// ([`Error::HoldNotFound`] if there is none such), then offers the
/// student the free seats of the lists they wait for: the hold was what
/// passed them over.
pub async fn lift_hold(db: &Database, student: Uuid, hold: Uuid, admin: Uuid) -> Result<HoldRow> {
    let now = Utc::now().naive_utc();
    let (student_id, hold_id) = (student.to_string(), hold.to_string());
    let lifted = db_write!(db, |conn| {
        let changed = diesel::update(
            holds::table
                .find(&hold_id)
                .filter(holds::student_id.eq(&student_id))
                .filter(holds::lifted_at.is_null()),
        )
        .set((holds::lifted_at.eq(now), holds::lifted_by.eq(admin.to_string())))
        .execute(conn)?;
        if changed == 0 {
            return Err(Error::HoldNotFound);
        }
        let lifted: HoldRow = holds::table.find(&hold_id).select(HoldRow::as_select()).first(conn)?;
        conn.record(&attempt(admin, student, AuditAction::HoldLifted).accepted("lifted", lifted.reason.clone()))?;
        Ok::<_, Error>(lifted)
    })?;
    requisite_store::settle_everywhere(db, student, now).await;
    Ok(lifted)
}

/// The student's holds, active first, then by when they were placed;
/// lifted ones only if `with_lifted`.
pub async fn holds_of(db: &Database, student: Uuid, with_lifted: bool) -> Result<Vec<HoldRow>> {
    let student_id = student.to_string();
    let mut rows: Vec<HoldRow> = db_run!(db, |conn| holds::table
        .filter(holds::student_id.eq(&student_id))
        .select(HoldRow::as_select())
        .order(holds::placed_at)
        .load(conn)
        .map_err(Error::from))?;
    if !with_lifted {
        rows.retain(|row| row.lifted_at.is_none());
    }
    rows.sort_by_key(|row| (row.lifted_at.is_some(), row.placed_at));
    Ok(rows)
}
