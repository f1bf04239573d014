//! Prerequisites and corequisites: whether a student meets what a course
//! requires, from the completions course-service holds and the sections
//! they hold in the term. Pure, so that every path (enroll, join, the
//! settle step) asks the same rule.

use shared_types::requisites::{Requisite, RequisiteKind};
use shared_types::Grade;

/// What the student is missing: the first requisite (in the order given)
/// that neither a completion with at least its grade nor, for a
/// corequisite, a section held in the term satisfies.
pub fn first_unmet<'a>(
    required: &'a [Requisite],
    completed: &[(String, Grade)],
    held_codes: &[String],
) -> Option<&'a Requisite> {
    required.iter().find(|requisite| {
        let passed = completed
            .iter()
            .any(|(code, grade)| *code == requisite.code && *grade >= requisite.min_grade);
        let held = requisite.kind == RequisiteKind::Corequisite && held_codes.contains(&requisite.code);
        !(passed || held)
    })
}

/// Whether `code` requiring `required` would close a cycle through
/// `existing` (pairs of a code and a code it requires): no student could
/// take the first course of the cycle without an override.
pub fn closes_cycle(code: &str, required: &[String], existing: &[(String, String)]) -> Option<String> {
    // A walk from each new requirement along the existing ones: reaching
    // `code` again is a cycle.
    let mut seen: Vec<&str> = Vec::new();
    let mut frontier: Vec<&str> = required.iter().map(String::as_str).collect();
    while let Some(next) = frontier.pop() {
        if next == code {
            return Some(code.to_owned());
        }
        if seen.contains(&next) {
            continue;
        }
        seen.push(next);
        frontier.extend(
            existing
                .iter()
                .filter(|(from, _)| from == next)
                .map(|(_, to)| to.as_str()),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grade(tenths: i32) -> Grade {
        Grade::from_tenths(tenths).unwrap()
    }

    fn requisite(code: &str, kind: RequisiteKind, tenths: i32) -> Requisite {
        Requisite {
            code: code.into(),
            kind,
            min_grade: grade(tenths),
        }
    }

    #[test]
    fn a_prerequisite_needs_a_completion_with_at_least_its_grade() {
        let required = [requisite("CS101", RequisiteKind::Prerequisite, 20)];
        assert!(first_unmet(&required, &[], &[]).is_some());
        assert!(first_unmet(&required, &[("CS101".into(), grade(15))], &[]).is_some());
        assert!(first_unmet(&required, &[("CS101".into(), grade(20))], &[]).is_none());
        // Holding it this term is no completion.
        assert!(first_unmet(&required, &[], &["CS101".into()]).is_some());
    }

    #[test]
    fn a_corequisite_is_met_by_a_section_held_or_a_completion() {
        let required = [requisite("CS101", RequisiteKind::Corequisite, 10)];
        assert!(first_unmet(&required, &[], &[]).is_some());
        assert!(first_unmet(&required, &[], &["CS101".into()]).is_none());
        assert!(first_unmet(&required, &[("CS101".into(), grade(10))], &[]).is_none());
        assert!(first_unmet(&required, &[("CS101".into(), grade(0))], &[]).is_some());
    }

    #[test]
    fn the_first_unmet_is_named() {
        let required = [
            requisite("MA101", RequisiteKind::Prerequisite, 10),
            requisite("CS101", RequisiteKind::Prerequisite, 10),
        ];
        let unmet = first_unmet(&required, &[("MA101".into(), grade(40))], &[]).unwrap();
        assert_eq!(unmet.code, "CS101");
    }

    #[test]
    fn cycles_are_found_however_long() {
        let existing = vec![("B".to_owned(), "C".to_owned()), ("C".to_owned(), "A".to_owned())];
        assert!(closes_cycle("A", &["B".into()], &existing).is_some());
        assert!(closes_cycle("A", &["A".into()], &[]).is_some());
        assert!(closes_cycle("D", &["B".into()], &existing).is_none());
    }
}
