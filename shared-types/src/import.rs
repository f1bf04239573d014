//! Bulk imports of users (`POST /auth/users/import`) and courses
//! (`POST /courses/import`) from CSV: the report both answer with.
//!
//! An import is all or nothing: every row is checked first, and one bad
//! row writes nothing. Rows are matched to what exists by their natural
//! key (a user's email, a course's code): a row whose key exists is left
//! as it is, so the same file twice creates nothing new.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Imports larger than this are refused whole: a term's users and courses
/// are loaded in a few files of this size.
pub const MAX_IMPORT_ROWS: usize = 5_000;

/// What became of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Created by this import.
    Created,
    /// A dry run: this row would be created.
    New,
    /// Its key exists already: left as it is.
    Exists,
    /// The row is wrong (see `error` and `message`): nothing was written.
    Invalid,
}

/// One row of the report, in the order of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportRow {
    /// The line of the file (the header is line 1).
    pub line: usize,
    /// The row's natural key as written: an email or a course code.
    pub key: String,
    pub status: ImportStatus,
    /// The id created, or of what exists.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<Uuid>,
    /// For an invalid row: an error code (`invalid_email`, `duplicate_row`, ...).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message: Option<String>,
    /// For a user created by this import: the one-time code they sign in
    /// with once, to choose their password. Shown only in this answer;
    /// stored only as a hash.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub setup_code: Option<String>,
}

impl ImportRow {
    pub fn invalid(line: usize, key: &str, error: &str, message: impl Into<String>) -> Self {
        Self {
            line,
            key: key.to_owned(),
            status: ImportStatus::Invalid,
            id: None,
            error: Some(error.to_owned()),
            message: Some(message.into()),
            setup_code: None,
        }
    }

    pub fn valid(line: usize, key: &str, status: ImportStatus, id: Uuid) -> Self {
        Self {
            line,
            key: key.to_owned(),
            status,
            id: Some(id),
            error: None,
            message: None,
            setup_code: None,
        }
    }
}

/// The answer of an import. On a refused file (422 `invalid_rows`) it is
/// also an error body: `error` and `message` are set and nothing was
/// written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message: Option<String>,
    /// Nothing was written: the report says what an import would do.
    pub dry_run: bool,
    /// Rows created (or, on a dry run, that would be).
    pub created: usize,
    /// Rows whose key exists, left as they are.
    pub existing: usize,
    pub invalid: usize,
    pub rows: Vec<ImportRow>,
}

impl ImportReport {
    /// The report of `rows`, counted; refused (with `error` set) if any
    /// row is invalid.
    pub fn of(rows: Vec<ImportRow>, dry_run: bool) -> Self {
        let count = |status| rows.iter().filter(|r| r.status == status).count();
        let invalid = count(ImportStatus::Invalid);
        let refused = invalid > 0;
        Self {
            error: refused.then(|| "invalid_rows".to_owned()),
            message: refused.then(|| {
                format!(
                    "{invalid} of {} rows are invalid: nothing was written. Correct them and send the file again.",
                    rows.len()
                )
            }),
            dry_run,
            created: count(ImportStatus::Created) + count(ImportStatus::New),
            existing: count(ImportStatus::Exists),
            invalid,
            rows,
        }
    }

    pub fn is_refused(&self) -> bool {
        self.invalid > 0
    }
}

/// The `dry_run` query parameter of both imports.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ImportParams {
    /// `true`: check the file and report, write nothing.
    #[serde(default)]
    pub dry_run: bool,
}
