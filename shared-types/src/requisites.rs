//! Prerequisites and corequisites of a course, and the completions they are
//! checked against.
//!
//! Requisites belong to a course code (every section, every term): a
//! prerequisite is a course passed before, with at least a grade; a
//! corequisite is a course held in the same term or passed before. Grades
//! live in grade-service; course-service keeps the completions it needs
//! (pulled from grade-service's feed, or recorded by the registrar), so
//! enrolling never waits on grade-service.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Grade;

/// Which kind of requisite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequisiteKind {
    /// Passed before, with at least `min_grade`.
    Prerequisite,
    /// Held in the same term, or passed before with at least `min_grade`.
    Corequisite,
}

impl RequisiteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequisiteKind::Prerequisite => "prerequisite",
            RequisiteKind::Corequisite => "corequisite",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "prerequisite" => Some(RequisiteKind::Prerequisite),
            "corequisite" => Some(RequisiteKind::Corequisite),
            _ => None,
        }
    }
}

/// One requisite of a course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Requisite {
    /// The code of the course required (for example `CS101`).
    pub code: String,
    pub kind: RequisiteKind,
    /// The lowest grade that counts as passed (4.0 scale); 1.0 when left
    /// out.
    #[serde(default = "Requisite::default_min_grade")]
    #[cfg_attr(feature = "openapi", schema(value_type = f64, example = 2.0))]
    pub min_grade: Grade,
}

impl Requisite {
    pub fn default_min_grade() -> Grade {
        Grade::from_tenths(10).expect("1.0 is a grade")
    }
}

/// `GET /courses/{id}/requisites`: what a course's code requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Requisites {
    /// The course code they belong to (all its sections, every term).
    pub code: String,
    pub requisites: Vec<Requisite>,
}

/// A course a student has completed, as course-service holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Completion {
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(value_type = f64, example = 3.0))]
    pub grade: Grade,
    /// `grades` (posted by the course's teacher, from grade-service's
    /// feed) or `registrar` (transfer credit, an equivalent course).
    pub source: String,
    pub recorded_at: DateTime<Utc>,
}

/// `GET /students/{id}/completions` (admin): the completions course-service
/// checks requisites against, and how fresh its copy of the grades is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StudentCompletions {
    pub student_id: Uuid,
    pub completions: Vec<Completion>,
    /// When course-service last read grade-service's feed to its end;
    /// `None` if it never has (or is not set to follow it).
    pub grades_synced_at: Option<DateTime<Utc>>,
}

/// `PUT /students/{id}/completions/{code}` (admin): a completion the
/// registrar records (transfer credit, an equivalent course).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordCompletionRequest {
    /// On the 4.0 scale (checked as any grade: 422 `invalid_grade`).
    #[cfg_attr(feature = "openapi", schema(example = 3.0))]
    pub grade: f64,
}

/// One requisite in `PUT /courses/{id}/requisites` (admin): checked by the
/// service, so that each wrong value gets its own 422.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetRequisite {
    /// A course code of the catalogue.
    pub code: String,
    /// `prerequisite` or `corequisite`.
    #[cfg_attr(feature = "openapi", schema(example = "prerequisite"))]
    pub kind: String,
    /// The lowest grade that counts as passed; 1.0 when left out.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = 2.0))]
    pub min_grade: Option<f64>,
}

/// One grade on grade-service's completions feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FedCompletion {
    pub student_id: Uuid,
    /// The section graded.
    pub course_id: Uuid,
    pub course_code: String,
    #[cfg_attr(feature = "openapi", schema(value_type = f64, example = 3.0))]
    pub grade: Grade,
    pub updated_at: DateTime<Utc>,
}

/// `GET /grades/completions`: a page of the feed, oldest change first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompletionPage {
    pub completions: Vec<FedCompletion>,
    /// Whether more follow after the last one.
    pub more: bool,
}

/// The requisites as an admin types them: comma separated, each a course
/// code with its lowest grade (`CS101 2.0`; 1.0 when left out), `with`
/// before a corequisite (`with CS101L`).
pub fn parse_requisites(text: &str) -> Result<Vec<SetRequisite>, String> {
    let mut list = Vec::new();
    for item in text.split(',').map(str::trim).filter(|item| !item.is_empty()) {
        let mut words: Vec<&str> = item.split_whitespace().collect();
        let kind = if words.first().is_some_and(|w| w.eq_ignore_ascii_case("with")) {
            words.remove(0);
            RequisiteKind::Corequisite
        } else {
            RequisiteKind::Prerequisite
        };
        let (code, min_grade) = match words.as_slice() {
            [code] => (*code, None),
            [code, grade] => {
                let grade: f64 = grade
                    .parse()
                    .map_err(|_| format!("`{item}`: the grade after the code is a number such as 2.0."))?;
                (*code, Some(grade))
            }
            _ => {
                return Err(format!(
                    "`{item}`: write a course code and its lowest grade (CS101 2.0), or `with` and a code."
                ))
            }
        };
        list.push(SetRequisite {
            code: code.to_owned(),
            kind: kind.as_str().to_owned(),
            min_grade,
        });
    }
    Ok(list)
}

/// The requisites as [`parse_requisites`] reads them.
pub fn write_requisites(requisites: &[Requisite]) -> String {
    requisites
        .iter()
        .map(|r| match r.kind {
            RequisiteKind::Prerequisite => format!("{} {}", r.code, r.min_grade),
            RequisiteKind::Corequisite => format!("with {} {}", r.code, r.min_grade),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_requisites_read_back_as_written() {
        let parsed = parse_requisites(" CS101 2.0, with CS101L ,MA101").unwrap();
        let kinds: Vec<(&str, &str, Option<f64>)> = parsed
            .iter()
            .map(|r| (r.code.as_str(), r.kind.as_str(), r.min_grade))
            .collect();
        assert_eq!(
            kinds,
            [
                ("CS101", "prerequisite", Some(2.0)),
                ("CS101L", "corequisite", None),
                ("MA101", "prerequisite", None)
            ]
        );
        assert!(parse_requisites("").unwrap().is_empty());
        assert!(parse_requisites("CS101 two").is_err());
        assert!(parse_requisites("CS101 2.0 extra").is_err());
        let stored = [
            Requisite {
                code: "CS101".into(),
                kind: RequisiteKind::Prerequisite,
                min_grade: Grade::from_tenths(20).unwrap(),
            },
            Requisite {
                code: "CS101L".into(),
                kind: RequisiteKind::Corequisite,
                min_grade: Requisite::default_min_grade(),
            },
        ];
        let written = write_requisites(&stored);
        assert_eq!(written, "CS101 2.0, with CS101L 1.0");
        let again = parse_requisites(&written).unwrap();
        assert_eq!(again[1].kind, "corequisite");
    }
}
