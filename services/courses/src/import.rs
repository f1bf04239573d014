//! Bulk import of courses from CSV:
//! `code,title,capacity,teacher_email[,description][,credits]`, one course a
//! row, into the current term.
//!
//! Teachers are named by email, as a registrar's files name them; their
//! ids and names come from auth-service's user list, asked once per import
//! with the importing admin's own token. Only an import waits on
//! auth-service: nothing a student or teacher does.

use std::collections::HashMap;

use axum::http::StatusCode;
use service_common::csv_table::{Columns, CsvRow};
use service_common::import::{KeyedRow, RowProblem};
use service_common::peer::{PeerClient, PeerError};
use shared_types::auth::User;
use shared_types::courses::CreateCourseRequest;
use shared_types::import::MAX_IMPORT_ROWS;
use shared_types::{Email, Role};
use uuid::Uuid;

use crate::domain::{CourseCode, NewCourse};
use crate::error::{Error, Result};

/// The columns of a course import.
pub const COURSE_COLUMNS: Columns<'static> = Columns {
    required: &["code", "title", "capacity", "teacher_email"],
    optional: &["description", "credits"],
    refused: &[],
    max_rows: MAX_IMPORT_ROWS,
};

/// The teachers, by email in lower case: id and name.
pub type Teachers = HashMap<String, (Uuid, String)>;

/// The teachers as auth-service lists them for the admin whose token this is.
pub async fn teachers(auth: Option<&PeerClient>, token: &str) -> Result<Teachers> {
    let auth = auth.ok_or_else(|| Error::AuthUnavailable("no --auth-url is set".to_owned()))?;
    let users: Vec<User> = auth
        .get_json("/auth/users?role=teacher", token)
        .await
        .map_err(|e| match e {
            // The admin's session was refused there (ended, say): theirs to
            // fix by signing in again. Any other refusal is ours (a wrong
            // address, a throttled peer), never a reason to sign them out.
            PeerError::Refused(StatusCode::UNAUTHORIZED) => Error::AuthRefused,
            other => Error::AuthUnavailable(other.to_string()),
        })?;
    Ok(users
        .into_iter()
        .filter(|user| user.roles.contains(&Role::Teacher) && !user.disabled)
        .map(|user| (user.email.to_lowercase(), (user.id, user.name)))
        .collect())
}

/// Each row checked, in file order: the course to create, or the report of
/// what is wrong with it. A code twice in the file is wrong the second time.
pub fn check_rows(rows: &[CsvRow], teachers: &Teachers) -> Vec<Result<(KeyedRow, NewCourse), RowProblem>> {
    let mut seen = HashMap::new();
    rows.iter()
        .map(|row| {
            let key = row.get("code");
            let invalid = |e| RowProblem::of_value(row.line, key, e);
            let code = CourseCode::parse(key).map_err(invalid)?.into_string();
            if let Some(first) = seen.insert(code, row.line) {
                return Err(RowProblem::new(
                    row.line,
                    key,
                    "duplicate_row",
                    format!("This code is already on line {first} of the file."),
                ));
            }
            let email = Email::parse(row.get("teacher_email")).map_err(invalid)?;
            let Some((teacher_id, teacher_name)) = teachers.get(email.as_str()) else {
                return Err(RowProblem::new(
                    row.line,
                    key,
                    "unknown_teacher",
                    format!(
                        "No teacher has the email {}: create or import them first.",
                        email.as_str()
                    ),
                ));
            };
            let capacity = row.get("capacity").parse::<i64>().map_err(|_| {
                RowProblem::new(
                    row.line,
                    key,
                    "invalid_capacity",
                    "The capacity must be a whole number of seats.",
                )
            })?;
            let credits = match row.get("credits").trim() {
                "" => None,
                given => Some(given.parse::<i64>().map_err(|_| {
                    RowProblem::new(
                        row.line,
                        key,
                        "invalid_credits",
                        "The credits must be a whole number from 0 to 30.",
                    )
                })?),
            };
            let course = NewCourse::parse(&CreateCourseRequest {
                code: key.to_owned(),
                title: row.get("title").to_owned(),
                description: row.get("description").to_owned(),
                capacity,
                teacher_id: *teacher_id,
                teacher_name: teacher_name.clone(),
                credits,
                term_id: None,
                section: None,
            })
            .map_err(invalid)?;
            let code = course.code.clone().into_string();
            let keyed = KeyedRow {
                line: row.line,
                key: key.to_owned(),
                natural_key: code,
                new_id: course.id,
            };
            Ok((keyed, course))
        })
        .collect()
}
