//! The checked values of a new course: constructing them is where a 422
//! comes from.

use shared_types::courses::{
    CreateCourseRequest, CreateSectionRequest, OverrideEnrollmentRequest, UpdateCourseRequest, FIRST_SECTION,
};
use shared_types::values::{bounded_text, line_text, shown};
use shared_types::{Capacity, Credits, Email, ValueError};
use uuid::Uuid;

/// A course code: 2 to 16 characters of A-Z, 0-9 and '-', stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseCode(String);

impl CourseCode {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        code_of("a course code", raw).map(Self)
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A term code (`2026-FA`), by the rules of a course code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermCode(String);

impl TermCode {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        code_of("a term code", raw).map(Self)
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// 2 to 16 characters of A-Z, 0-9 and '-', upper-cased; `what` names the
/// code in the refusal.
fn code_of(what: &str, raw: &str) -> Result<String, ValueError> {
    let code = raw.trim().to_uppercase();
    let valid = (2..=16).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(code)
    } else {
        Err(ValueError {
            code: "invalid_code",
            message: format!("{} is not {what}: use 2 to 16 letters, digits or '-'", shown(raw)),
        })
    }
}

/// A section of a course: 1 to 8 letters or digits, stored upper-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionCode(String);

impl SectionCode {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let section = raw.trim().to_uppercase();
        let valid =
            (1..=8).contains(&section.len()) && section.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if valid {
            Ok(Self(section))
        } else {
            Err(ValueError {
                code: "invalid_section",
                message: format!("{} is not a section: use 1 to 8 letters or digits", shown(raw)),
            })
        }
    }

    pub fn first() -> Self {
        Self(FIRST_SECTION.to_owned())
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Everything needed to create a course, each value checked.
#[derive(Debug, Clone)]
pub struct NewCourse {
    pub id: Uuid,
    pub code: CourseCode,
    pub title: String,
    pub description: String,
    pub capacity: Capacity,
    pub teacher_id: Uuid,
    pub teacher_name: String,
    pub credits: Credits,
    /// The current term when `None` (see `store::insert_course`).
    pub term_id: Option<Uuid>,
    pub section: SectionCode,
}

impl NewCourse {
    pub fn parse(request: &CreateCourseRequest) -> Result<Self, ValueError> {
        Ok(Self {
            id: Uuid::new_v4(),
            code: CourseCode::parse(&request.code)?,
            title: line_text("title", &request.title, 200)?,
            description: bounded_text("description", &request.description, 4000, true)?,
            capacity: Capacity::new(request.capacity)?,
            teacher_id: request.teacher_id,
            teacher_name: line_text("teacher_name", &request.teacher_name, 100)?,
            credits: request.credits.map_or(Ok(Credits::DEFAULT), Credits::new)?,
            term_id: request.term_id,
            section: request
                .section
                .as_deref()
                .map_or(Ok(SectionCode::first()), SectionCode::parse)?,
        })
    }
}

/// Another section of an existing course, each value checked: the rest is
/// the course's.
#[derive(Debug, Clone)]
pub struct NewSection {
    pub id: Uuid,
    pub section: SectionCode,
    pub capacity: Capacity,
    pub teacher_id: Uuid,
    pub teacher_name: String,
}

impl NewSection {
    pub fn parse(request: &CreateSectionRequest) -> Result<Self, ValueError> {
        Ok(Self {
            id: Uuid::new_v4(),
            section: SectionCode::parse(&request.section)?,
            capacity: Capacity::new(request.capacity)?,
            teacher_id: request.teacher_id,
            teacher_name: line_text("teacher_name", &request.teacher_name, 100)?,
        })
    }
}

/// An admin's enrollment of a student past the rules, checked.
#[derive(Debug, Clone)]
pub struct Override {
    pub student: EnrollingStudent,
    pub reason: String,
}

impl Override {
    pub fn parse(request: &OverrideEnrollmentRequest) -> Result<Self, ValueError> {
        Ok(Self {
            student: EnrollingStudent {
                id: request.student_id,
                name: line_text("student_name", &request.student_name, 100)?,
                email: Email::parse(&request.student_email)?.into_string(),
            },
            reason: bounded_text("reason", &request.reason, 500, false)?,
        })
    }
}

/// The changes of `PATCH /courses/{id}`, each value checked.
#[derive(Debug, Clone, Default)]
pub struct CourseChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub capacity: Option<Capacity>,
    /// The teacher's id and name, changed together.
    pub teacher: Option<(Uuid, String)>,
    pub archived: Option<bool>,
    pub credits: Option<Credits>,
}

impl CourseChanges {
    pub fn parse(request: &UpdateCourseRequest) -> Result<Self, ValueError> {
        let teacher = match (request.teacher_id, &request.teacher_name) {
            (None, None) => None,
            (Some(id), Some(name)) => Some((id, line_text("teacher_name", name, 100)?)),
            _ => {
                return Err(ValueError::new(
                    "invalid_field",
                    "teacher_id and teacher_name are changed together: send both.",
                ))
            }
        };
        Ok(Self {
            title: request
                .title
                .as_deref()
                .map(|t| line_text("title", t, 200))
                .transpose()?,
            description: request
                .description
                .as_deref()
                .map(|d| bounded_text("description", d, 4000, true))
                .transpose()?,
            capacity: request.capacity.map(Capacity::new).transpose()?,
            teacher,
            archived: request.archived,
            credits: request.credits.map(Credits::new).transpose()?,
        })
    }
}

/// The student an enrollment is for, as named by their token.
#[derive(Debug, Clone)]
pub struct EnrollingStudent {
    pub id: Uuid,
    pub name: String,
    pub email: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn course_codes_are_normalised_and_checked() {
        assert_eq!(CourseCode::parse(" cs-101 ").unwrap().into_string(), "CS-101");
        for bad in ["", "C", "CS 101", "CS_101", "ÄB12", &"X".repeat(17)] {
            assert!(CourseCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sections_are_normalised_and_checked() {
        assert_eq!(SectionCode::parse(" b2 ").unwrap().into_string(), "B2");
        for bad in ["", " ", "A-1", "SECTION01", "0 1", "É"] {
            assert!(SectionCode::parse(bad).is_err(), "{bad}");
        }
    }
}

/// The reason of a hold, checked: one line the student reads, 1 to 500
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldReason(String);

impl HoldReason {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        line_text("reason", raw, 500).map(Self)
    }

    pub fn into_string(self) -> String {
        self.0
    }
}
