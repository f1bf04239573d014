//! What the bulk imports of users and courses share: the CSV body, the
//! per-row report and the answer's status.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use shared_types::import::{ImportReport, ImportRow, ImportStatus};
use shared_types::ValueError;
use uuid::Uuid;

use crate::csv_table::{read_csv, Columns, CsvRow};
use crate::ApiError;

/// A request body sent as `text/csv`; any other type is a 415.
#[derive(Debug, Clone)]
pub struct CsvBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for CsvBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let is_csv = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/csv"));
        if !is_csv {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the file as CSV with 'Content-Type: text/csv'.",
            ));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                crate::extract::payload_too_large()
            } else {
                ApiError::bad_request("invalid_body", e.body_text())
            }
        })?;
        Ok(Self(bytes))
    }
}

impl CsvBody {
    /// The file's rows; a file that cannot be read as `columns` is a 400
    /// `invalid_import` saying why.
    pub fn rows(&self, columns: Columns<'_>) -> Result<Vec<CsvRow>, ApiError> {
        read_csv(&self.0, columns)
            .map_err(|why| ApiError::bad_request("invalid_import", format!("The file cannot be imported: {why}.")))
    }
}

/// What is wrong with one row of a file.
#[derive(Debug, Clone)]
pub struct RowProblem {
    pub line: usize,
    /// The row's key as the file wrote it.
    pub key: String,
    /// An error code (`invalid_email`, `duplicate_row`, ...).
    pub code: &'static str,
    pub message: String,
}

impl RowProblem {
    pub fn new(line: usize, key: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            line,
            key: key.to_owned(),
            code,
            message: message.into(),
        }
    }

    /// The problem of a value that is not valid.
    pub fn of_value(line: usize, key: &str, error: ValueError) -> Self {
        Self::new(line, key, error.code, error.message)
    }
}

/// A valid row, by its natural key.
#[derive(Debug, Clone)]
pub struct KeyedRow {
    pub line: usize,
    /// The key as the file wrote it.
    pub key: String,
    /// The key as stored (an email in lower case, a code in upper case).
    pub natural_key: String,
    /// The id the row gets if it is created.
    pub new_id: Uuid,
}

/// The report of an import: `ids` are the ids each natural key has now
/// (after the write, if there was one). A valid row whose key has another
/// id than the one it would get exists already; the others are created
/// (`written`) or would be.
pub fn report(
    rows: Vec<Result<KeyedRow, RowProblem>>,
    ids: &HashMap<String, Uuid>,
    dry_run: bool,
    written: bool,
) -> ImportReport {
    let rows = rows
        .into_iter()
        .map(|row| match row {
            Err(problem) => ImportRow::invalid(problem.line, &problem.key, problem.code, problem.message),
            Ok(row) => match ids.get(&row.natural_key) {
                Some(&id) if id != row.new_id => ImportRow::valid(row.line, &row.key, ImportStatus::Exists, id),
                _ if written => ImportRow::valid(row.line, &row.key, ImportStatus::Created, row.new_id),
                _ => ImportRow {
                    id: None,
                    ..ImportRow::valid(row.line, &row.key, ImportStatus::New, row.new_id)
                },
            },
        })
        .collect();
    ImportReport::of(rows, dry_run)
}

/// 422 with the report if any row is invalid (nothing was written); 201
/// if something was created; else 200.
pub fn answer(report: ImportReport) -> Response {
    let status = if report.is_refused() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else if !report.dry_run && report.created > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, axum::Json(report)).into_response()
}
