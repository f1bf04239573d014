//! The services' requests as the harnesses send them (the service tests,
//! `bench`, `chaos`), built from the `shared-types` DTOs: a renamed field or
//! route argument breaks the harnesses at compile time, not at run time.
//!
//! Each returns the request unsent, so a harness still times it, retries it
//! and reads its status as it needs; `base` is the service's URL (any
//! replica's).

use reqwest::{Client, RequestBuilder, Response, StatusCode};
use shared_types::auth::{CreateUserRequest, LoginRequest, LoginResponse};
use shared_types::courses::CreateCourseRequest;
use shared_types::grades::SetGradeRequest;
use shared_types::{Grade, Role};
use uuid::Uuid;

/// `POST /auth/login`.
pub fn login(http: &Client, base: &str, email: &str, password: &str) -> RequestBuilder {
    http.post(format!("{base}/auth/login")).json(&LoginRequest {
        email: email.to_owned(),
        password: password.into(),
    })
}

/// The token of a sign-in's answer, which must be a 200.
pub async fn token_of(response: Response) -> anyhow::Result<String> {
    let status = response.status();
    anyhow::ensure!(status == StatusCode::OK, "sign-in answered {status}");
    let body: LoginResponse = response.json().await?;
    Ok(body.token.expose().to_owned())
}

/// `POST /auth/users` as the admin `admin`.
pub fn create_user(
    http: &Client,
    base: &str,
    admin: &str,
    (email, name, password): (&str, &str, &str),
    roles: &[Role],
) -> RequestBuilder {
    http.post(format!("{base}/auth/users"))
        .bearer_auth(admin)
        .json(&CreateUserRequest {
            email: email.to_owned(),
            name: name.to_owned(),
            password: password.into(),
            roles: roles.iter().map(|r| r.as_str().to_owned()).collect(),
        })
}

/// `POST /courses` as the admin `admin`.
pub fn create_course(http: &Client, base: &str, admin: &str, course: &CreateCourseRequest) -> RequestBuilder {
    http.post(format!("{base}/courses")).bearer_auth(admin).json(course)
}

/// `GET /courses`.
pub fn catalogue(http: &Client, base: &str, token: &str) -> RequestBuilder {
    http.get(format!("{base}/courses")).bearer_auth(token)
}

/// `POST /courses/{id}/enrollment` as the student of `token`.
pub fn enroll(http: &Client, base: &str, token: &str, course: Uuid) -> RequestBuilder {
    http.post(enrollment_url(base, course)).bearer_auth(token)
}

/// `DELETE /courses/{id}/enrollment` as the student of `token`.
pub fn drop_course(http: &Client, base: &str, token: &str, course: Uuid) -> RequestBuilder {
    http.delete(enrollment_url(base, course)).bearer_auth(token)
}

fn enrollment_url(base: &str, course: Uuid) -> String {
    format!("{base}/courses/{course}/enrollment")
}

/// `GET /courses/{id}/roster`.
pub fn roster(http: &Client, base: &str, token: &str, course: Uuid) -> RequestBuilder {
    http.get(format!("{base}/courses/{course}/roster")).bearer_auth(token)
}

/// `GET /grades/me` as the student of `token`.
pub fn my_grades(http: &Client, base: &str, token: &str) -> RequestBuilder {
    http.get(format!("{base}/grades/me")).bearer_auth(token)
}

/// `PUT /grades/courses/{course}/students/{student}` as the teacher of
/// `token`.
pub fn set_grade(http: &Client, base: &str, token: &str, course: Uuid, student: Uuid, grade: Grade) -> RequestBuilder {
    http.put(format!("{base}/grades/courses/{course}/students/{student}"))
        .bearer_auth(token)
        .json(&SetGradeRequest {
            grade: grade.as_f64().into(),
        })
}

/// `POST /grades/courses/{course}` with a CSV of `(student, grade)` rows.
pub fn upload_csv(http: &Client, base: &str, token: &str, course: Uuid, rows: &[(Uuid, Grade)]) -> RequestBuilder {
    let mut csv = String::from("student_id,grade\n");
    for (student, grade) in rows {
        csv.push_str(&format!("{student},{:.1}\n", grade.as_f64()));
    }
    http.post(format!("{base}/grades/courses/{course}"))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv)
}

/// `POST {path}` of a CSV file: an import (`/auth/users/import`,
/// `/courses/import`, with `?dry_run=true` or not).
pub fn post_csv(http: &Client, base: &str, token: &str, path: &str, csv: &str) -> RequestBuilder {
    http.post(format!("{base}{path}"))
        .bearer_auth(token)
        .header("content-type", "text/csv; charset=utf-8")
        .body(csv.to_owned())
}
