//! Concurrent writes to grades, on SQLite and PostgreSQL: no answer is a
//! 500, every accepted change is in the history exactly once, and the
//! history of a grade is one unbroken chain.
//!
//! A write updates only the revision it read and retries (a few times) when
//! another writer got there first; a writer that loses every retry is
//! answered 409 `write_conflict`, which is allowed here, and then wrote
//! nothing.

use std::collections::HashMap;

use crate::support::TestGrades;
use reqwest::StatusCode;
use serde_json::json;
use service_common::demo;
use testkit::status_and_body;
use testkit::{on_both_backends, Backend};
use uuid::Uuid;

on_both_backends!(
    twenty_concurrent_puts_to_one_grade_leave_one_unbroken_history_chain,
    concurrent_uploads_in_opposite_row_orders_keep_every_student_in_step,
);

/// The grade scale, best first.
const SCALE: [f64; 8] = [4.0, 3.5, 3.0, 2.5, 2.0, 1.5, 1.0, 0.0];

/// Asserts that `steps` start from no grade, that each change's old grade is
/// the previous change's new one, and that no step sets a grade it already
/// had.
fn assert_unbroken_chain(steps: &[(Option<f64>, f64)]) {
    assert_eq!(
        steps.first().map(|s| s.0),
        Some(None),
        "the first change starts from no grade: {steps:?}"
    );
    for pair in steps.windows(2) {
        assert_eq!(pair[1].0, Some(pair[0].1), "a broken chain: {steps:?}");
    }
    assert!(
        steps.iter().all(|(old, new)| *old != Some(*new)),
        "a change to the same grade: {steps:?}"
    );
}

/// How often each grade occurs in `values` (grades are exact tenths).
fn tally(values: impl IntoIterator<Item = f64>) -> HashMap<i64, usize> {
    let mut counts = HashMap::new();
    for value in values {
        *counts.entry((value * 10.0).round() as i64).or_default() += 1;
    }
    counts
}

async fn twenty_concurrent_puts_to_one_grade_leave_one_unbroken_history_chain(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let teacher = app.token_of(demo::TEACHER);
    let course = demo::CS201.id;
    let (student_id, student) = app.new_student("Mei Tanaka");
    app.enroll(course, &student).await;

    // Twenty writes over the eight grades of the scale, neighbours differing.
    let written: Vec<f64> = (0..20).map(|n| SCALE[(n * 3) % SCALE.len()]).collect();
    let answers = testkit::join_all(
        written
            .iter()
            .map(|grade| app.set_grade(&teacher, course, student_id, json!(grade))),
    )
    .await;
    let mut accepted = Vec::new();
    let mut conflicts = 0;
    for (grade, answer) in written.iter().zip(answers) {
        let (status, body) = status_and_body(answer).await;
        match (status, body["error"].as_str()) {
            (StatusCode::OK, _) => {
                assert_eq!(
                    body["grade"].as_f64(),
                    Some(*grade),
                    "an accepted write answers its own grade"
                );
                accepted.push(*grade);
            }
            (StatusCode::CONFLICT, Some("write_conflict")) => conflicts += 1,
            other => panic!("unexpected answer {other:?}: {body}"),
        }
    }
    assert!(!accepted.is_empty(), "every write was refused ({conflicts} conflicts)");

    let steps = app.history_steps(course, student_id).await;
    assert_unbroken_chain(&steps);
    // Each change in the history is one accepted write (a write that found
    // its grade already set changed nothing and is in no entry).
    let changed = tally(steps.iter().map(|s| s.1));
    let answered = tally(accepted.iter().copied());
    for (grade, times) in &changed {
        assert!(
            answered.get(grade).is_some_and(|n| n >= times),
            "grade {grade} is in the history {times} times, accepted {answered:?}: {steps:?}"
        );
    }

    let stored = steps.last().expect("at least one change").1;
    assert!(
        accepted.contains(&stored),
        "the stored grade {stored} was never accepted"
    );
    let view = app.teacher_view(course).await;
    let mine = view
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["student_id"] == json!(student_id))
        .expect("the student in the teacher's view");
    assert_eq!(mine["grade"].as_f64(), Some(stored), "the view shows the last change");
    // The stored revision counts the changes, and each revision is in the
    // history once.
    let revision = app.grades_db.select_text(&format!(
        "SELECT CAST(revision AS TEXT) AS value FROM grades WHERE student_id = '{student_id}'"
    ));
    assert_eq!(revision, [steps.len().to_string()]);
    let revisions = app.grades_db.select_text(&format!(
        "SELECT CAST(revision AS TEXT) AS value FROM grade_changes \
         WHERE student_id = '{student_id}' ORDER BY revision"
    ));
    let expected: Vec<String> = (1..=steps.len()).map(|r| r.to_string()).collect();
    assert_eq!(revisions, expected);
}

async fn concurrent_uploads_in_opposite_row_orders_keep_every_student_in_step(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let teacher = app.token_of(demo::TEACHER);
    let course = demo::CS201.id;
    let students: Vec<Uuid> = {
        let mut ids = Vec::new();
        for n in 0..20 {
            let (id, token) = app.new_student(&format!("Student {n:02}"));
            app.enroll(course, &token).await;
            ids.push(id);
        }
        ids
    };
    // Two rounds: the first inserts every grade, the second updates them.
    // Half the uploads list the students forwards and half backwards, so two
    // of them meet in the middle unless rows are written in one order.
    let mut accepted = Vec::new();
    for round in 0..2 {
        let uploads: Vec<(f64, String)> = (0..6)
            .map(|n| {
                let grade = SCALE[(round * 6 + n) % SCALE.len()];
                let mut order = students.clone();
                if n % 2 == 1 {
                    order.reverse();
                }
                let mut csv = String::from("student_id,grade\n");
                for id in order {
                    csv.push_str(&format!("{id},{grade:.1}\n"));
                }
                (grade, csv)
            })
            .collect();
        let answers = testkit::join_all(
            uploads
                .iter()
                .map(|(_, csv)| app.upload(&teacher, course, "text/csv", csv.clone())),
        )
        .await;
        for ((grade, _), answer) in uploads.iter().zip(answers) {
            let (status, body) = status_and_body(answer).await;
            match (status, body["error"].as_str()) {
                (StatusCode::OK, _) => {
                    assert_eq!(body["written"], 20, "{body}");
                    accepted.push(*grade);
                }
                (StatusCode::CONFLICT, Some("write_conflict")) => {}
                other => panic!("round {round}: unexpected answer {other:?}: {body}"),
            }
        }
    }
    assert!(!accepted.is_empty(), "every upload was refused");

    // An upload is all or nothing, so every student went through the same
    // changes, and the last of them is what each one holds.
    let first = app.history_steps(course, students[0]).await;
    assert_unbroken_chain(&first);
    for id in &students[1..] {
        assert_eq!(app.history_steps(course, *id).await, first, "student {id} out of step");
    }
    let stored = first.last().expect("at least one change").1;
    assert!(
        accepted.contains(&stored),
        "the stored grade {stored} was never accepted"
    );
    let view = app.teacher_view(course).await;
    let grades: Vec<Option<f64>> = view.as_array().unwrap().iter().map(|g| g["grade"].as_f64()).collect();
    assert_eq!(grades, vec![Some(stored); students.len()]);
}
