//! Tokens as course-service and grade-service verify them: through a
//! rotation of auth-service's signing key, and past their expiry.

use std::time::Duration;

use crate::support::{start_courses, start_grades, TestGrades};
use reqwest::{Method, StatusCode};
use serde_json::json;
use service_common::demo::{self, DemoUser};
use testkit::status_and_body;
use testkit::{on_both_backends, Backend, TestKeys};

on_both_backends!(
    during_a_key_rotation_tokens_of_the_old_and_the_new_key_both_pass,
    a_withdrawn_key_is_refused_401_after_a_restart_and_the_new_one_still_passes,
    a_token_accepted_while_valid_is_refused_401_token_expired_once_it_expires,
    a_token_expired_before_its_first_use_is_refused_401_token_expired,
);

/// A token for a demo user signed with `keys`.
fn token(keys: &TestKeys, user: DemoUser) -> String {
    keys.token(user.id, user.name, user.roles)
}

/// The status and error code of a student's reads at both services:
/// `GET /enrollments/me` at course-service and `GET /grades/me` at
/// grade-service.
async fn student_reads(app: &TestGrades, token: &str) -> Vec<(StatusCode, Option<String>)> {
    let mut answers = Vec::new();
    for (service, path) in [(&app.courses, "/enrollments/me"), (&app.grades, "/grades/me")] {
        let (status, body) = status_and_body(app.call(service, Method::GET, path, token, None).await).await;
        answers.push((status, body["error"].as_str().map(str::to_owned)));
    }
    answers
}

const READ: (StatusCode, Option<String>) = (StatusCode::OK, None);

fn refused(code: &str) -> (StatusCode, Option<String>) {
    (StatusCode::UNAUTHORIZED, Some(code.to_owned()))
}

/// Restarts both services on their databases, reading the key directory
/// afresh.
async fn restart(app: &mut TestGrades) {
    app.grades.stop().await;
    app.courses.stop().await;
    app.courses = start_courses(&app.courses_db, &app.keys).await;
    app.grades = start_grades(&app.grades_db, &app.keys, &app.courses.url).await;
}

async fn during_a_key_rotation_tokens_of_the_old_and_the_new_key_both_pass(backend: Backend) {
    let keys = TestKeys::generate();
    let new_keys = keys.rotate();
    let app = TestGrades::spawn_with_keys(backend, keys).await;
    assert_ne!(app.keys.signer.public_key().kid, new_keys.signer.public_key().kid);

    for signer in [&app.keys, &new_keys] {
        let student = token(signer, demo::STUDENT);
        assert_eq!(student_reads(&app, &student).await, [READ, READ]);
    }
    // A key that is not in the directory is not let in with them.
    let unpublished = TestKeys::generate();
    assert_eq!(
        student_reads(&app, &token(&unpublished, demo::STUDENT)).await,
        [refused("invalid_token"), refused("invalid_token")]
    );
    // grade-service forwards the teacher's token to course-service, so both
    // verify each teacher token here.
    for (signer, grade) in [(&app.keys, 2.0), (&new_keys, 3.0)] {
        let teacher = token(signer, demo::TEACHER);
        let (status, record) = status_and_body(
            app.set_grade(&teacher, demo::CS101.id, demo::STUDENT2.id, json!(grade))
                .await,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{record}");
    }
    assert_eq!(
        app.history_steps(demo::CS101.id, demo::STUDENT2.id).await,
        [(None, 2.0), (Some(2.0), 3.0)]
    );
}

async fn a_withdrawn_key_is_refused_401_after_a_restart_and_the_new_one_still_passes(backend: Backend) {
    let keys = TestKeys::generate();
    let new_keys = keys.rotate();
    let mut app = TestGrades::spawn_with_keys(backend, keys).await;
    let old_student = token(&app.keys, demo::STUDENT);
    let new_student = token(&new_keys, demo::STUDENT);
    assert_eq!(student_reads(&app, &old_student).await, [READ, READ]);

    // From here on tokens are signed with the new key only; the old key
    // (which owns the key directory) stays alive to mint refused tokens.
    app.keys.withdraw();
    let old_keys = std::mem::replace(&mut app.keys, new_keys);
    restart(&mut app).await;

    assert_eq!(
        student_reads(&app, &old_student).await,
        [refused("invalid_token"), refused("invalid_token")],
        "a token accepted before the restart, of the withdrawn key"
    );
    let old_teacher = token(&old_keys, demo::TEACHER);
    let (status, body) = status_and_body(
        app.set_grade(&old_teacher, demo::CS101.id, demo::STUDENT2.id, json!(2.0))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_token"))
    );

    assert_eq!(student_reads(&app, &new_student).await, [READ, READ]);
    let new_teacher = app.token_of(demo::TEACHER);
    let (status, record) = status_and_body(
        app.set_grade(&new_teacher, demo::CS101.id, demo::STUDENT2.id, json!(2.5))
            .await,
    )
    .await;
    assert_eq!((status, record["grade"].as_f64()), (StatusCode::OK, Some(2.5)));
    assert_eq!(
        app.history_steps(demo::CS101.id, demo::STUDENT2.id).await,
        [(None, 2.5)],
        "the refused write left no trace"
    );
}

/// Verifiers allow this much clock drift past `exp` (see the verifier).
const LEEWAY_SECONDS: i64 = 60;

async fn a_token_accepted_while_valid_is_refused_401_token_expired_once_it_expires(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    // A token three seconds from the end of its life, leeway included.
    let expires = chrono::Utc::now().timestamp() - LEEWAY_SECONDS + 3;
    let mut claims = app
        .keys
        .claims(demo::STUDENT.id, demo::STUDENT.name, demo::STUDENT.roles);
    claims.exp = expires;
    claims.iat = expires - 3600;
    let student = app.keys.sign(&claims);
    // Accepted, and so remembered by each verifier.
    assert_eq!(student_reads(&app, &student).await, [READ, READ]);

    while chrono::Utc::now().timestamp() <= expires + LEEWAY_SECONDS {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for (service, path) in [(&app.courses, "/enrollments/me"), (&app.grades, "/grades/me")] {
        let (status, body) = status_and_body(app.call(service, Method::GET, path, &student, None).await).await;
        assert_eq!(
            (status, body),
            (
                StatusCode::UNAUTHORIZED,
                json!({"error": "token_expired", "message": "Your session has expired; sign in again."})
            ),
            "{path}"
        );
    }
}

async fn a_token_expired_before_its_first_use_is_refused_401_token_expired(backend: Backend) {
    let app = TestGrades::spawn(backend).await;
    let expired = |user: DemoUser| {
        let mut claims = app.keys.claims(user.id, user.name, user.roles);
        claims.exp = chrono::Utc::now().timestamp() - LEEWAY_SECONDS - 60;
        claims.iat = claims.exp - 3600;
        app.keys.sign(&claims)
    };
    assert_eq!(
        student_reads(&app, &expired(demo::STUDENT)).await,
        [refused("token_expired"), refused("token_expired")]
    );
    let (status, body) = status_and_body(
        app.set_grade(&expired(demo::TEACHER), demo::CS101.id, demo::STUDENT2.id, json!(3.0))
            .await,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("token_expired"))
    );
}
