//! Bulk uploads: a JSON list or a CSV (`student_id,grade` with a header
//! row). Every row is checked before anything is written.

use std::collections::{HashMap, HashSet};

use service_common::csv_table::{read_csv, Columns};
use shared_types::courses::RosterEntry;
use shared_types::grades::{GradeUploadRow, RowReport, UploadReport};
use shared_types::Grade;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::store::GradeWrite;

/// Uploads larger than this are refused whole: a class is far smaller.
pub const MAX_ROWS: usize = 5_000;

/// A row as received, before checking.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub student_id: String,
    pub grade: RawGrade,
}

/// A grade as received: a CSV cell or a JSON value.
#[derive(Debug, Clone)]
pub enum RawGrade {
    Text(String),
    Json(serde_json::Value),
}

impl RawGrade {
    fn parse(&self) -> Result<Grade, shared_types::ValueError> {
        match self {
            RawGrade::Text(text) => Grade::parse(text),
            RawGrade::Json(value) => Grade::from_json(value),
        }
    }
}

/// Reads the rows of a CSV body; the header must name `student_id` and
/// `grade`, in either order.
pub fn parse_csv(body: &[u8]) -> Result<Vec<RawRow>> {
    let columns = Columns {
        required: &["student_id", "grade"],
        optional: &[],
        refused: &[],
        max_rows: MAX_ROWS,
    };
    let rows = read_csv(body, columns).map_err(Error::BadUpload)?;
    Ok(rows
        .iter()
        .map(|row| RawRow {
            student_id: row.get("student_id").to_owned(),
            grade: RawGrade::Text(row.get("grade").to_owned()),
        })
        .collect())
}

/// Reads the rows of a JSON body: `[{"student_id": "...", "grade": 3.5}, ...]`.
pub fn parse_json(body: &[u8]) -> Result<Vec<RawRow>> {
    let rows: Vec<GradeUploadRow> = serde_json::from_slice(body).map_err(|e| {
        Error::BadUpload(format!(
            "the body must be a JSON list of {{\"student_id\", \"grade\"}}: {e}"
        ))
    })?;
    if rows.len() > MAX_ROWS {
        return Err(Error::BadUpload(format!("an upload holds at most {MAX_ROWS} rows")));
    }
    Ok(rows
        .into_iter()
        .map(|r| RawRow {
            student_id: r.student_id,
            grade: RawGrade::Json(r.grade),
        })
        .collect())
}

/// Checks every row against the roster. Either every row is good and the
/// writes come back with the report, or the report says what is wrong.
pub fn check_rows(rows: &[RawRow], roster: &[RosterEntry]) -> Result<(Vec<GradeWrite>, UploadReport)> {
    if rows.is_empty() {
        return Err(Error::BadUpload("the upload holds no rows".into()));
    }
    let enrolled: HashMap<Uuid, &RosterEntry> = roster.iter().map(|e| (e.student_id, e)).collect();
    let mut seen = HashSet::new();
    let mut writes = Vec::with_capacity(rows.len());
    let mut reports = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        let outcome = check_row(row, &enrolled, &mut seen);
        let report = RowReport {
            row: index + 1,
            student_id: row.student_id.clone(),
            status: outcome
                .as_ref()
                .map_or_else(|(code, _)| (*code).to_owned(), |_| "ok".to_owned()),
            message: outcome.as_ref().err().map(|(_, message)| message.clone()),
        };
        reports.push(report);
        if let Ok(write) = outcome {
            writes.push(write);
        }
    }
    let rejected = rows.len() - writes.len();
    let report = UploadReport {
        error: None,
        message: None,
        written: if rejected == 0 { writes.len() } else { 0 },
        rejected,
        rows: reports,
    };
    if rejected > 0 {
        return Err(Error::InvalidRows(report));
    }
    Ok((writes, report))
}

fn check_row(
    row: &RawRow,
    enrolled: &HashMap<Uuid, &RosterEntry>,
    seen: &mut HashSet<Uuid>,
) -> Result<GradeWrite, (&'static str, String)> {
    let student_id = Uuid::parse_str(row.student_id.trim()).map_err(|_| {
        (
            "invalid_student_id",
            format!("{} is not a student id", shared_types::values::shown(&row.student_id)),
        )
    })?;
    let grade = row.grade.parse().map_err(|e| (e.code, e.message))?;
    if !seen.insert(student_id) {
        return Err(("duplicate_row", "this student appears in an earlier row".into()));
    }
    let entry = enrolled.get(&student_id).ok_or_else(|| {
        (
            "student_not_enrolled",
            "this student is not enrolled in this course".to_owned(),
        )
    })?;
    Ok(GradeWrite {
        student_id,
        student_name: entry.name.clone(),
        grade,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roster(ids: &[Uuid]) -> Vec<RosterEntry> {
        ids.iter()
            .map(|id| RosterEntry {
                student_id: *id,
                name: format!("Student {id}"),
                email: "s@example.edu".into(),
                enrolled_at: chrono::Utc::now(),
                override_reason: None,
            })
            .collect()
    }

    #[test]
    fn a_csv_with_a_column_twice_is_refused() {
        let body = b"student_id,grade,grade\n00000000-0000-0000-0000-000000000001,4.0,0.0\n";
        assert!(matches!(parse_csv(body), Err(Error::BadUpload(m)) if m.contains("twice")));
        let body = b"Student_ID,grade,student_id\nx,4.0,y\n";
        assert!(matches!(parse_csv(body), Err(Error::BadUpload(_))));
    }

    #[test]
    fn csv_rows_are_read_and_checked() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let body = format!("grade,student_id\r\n3.5,{a}\r\n\r\n 4 , {b} \r\n");
        let rows = parse_csv(body.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        let (writes, report) = check_rows(&rows, &roster(&[a, b])).unwrap();
        assert_eq!((writes.len(), report.written, report.rejected), (2, 2, 0));
        assert_eq!(writes[1].grade.tenths(), 40);
    }

    #[test]
    fn one_bad_row_rejects_the_upload_and_says_which() {
        let (a, b, stranger) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let body = format!("student_id,grade\n{a},3.5\n{b},3.7\n{stranger},2.0\nnope,1.0\n{a},2.0\n");
        let rows = parse_csv(body.as_bytes()).unwrap();
        let Err(Error::InvalidRows(report)) = check_rows(&rows, &roster(&[a, b])) else {
            panic!("expected invalid rows");
        };
        let statuses: Vec<&str> = report.rows.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(
            statuses,
            [
                "ok",
                "invalid_grade",
                "student_not_enrolled",
                "invalid_student_id",
                "duplicate_row"
            ]
        );
        assert_eq!((report.written, report.rejected), (0, 4));
    }

    #[test]
    fn bad_headers_and_empty_uploads_are_refused() {
        assert!(matches!(parse_csv(b"id,score\n1,2\n"), Err(Error::BadUpload(_))));
        assert!(matches!(parse_csv(b"student_id,grade\n"), Err(Error::BadUpload(_))));
        assert!(matches!(check_rows(&[], &[]), Err(Error::BadUpload(_))));
        assert!(matches!(parse_json(b"{\"not\": \"a list\"}"), Err(Error::BadUpload(_))));
    }
}
